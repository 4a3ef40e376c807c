"""`pip install .` without extras: the data side runs without torch and matplotlib.

Building a fresh virtualenv is too slow for the suite, so the commands run in subprocesses
where importing torch, safetensors or matplotlib fails as if they were not installed (a
sitecustomize on PYTHONPATH, which the pool's worker processes inherit), and where
os.sched_getaffinity is gone as on macOS. Everything but `refinery train` must work there.
"""
import os
import subprocess
import sys
import textwrap

import polars as pl
import pytest

from tests.conftest import REPO

BLOCKER = textwrap.dedent('''
    import importlib.abc, os, sys

    class NotInstalled(importlib.abc.MetaPathFinder):
        """The [train] and [report] extras, not installed."""
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("torch", "safetensors", "matplotlib"):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NotInstalled())
    if hasattr(os, "sched_getaffinity"):
        del os.sched_getaffinity          # Linux only
''')


@pytest.fixture(scope="module")
def no_extras_env(tmp_path_factory) -> dict:
    """An environment where the extras are not installed."""
    site = tmp_path_factory.mktemp("site")
    (site / "sitecustomize.py").write_text(BLOCKER)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}


@pytest.fixture(scope="module")
def without_extras(no_extras_env):
    """Run `refinery ARGS...` where the extras are not installed: (exit code, stdout, stderr)."""
    def run(*args):
        done = subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=REPO, env=no_extras_env,
                              capture_output=True, text=True, timeout=600)
        return done.returncode, done.stdout, done.stderr
    return run


@pytest.mark.parametrize("module", ["torch", "matplotlib"])
def test_the_extras_are_installed_here_and_blocked_there(module, no_extras_env):
    here = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
    there = subprocess.run([sys.executable, "-c", f"import {module}"], env=no_extras_env, capture_output=True, text=True)
    assert here.returncode == 0 and "ModuleNotFoundError" in there.stderr


def test_dataset_tokenizer_and_report_run_without_torch_and_matplotlib(tmp_path, without_extras):
    run = tmp_path / "demo"
    rc, out, err = without_extras("--version")
    assert rc == 0 and out.startswith("refinery ")

    rc, out, err = without_extras("dataset", "--input", str(REPO / "demo" / "demo.warc.gz"), "--out", str(run),
                                  "--recipe", str(REPO / "recipes" / "small.toml"), "--workers", "2")
    assert rc == 0, err
    assert pl.read_parquet(run / "final" / "*.parquet").height > 200
    assert f"next: refinery tokenizer {run}" in out

    rc, out, err = without_extras("tokenizer", str(run), "--vocab-size", "512", "--workers", "1")
    assert rc == 0, err
    assert list((run / "tokens").glob("train_*.bin"))

    rc, out, err = without_extras("report", str(run))
    assert rc == 0, err
    assert "pip install 'refinery[report]'" in out                      # says how to get the charts
    page = (run / "reports" / "report.html").read_text()
    assert "refinery[report]" in page and "<img" not in page            # the tables, no charts
    assert (run / "reports" / "funnel.parquet").exists()

    rc, out, err = without_extras("train", str(run))
    assert rc == 2 and "pip install 'refinery[train]'" in err and "Traceback" not in err

    log = (run / "refinery.log").read_text().splitlines()
    commands = [line.split("refinery ", 1)[1].split()[0] for line in log if "  exit " in line]
    assert commands == ["dataset", "tokenizer", "report", "train"]
    assert [line.split("  exit ")[1].split()[0] for line in log if "  exit " in line] == ["0", "0", "0", "2"]
