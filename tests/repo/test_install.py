"""`pip install .` gives the library rnn_core alone, with numpy its only dependency."""

import json
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.repo.fresh_install import ROOT, run, source_version

APP_PARTS = ("ui", "app_pages", "tests", "benchmarks", "deploy", "docs", "notebooks", "streamlit_app")


@pytest.mark.slow
def test_wheel_holds_rnn_core_only_and_requires_numpy_only(wheel):
    version = source_version()
    assert wheel.name == f"rnn_core-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta = Parser().parsestr(zf.read(f"rnn_core-{version}.dist-info/METADATA").decode())
    tops = {name.split("/")[0] for name in names}
    assert tops == {"rnn_core", f"rnn_core-{version}.dist-info"}, tops
    assert not [n for n in names if n.split("/")[0].removesuffix(".py") in APP_PARTS]
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "rnn_core").rglob("*.py")}
    assert modules <= set(names), modules - set(names)  # every module of the package, subpackages too
    assert "rnn_core/py.typed" in names
    assert (meta["Name"], meta["Version"]) == ("rnn-core", version)
    assert [Requirement(r).name for r in meta.get_all("Requires-Dist")] == ["numpy"]


@pytest.mark.slow
def test_fresh_venv_imports_the_installed_package_from_outside_the_repository(library_venv, outside):
    # What pip put in the venv beside its own tools: the package and numpy, nothing else.
    assert library_venv.installed - {"pip", "setuptools"} == {"rnn-core", "numpy"}
    script = (
        "import importlib.metadata as md, importlib.util, json, numpy as np, rnn_core as rc\n"
        "p = rc.RNNParams.init(2, 4, 3, seed=1)\n"
        "xs = np.random.default_rng(1).standard_normal((6, 2, 2))\n"
        "y = np.random.default_rng(2).integers(0, 3, size=(6, 2))\n"
        "g = rc.bptt(p, rc.forward(p, xs, y))\n"
        "n = rc.numerical_gradient(p, xs, y, activation='tanh', loss='softmax_ce')\n"
        "print(json.dumps({'file': rc.__file__, 'version': rc.__version__,\n"
        "    'dist_version': md.version('rnn-core'), 'requires': md.requires('rnn-core'),\n"
        "    'ui': importlib.util.find_spec('ui') is not None, 'err': rc.rel_error(g.W, n.W)}))\n"
    )
    got = json.loads(run([library_venv.python, "-c", script], cwd=outside).strip().splitlines()[-1])
    where = Path(got["file"]).resolve()
    assert where.is_relative_to(library_venv.path.resolve()) and not where.is_relative_to(ROOT), where
    assert got["version"] == got["dist_version"] == source_version()
    assert [Requirement(r).name for r in got["requires"]] == ["numpy"]
    assert not got["ui"]  # the app's packages are not installed
    assert got["err"] < 1e-6  # the installed package computes: BPTT against finite differences
