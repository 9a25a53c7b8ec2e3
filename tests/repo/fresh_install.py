"""What the fresh-install tests share: the repository, its one version, and commands run clean."""

import ast
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KERNEL_NAME = "rnn-core-fresh"


def source_version() -> str:
    """__version__ as written in its one place, rnn_core/_version.py (read, not imported)."""
    tree = ast.parse((ROOT / "rnn_core" / "_version.py").read_text(encoding="utf-8"))
    (value,) = [
        node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["__version__"]
    ]
    return value


def clean_env() -> dict[str, str]:
    """The environment without anything that would put the repository or .venv on the path."""
    # MPLBACKEND: Streamlit sets it to Agg in-process, which would keep the notebook from showing plots
    drop = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "MPLBACKEND"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def run(cmd: list, *, cwd: Path, timeout: float = 300) -> str:
    out = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout
    )
    assert out.returncode == 0, (
        f"{' '.join(map(str, cmd))} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    )
    return out.stdout


@dataclass(frozen=True)
class FreshVenv:
    path: Path
    python: Path
    installed: frozenset  # distribution names right after installing the wheel (nothing else yet)
