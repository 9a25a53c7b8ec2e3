"""The tutorial runs top to bottom in a fresh install (the wheel plus notebooks/requirements.txt)."""

import re

import jupytext
import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from tests.repo.fresh_install import KERNEL_NAME, ROOT, clean_env, source_version

NOTEBOOK = ROOT / "notebooks" / "bptt_tutorial.py"


def printed(stdout: str, label: str) -> float:
    """The number printed after ``label:`` (exactly one such line)."""
    (value,) = re.findall(rf"^{re.escape(label)}: ([0-9.eE+-]+)", stdout, re.M)
    return float(value)


@pytest.mark.slow
def test_tutorial_runs_in_a_fresh_install_and_its_checks_hold(notebook_kernels, library_venv, outside):
    nb = jupytext.read(NOTEBOOK)
    # One more cell, for this test only: which rnn_core the kernel imported.
    nb.cells.append(nbformat.v4.new_code_cell("import rnn_core\nprint('imported from:', rnn_core.__file__)"))
    km = KernelManager(
        kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(notebook_kernels)])
    )
    NotebookClient(nb, km=km, timeout=120).execute(
        cwd=str(outside), env=clean_env()
    )  # raises on a failed cell

    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    stdout = "".join(out.text for out in outputs if out.output_type == "stream" and out.name == "stdout")
    images = [out for out in outputs if out.output_type == "display_data" and "image/png" in out.data]

    (where,) = re.findall(r"^imported from: (.*)$", stdout, re.M)
    assert where.startswith(str(library_venv.path)), where
    assert f"rnn_core {source_version()}" in stdout
    # ∂L⁽³⁾/∂W summed over its paths by hand, against rnn_core and against finite differences
    assert printed(stdout, "hand paths vs rc.path_terms") < 1e-12
    assert printed(stdout, "hand sum of paths vs rc.bptt(s=3)") < 1e-12
    assert printed(stdout, "hand sum of paths vs finite differences") < 1e-6
    # the corrected update: ∂L/∂W = Σₛ ∂L⁽ˢ⁾/∂W, and ∂L⁽³⁾/∂W alone is visibly another matrix
    assert printed(stdout, "Σₛ ∂L⁽ˢ⁾/∂W vs rc.bptt") < 1e-12
    assert printed(stdout, "Σₜ ∂L⁽ᵗ⁾/∂o⁽ᵗ⁾ h⁽ᵗ⁾ᵀ vs rc.bptt") < 1e-12
    assert printed(stdout, "∂L⁽³⁾/∂W alone vs ∂L/∂W") > 0.1
    assert printed(stdout, "bptt vs finite differences") < 1e-6
    # one regime per activation, and between them all three that a network can show
    regimes = dict(re.findall(r"^(\w+) +γ·σ_max = .*→ (\w+)$", stdout, re.M))
    assert set(regimes) == {"sigmoid", "tanh", "relu", "leaky_relu", "linear"}, stdout
    assert set(regimes.values()) == {"vanishing", "exploding", "neither"}
    assert len(images) >= 3  # the path terms, the activations, the Jacobian profiles
