"""The README's promises: its notebook example runs, and CI runs its test command."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_notebook_example_runs_and_reconciles():
    code = re.search(r"## rnn_core in a notebook.*?```python\n(.*?)```", README, re.S).group(1)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    errors = [float(x) for x in re.findall(r"(?:differences|∂W):\s*([0-9.eE+-]+)", out.stdout)]
    assert len(errors) == 2 and max(errors) < 1e-6, out.stdout


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    blocks = re.findall(r"<!-- (run|test)-command -->\n```bash\n(.*?)\n```", README, re.S)
    assert [kind for kind, _ in blocks] == ["run", "test"]
    assert all("\n" not in cmd for _, cmd in blocks)  # one line each
    assert "streamlit run streamlit_app.py" in blocks[0][1]
    assert "pytest" in blocks[1][1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "<!-- test-command -->" in ci  # CI extracts the command from the README itself
