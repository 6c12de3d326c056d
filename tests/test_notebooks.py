"""The tutorials in notebooks/ run top to bottom (nbclient, a fresh kernel each), so they never rot.

Adding a tutorial is one line in NOTEBOOKS. Notebooks are committed without outputs.
"""

from __future__ import annotations

import os

import pytest

from .conftest import ROOT

NB_DIR = ROOT / "notebooks"
NOTEBOOKS = [
    "01_unseen_language_corpus.ipynb",
    "02_restore_a_dataset.ipynb",
    "03_ci_quality_gate.ipynb",
]
TIMEOUT_S = 600  # per cell


def test_every_notebook_is_executed_here():
    assert sorted(p.name for p in NB_DIR.glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(name, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NB_DIR / name, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{name}: commit notebooks without outputs"
    # the kernel (and the commands it runs) import this checkout's synthkit and write under tmp_path
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("SYNTHKIT_NOTEBOOK_WORKDIR", str(tmp_path))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    client = NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, if any cell fails
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
