"""A fresh install of rnn_core, as a student gets it: a wheel built from the tree, in a new venv.

Built once per test session. The wheel is built from a copy of the files a clone has (tracked, and
new files not ignored), so that neither a `build/` left in the work tree nor anything ignored can
slip into it. Everything then runs from a directory outside the repository with PYTHONPATH unset,
so that nothing works only because the repository root is on the path.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.repo.fresh_install import KERNEL_NAME, ROOT, FreshVenv, run


@pytest.fixture(scope="session")
def outside(tmp_path_factory) -> Path:
    """A working directory outside the repository."""
    work = tmp_path_factory.mktemp("outside")
    assert not work.resolve().is_relative_to(ROOT)
    return work


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """`pip wheel --no-deps` of a copy of the tree as a clone has it."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    src = tmp_path_factory.mktemp("clone")
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():  # a tracked file deleted in the work tree is not in a clone
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-input", ".", "-w", dist], cwd=src)
    (whl,) = dist.glob("*.whl")
    return whl


@pytest.fixture(scope="session")
def library_venv(wheel, tmp_path_factory) -> FreshVenv:
    """A new virtual environment with the wheel installed, numpy from the package index."""
    path = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", path], cwd=path)
    python = path / "bin" / "python"
    run([python, "-m", "pip", "install", "--no-input", wheel], cwd=path)
    listed = json.loads(run([python, "-m", "pip", "list", "--format=json"], cwd=path))
    return FreshVenv(path, python, frozenset(d["name"].lower() for d in listed))


@pytest.fixture(scope="session")
def notebook_kernels(library_venv, tmp_path_factory) -> Path:
    """The fresh venv plus notebooks/requirements.txt, as a Jupyter kernel; returns its kernels dir."""
    python = library_venv.python
    run(
        [python, "-m", "pip", "install", "--no-input", "-r", ROOT / "notebooks" / "requirements.txt"],
        cwd=ROOT,
    )
    prefix = tmp_path_factory.mktemp("jupyter")
    run([python, "-m", "ipykernel", "install", "--prefix", prefix, "--name", KERNEL_NAME], cwd=prefix)
    return prefix / "share" / "jupyter" / "kernels"
