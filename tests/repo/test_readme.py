"""The README's promises: its notebook example runs (from the repository and from a fresh install),
it says how to install rnn_core and where the tutorial is, and CI runs its test command."""

import re
import subprocess
import sys

import pytest

from tests.repo.fresh_install import ROOT, run

README = (ROOT / "README.md").read_text(encoding="utf-8")
NOTEBOOK_SECTION = re.search(r"^## rnn_core in a notebook\n(.*?)^## ", README, re.S | re.M).group(1)
EXAMPLE, GATED_EXAMPLE = re.findall(r"```python\n(.*?)```", NOTEBOOK_SECTION, re.S)


def assert_reconciles(stdout: str) -> None:
    errors = [float(x) for x in re.findall(r"(?:differences|∂W):\s*([0-9.eE+-]+)", stdout)]
    assert len(errors) == 2 and max(errors) < 1e-6, stdout


def test_notebook_example_runs_and_reconciles():
    out = subprocess.run(
        [sys.executable, "-c", EXAMPLE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert_reconciles(out.stdout)


def test_gated_example_is_three_calls_and_reconciles():
    calls = [line for line in GATED_EXAMPLE.splitlines() if re.match(r"\w+ = ", line)]
    assert len(calls) == 3 and "rc.LSTMParams.init" in calls[0], calls
    out = subprocess.run(
        [sys.executable, "-c", EXAMPLE + GATED_EXAMPLE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    (error,) = re.findall(r"LSTM BPTT vs finite differences:\s*([0-9.eE+-]+)", out.stdout)
    assert float(error) < 1e-6, out.stdout
    (profile,) = re.findall(r"∂\(h, s\)⁽ᵏ⁾‖₂:\s*\[([^\]]*)\]", out.stdout)
    ell = [float(x) for x in profile.split()]
    assert len(ell) == 21 and ell[-1] == 0.0, ell  # k = 0..T, and ∂x⁽ᵀ⁾/∂x⁽ᵀ⁾ = I has norm 1


@pytest.mark.slow
def test_notebook_example_runs_in_a_fresh_install_outside_the_repository(library_venv, outside):
    assert_reconciles(run([library_venv.python, "-c", EXAMPLE], cwd=outside, timeout=120))


def test_notebook_section_shows_the_installs_and_links_the_tutorial():
    (commands,) = re.findall(r"```bash\n(.*?)```", NOTEBOOK_SECTION, re.S)
    installs = [line.split("#")[0].strip() for line in commands.splitlines()]
    assert installs == ['pip install "git+<URL of this repository>"', "pip install .", "pip install -e ."]
    links = re.findall(r"\]\((notebooks/[^)]+)\)", NOTEBOOK_SECTION)
    assert "notebooks/bptt_tutorial.py" in links
    assert all((ROOT / link).is_file() for link in links), links


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    blocks = re.findall(r"<!-- (run|test)-command -->\n```bash\n(.*?)\n```", README, re.S)
    assert [kind for kind, _ in blocks] == ["run", "test"]
    assert all("\n" not in cmd for _, cmd in blocks)  # one line each
    assert "streamlit run streamlit_app.py" in blocks[0][1]
    assert "pytest" in blocks[1][1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "<!-- test-command -->" in ci  # CI extracts the command from the README itself
