"""The documentation site builds with zero warnings, and has the pages the README promises.

Builds with `python -m sphinx -W --keep-going` exactly as `docs/building.md` and `.ci/run` do, into a
temporary folder with fresh doctrees (a cached build would not re-read unchanged docstrings, and so
would hide their warnings).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def test_every_readme_section_reaches_the_site() -> None:
    """Each guide page includes the README from one `## ` heading to the next, so together they must
    start at every heading: a section added to the README then needs a page (or falls inside its
    neighbour's, which this names)."""
    headings = re.findall(r"^(## .+)$", (ROOT / "README.md").read_text(), re.M)
    pages = [*DOCS.glob("*.md"), *(DOCS / "guide").glob("*.md")]
    starts = {m for p in pages for m in re.findall(r'^:start-after: "(## .+)"$', p.read_text(), re.M)}
    assert headings and not set(headings) - starts, \
        f"README sections no page of docs/ starts at: {sorted(set(headings) - starts)}"


@pytest.mark.slow
def test_site_builds_without_warnings(tmp_path: Path) -> None:
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_nb")
    out = tmp_path / "html"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    run = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                          "-d", str(tmp_path / "doctrees"), str(DOCS), str(out)],
                         capture_output=True, text=True, env=env, timeout=900, cwd=ROOT)
    assert run.returncode == 0, f"the docs build warned or failed:\n{run.stderr[-6000:]}"

    # the promised pages exist and hold what they are for
    api = {p.stem for p in (out / "api").glob("*.html")}
    assert {"al", "al_linalg", "al_autograd", "nn", "F", "optim", "data", "train", "viz", "check",
            "classic"} <= api
    assert 'id="autograd_lite.nn.Linear"' in (out / "api" / "nn.html").read_text()
    assert 'id="autograd_lite.linalg.inv"' in (out / "api" / "al_linalg.html").read_text()
    notebooks = sorted(p.stem for p in (out / "notebooks").glob("*.html"))
    assert notebooks == sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    rendered = (out / "notebooks" / f"{notebooks[0]}.html").read_text()
    assert "output" in rendered and ("<img" in rendered or "<svg" in rendered), "stored outputs not rendered"
    guide = (out / "guide" / "checking.html").read_text()
    assert "check_derivative" in guide and "PASSED: all 2 hand-derived gradients match." in guide
    assert (out / "pytorch.html").exists() and (out / "CONTRIBUTING.html").exists()
