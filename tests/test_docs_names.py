"""The names the README and the hand-written docs pages tell a reader to use exist: every `al.x.y`
or `autograd_lite.x.y` written in code style in README.md and docs/*.md resolves, so a name that moves or is
renamed (as `engine.grad` became `backprop.grad`) fails here instead of going stale on a page."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# `al.linalg.inv`, `autograd_lite.nn.functional as F`, `al.save(...)`: the dotted name at the start
NAME = re.compile(r"`((?:al|autograd_lite)(?:\.[A-Za-z_]\w*)+)")
EXAMPLES = {"CONTRIBUTING.md": {"al.softsign"}}  # the op its worked example adds


def resolve(dotted: str) -> object:
    """The object a dotted name written with `al.` or `autograd_lite.` stands for (AttributeError if none)."""
    parts = dotted.split(".")
    obj = importlib.import_module("autograd_lite")
    for i, part in enumerate(parts[1:], start=1):
        try:
            obj = getattr(obj, part)
        except AttributeError:  # a submodule not imported by its package
            obj = importlib.import_module(".".join(["autograd_lite", *parts[1:i + 1]]))
    return obj


def names(text: str) -> list[str]:
    """The dotted names in code spans of a Markdown text, outside fenced blocks (which the README test runs)."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return sorted(set(NAME.findall(prose)))


def test_the_pages_name_something() -> None:
    """The check reaches the names (an empty scan would pass the test below)."""
    found = {n for page in PAGES for n in names(page.read_text())}
    assert {"al.linalg.inv", "al.functional.hessian", "autograd_lite.nn.functional"} <= found


def test_a_moved_name_is_caught() -> None:
    assert names("use `al.engine.grad(y, x)` or `autograd_lite.viz.recorder.module_scope`") == \
        ["al.engine.grad", "autograd_lite.viz.recorder.module_scope"]
    with pytest.raises((AttributeError, ImportError)):
        resolve("al.engine.grad")
    assert callable(resolve("autograd_lite.viz.recorder.module_scope"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_named_objects_exist(page: Path) -> None:
    missing = []
    for name in set(names(page.read_text())) - EXAMPLES.get(page.name, set()):
        try:
            resolve(name)
        except (AttributeError, ImportError):
            missing.append(name)
    assert not missing, f"{page.relative_to(ROOT)} names what autograd_lite does not have: {sorted(missing)}"
