"""Every notebook runs top to bottom on a fresh kernel, and prints what it is stored with.

The stored outputs are what a reader (and the docs site) sees, so a fresh execution must print the
same text: every stdout stream and every text/plain, text/html, text/latex and text/markdown output,
cell by cell, after masking what changes from run to run (durations such as `4.2 s`, object
addresses such as `0x7f...`, graph nodes' DOT names such as `F139968977677392`). Pictures (PNG, SVG)
are not compared byte for byte; the numbers drawn in them come from the same computations as the
printed ones.
`python notebooks/build.py` re-executes and stores the outputs after a change.
"""
from __future__ import annotations

import copy
import importlib.util
import re
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


TEXT_KINDS = ("text/plain", "text/html", "text/latex", "text/markdown")
DURATION = re.compile(r"\d+(?:\.\d+)?\s?(?:s|ms|µs|us|min|seconds?)\b")
ADDRESS = re.compile(r"\b0x[0-9a-fA-F]+")
GRAPH_KEY = re.compile(r"\b[A-Z]{1,3}\d{9,}\b")  # a graph node's DOT name: letters and its object's id


def _mask(text: str) -> str:
    return GRAPH_KEY.sub("<node>", ADDRESS.sub("0x…", DURATION.sub("<duration>", text)))


def text_outputs(nb) -> list[list[str]]:
    """Per code cell, its text outputs (stdout streams joined, then each text mime bundle), masked."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        out, stdout = [], ""
        for o in cell.outputs:
            if o.output_type == "stream":
                if o.name == "stdout":
                    stdout += o.text
            elif o.output_type in ("execute_result", "display_data"):
                out += [f"{k}: {_mask(o.data[k])}" for k in TEXT_KINDS if k in o.get("data", {})]
            elif o.output_type == "error":
                out.append(f"error: {o.ename}: {o.evalue}")
        cells.append(([f"stdout: {_mask(stdout)}"] if stdout else []) + out)
    return cells


def differences(stored, fresh) -> list[str]:
    """What the fresh run prints differently from the stored notebook, cell by cell."""
    a, b = text_outputs(stored), text_outputs(fresh)
    if len(a) != len(b):
        return [f"{len(a)} code cells stored, {len(b)} run"]
    return [f"code cell {i + 1}:\n  stored: {x!r}\n  fresh:  {y!r}" for i, (x, y) in enumerate(zip(a, b)) if x != y]


def test_a_changed_stored_value_is_caught() -> None:
    """The comparison itself: a number changed in a stored output is reported; a duration or an address is not."""
    stored = nbformat.read(NOTEBOOKS / (SOURCES[0].stem + ".ipynb"), as_version=4)
    same = copy.deepcopy(stored)
    for cell in same.cells:
        for o in cell.get("outputs", []):
            if "text/plain" in o.get("data", {}):
                o.data["text/plain"] = ADDRESS.sub("0xdeadbeef", o.data["text/plain"])
    assert differences(stored, same) == []
    changed = copy.deepcopy(stored)
    cell = next(c for c in changed.cells if c.cell_type == "code" and any(
        o.output_type == "stream" and re.search(r"\d", o.text) for o in c.outputs))
    out = next(o for o in cell.outputs if o.output_type == "stream" and re.search(r"\d", o.text))
    out.text = re.sub(r"\d", lambda m: str((int(m.group()) + 1) % 10), out.text, count=1)
    assert len(differences(stored, changed)) == 1
    assert _mask("trained in 4.2 s, (0.5 s), 19 s, at 0x7f01ac47d9d0, <Figure size 1200x160>") == \
        "trained in <duration>, (<duration>), <duration>, at 0x…, <Figure size 1200x160>"


@pytest.mark.slow
@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_fresh_run_prints_the_stored_outputs(src: Path) -> None:
    stored = nbformat.read(NOTEBOOKS / (src.stem + ".ipynb"), as_version=4)
    fresh = build.execute(copy.deepcopy(build.parse(src)))
    kinds = [o.output_type for c in fresh.cells if c.cell_type == "code" for o in c.outputs]
    assert "error" not in kinds
    diff = differences(stored, fresh)
    assert not diff, (f"{src.stem}.ipynb's stored outputs differ from a fresh run "
                      f"(python notebooks/build.py {src.stem[:2]} stores the new ones):\n" + "\n".join(diff))
