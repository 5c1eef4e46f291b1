"""Sphinx configuration: `python -m sphinx -W --keep-going -b html docs docs/_build/html`.

Sphinx because autodoc + napoleon read the docstrings the package already has (no
per-name stubs to keep in step), and myst-nb renders the stored notebook outputs
without executing anything and without a system dependency (nbsphinx needs pandoc).
The API pages are written at build time from `sources.py`, the same walk over the
public names that `tests/test_docstrings.py` checks, and the user guide's pages from the
README's `## ` headings, so a new public name or README section appears in the site
without editing a page.
"""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(ROOT), str(DOCS)]

import sources  # noqa: E402  (needs the path above)

project = "autograd_lite"
author = "the autograd_lite authors"
copyright = "the autograd_lite authors"
extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "img", "Thumbs.db", ".DS_Store"]
default_role = "code"              # docstrings write `x` for code, as in Markdown
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # included README sections start at ## (the README is their first home)
nb_execution_mode = "off"          # notebooks are rendered with the outputs stored by notebooks/build.py
autodoc_member_order = "bysource"
add_module_names = False           # `kaiming_normal_(...)`; the page says which module
autodoc_typehints = "signature"
napoleon_google_docstring = True
napoleon_numpy_docstring = True
html_theme = "alabaster"
html_title = "autograd_lite"
html_static_path: list[str] = []
html_theme_options = {"page_width": "1100px", "sidebar_width": "230px"}  # room for 90-column code


def _copy_notebooks() -> None:
    """Sphinx reads sources only below docs/, so the stored notebooks are copied in (docs/notebooks/)."""
    target = DOCS / "notebooks"
    target.mkdir(exist_ok=True)
    stored = sorted((ROOT / "notebooks").glob("*.ipynb"))
    for stale in set(target.glob("*.ipynb")) - {target / s.name for s in stored}:
        stale.unlink()
    for src in stored:
        dst = target / src.name
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)


def _directive(entry: sources.Entry, seen: set[int]) -> str:
    """The autodoc directive of one name. A class reached again under another name (`al.no_grad` is
    `al.autograd.no_grad`, `al.utils.data` re-exports `data`'s) is shown again but indexed only at its
    first page: Sphinx files a class under its defining module, so it would be described twice (a warning).
    A function keeps an entry under each name."""
    if not isinstance(entry.obj, type):
        return f".. autofunction:: {entry.qualname}"
    lines = [f".. autoclass:: {entry.qualname}"]
    if entry.members:
        lines.append(f"   :members: {', '.join(entry.members)}")
    if id(entry.obj) in seen:
        lines.append("   :no-index:")
    seen.add(id(entry.obj))
    return "\n".join(lines)


def _write_api_pages() -> None:
    """One page per namespace of sources.NAMESPACES, written only when its text changes."""
    target = DOCS / "api"
    target.mkdir(exist_ok=True)
    index = ["API reference", "=============", "",
             "Generated from the docstrings. In formulas, G is dL/d(output).", "",
             ".. toctree::", "   :maxdepth: 1", ""]
    seen: set[int] = set()  # classes already described on an earlier page (or earlier on this one)
    for module, title, blurb in sources.NAMESPACES:
        stem = title.replace("al.", "al_").replace(".", "_")
        index.append(f"   {stem}")
        heading = f"``{title}``"
        text = [heading, "=" * len(heading), "", f"``{module}``: {blurb}", "",
                f".. automodule:: {module}", "   :no-members:", ""]
        try:
            entries = sources.walk(module)
        except ImportError:  # the automodule above then fails the strict build, naming the module
            entries = []
        entries.sort(key=lambda e: e.module != module)  # the namespace's own names, then each submodule's
        current = None
        for entry in entries:
            if entry.module != current and entry.module != module:
                sub = f"``{entry.module}``"
                text += [sub, "-" * len(sub), "", f".. automodule:: {entry.module}", "   :no-members:", ""]
            current = entry.module
            text += [_directive(entry, seen), ""]
        _write_if_changed(target / f"{stem}.rst", "\n".join(text))
    _write_if_changed(target / "index.rst", "\n".join(index) + "\n")


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _write_guide_pages() -> None:
    """One page per README section, each including the README from its heading to the next, so the
    guide is the README and every section it gains (or renames) is in the site without editing a page.
    Sections a hand-written page already includes (the notebooks) are left to that page."""
    target = DOCS / "guide"
    target.mkdir(exist_ok=True)
    taken = {m for page in DOCS.glob("*.md") for m in re.findall(r'^:start-after: "(## .+)"$', page.read_text(), re.M)}
    headings = sources.readme_sections(ROOT / "README.md")
    stems = []
    for i, heading in enumerate(headings):
        if heading in taken:
            continue
        title = heading[3:]
        stem = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:60]
        options = [f':start-after: "{heading}"'] + ([f':end-before: "{headings[i + 1]}"'] if i + 1 < len(headings) else [])
        text = [f"# {title}", "", "```{include} ../../README.md", *options, ":relative-images:", ":relative-docs: docs/",
                "```", ""]
        _write_if_changed(target / f"{stem}.md", "\n".join(text))
        stems.append(stem)
    for stale in set(target.glob("*.md")) - {target / f"{s}.md" for s in stems} - {target / "index.md"}:
        stale.unlink()
    index = ["# User guide", "", "These pages are the README's sections, included from `README.md` when the site is built,",
             "so the two cannot drift apart; the outputs they show are checked by `tests/test_readme.py`.", "",
             "```{toctree}", ":maxdepth: 2", "", *stems, "```", ""]
    _write_if_changed(target / "index.md", "\n".join(index))


_copy_notebooks()
_write_api_pages()
_write_guide_pages()
