"""What a user of the docs and notebooks does that once went wrong."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _build_module():
    spec = importlib.util.spec_from_file_location("nb_build", ROOT / "notebooks" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_notebooks_built_under_agg_keep_their_figures(tmp_path, monkeypatch) -> None:
    """CI exports MPLBACKEND=Agg; a notebook built (or re-run by the output test) there must still show
    its figures inline, or the stored notebook loses its pictures and a fresh run differs from it."""
    pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib")
    build = _build_module()
    src = tmp_path / "00_plot.py"
    src.write_text("# %%\nimport matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0])\nplt.show()\n")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = build.execute(build.parse(src))
    kinds = [k for o in nb.cells[0].outputs for k in o.get("data", {})]
    assert "image/png" in kinds, f"no inline figure under MPLBACKEND=Agg: {kinds}"


def test_readme_heading_inside_a_code_block_is_not_a_section(tmp_path) -> None:
    """A `## ` line inside a fenced block (a shell comment, say) must not split the guide there."""
    spec = importlib.util.spec_from_file_location("docs_sources", ROOT / "docs" / "sources.py")
    sources = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("docs_sources", sources)   # dataclasses look their module up by name
    spec.loader.exec_module(sources)
    readme = tmp_path / "README.md"
    readme.write_text("# t\n\n## One\n\n```bash\n## not a heading\n```\n\n## Two\n")
    assert sources.readme_sections(readme) == ["## One", "## Two"]
