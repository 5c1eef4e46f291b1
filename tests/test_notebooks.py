"""Every notebook runs top to bottom on a fresh kernel, and its stored outputs are not stale."""
from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOURCES = sorted((NOTEBOOKS / "src").glob("*.py"))

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")


def _build_module():
    spec = importlib.util.spec_from_file_location("nb_build", NOTEBOOKS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _build_module()


def test_every_source_has_a_notebook() -> None:
    assert SOURCES, "no notebook sources found"
    stored = {p.stem for p in NOTEBOOKS.glob("*.ipynb")}
    assert stored == {s.stem for s in SOURCES}


@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_stored_outputs_match_current_sources(src: Path) -> None:
    stored = nbformat.read(NOTEBOOKS / (src.stem + ".ipynb"), as_version=4)
    fresh = build.parse(src)
    assert [c.source for c in stored.cells] == [c.source for c in fresh.cells], \
        f"{src.name} changed since {src.stem}.ipynb was built: run python notebooks/build.py {src.stem[:2]}"
    for cell in stored.cells:
        if cell.cell_type == "code":
            assert cell.execution_count is not None, f"a cell of {src.stem}.ipynb was never executed"
            assert cell.metadata[build.KEY]["source_sha"] == build.source_sha(cell.source), \
                f"a stored output of {src.stem}.ipynb came from different source"
    assert not [o for c in stored.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


@pytest.mark.slow
@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_notebook_executes(src: Path) -> None:
    nb = build.execute(copy.deepcopy(build.parse(src)))
    kinds = [o.output_type for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert "error" not in kinds
