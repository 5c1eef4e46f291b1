"""The documentation site builds with zero warnings, and has the pages the README promises.

Builds with `python -m sphinx -W --keep-going` exactly as `docs/building.md` and `.ci/run` do, into a
temporary folder with fresh doctrees (a cached build would not re-read unchanged docstrings, and so
would hide their warnings).
"""
from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


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
    # every README section is a page of the guide (or of the site's front pages), with the README's text
    titles = " ".join(re.sub(r"<[^>]+>", "", t) for p in out.rglob("*.html")
                      for t in re.findall(r"<title>(.*?)</title>", p.read_text(), re.S))
    for heading in re.findall(r"^## (.+)$", (ROOT / "README.md").read_text(), re.M):
        assert heading.replace("`", "") in titles.replace("&lt;", "<").replace("&gt;", ">"), \
            f"README section {heading!r} has no page"
    # the README's sections are included, not summarised: the checker's report the README prints is there
    guide = next(p for p in (out / "guide").glob("*.html") if "check" in p.stem and "derivative" in p.stem).read_text()
    report = re.search(r"^PASSED: .+$", (ROOT / "README.md").read_text(), re.M)
    assert report, "the README no longer shows check_derivative's PASSED report"
    assert "check_derivative" in guide and html.escape(report.group(0), quote=False) in guide
    assert (out / "pytorch.html").exists() and (out / "CONTRIBUTING.html").exists()
