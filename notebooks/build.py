"""Build the notebooks: each `src/NN_name.py` (cells split by `# %%` lines, markdown cells
marked `# %% [markdown]`) becomes `NN_name.ipynb`, executed top to bottom with its outputs stored.

    python notebooks/build.py            # all notebooks
    python notebooks/build.py 03 05      # the ones whose names start with these

Every executed code cell records the SHA-1 of its source, so a test can tell when a stored
output is stale (the source changed after the notebook was run).
"""
from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
KEY = "autograd_lite"


def source_sha(source: str) -> str:
    return hashlib.sha1(source.encode()).hexdigest()


def parse(path: Path) -> nbformat.NotebookNode:
    """The notebook (unexecuted) that a percent-format source file describes."""
    cells, kind, lines = [], None, []

    def flush() -> None:
        text = "\n".join(lines).strip("\n")
        if kind == "markdown":
            text = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in text.splitlines())
            cells.append(nbformat.v4.new_markdown_cell(text))
        elif kind == "code" and text:
            cells.append(nbformat.v4.new_code_cell(text))

    for line in path.read_text().splitlines():
        if line.startswith("# %%"):
            flush()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        elif kind is not None:
            lines.append(line)
    flush()
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = 600) -> nbformat.NotebookNode:
    from nbclient import NotebookClient
    # Figures inline, as in Jupyter, whatever backend the caller chose (CI exports MPLBACKEND=Agg, which
    # would leave the stored notebooks without their pictures and a fresh run different from them).
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute(
        env=env)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.metadata[KEY] = {"source_sha": source_sha(cell.source)}
    return nb


def build(path: Path) -> Path:
    start = time.perf_counter()
    nb = execute(parse(path))
    target = HERE / (path.stem + ".ipynb")
    nbformat.write(nb, target)
    print(f"{target.name}: {len(nb.cells)} cells in {time.perf_counter() - start:.1f} s")
    return target


def main(argv: list[str]) -> int:
    sources = sorted(SOURCES.glob("*.py"))
    if argv:
        sources = [s for s in sources if any(s.name.startswith(a) for a in argv)]
    for src in sources:
        build(src)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
