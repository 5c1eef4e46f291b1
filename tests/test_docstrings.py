"""Every public name has a docstring: functions and classes of `al`, `al.functional`, `al.linalg`,
`al.autograd`, `nn`, `F`, `optim`, `data`, `train`, `viz`, `check` and `classic`, and the public
methods and properties of their classes (a method may inherit its base class's docstring).

The names are found by `docs/sources.py`, the same walk that writes the site's API reference,
so whatever this test requires is also what the site documents. One failure lists every name
that lacks a docstring. The docstrings must also read as reStructuredText without a warning (what
the strict site build checks, in seconds rather than a build) and their code spans must end where
meant (which the build does not see).
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import io
import re
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _sources():
    spec = importlib.util.spec_from_file_location("docs_sources", DOCS / "sources.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("docs_sources", module)   # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


sources = _sources()


def _walks() -> list[tuple[str, list]]:
    """(namespace, its entries) for each namespace that imports (one that doesn't fails
    test_namespaces_are_importable)."""
    out = []
    for module, _, _ in sources.NAMESPACES:
        try:
            out.append((module, sources.walk(module)))
        except ImportError:
            continue
    return out


def _docstrings() -> dict[str, str]:
    """Every docstring the API pages show, by qualified name: namespaces, the submodules whose
    sections they have, public names and their members (inherited member docstrings included)."""
    docs = {}
    for module, entries in _walks():
        docs[module] = importlib.import_module(module).__doc__
        for e in entries:
            docs[e.module] = importlib.import_module(e.module).__doc__
            docs[e.qualname] = e.obj.__doc__
            docs.update((f"{e.qualname}.{m}", inspect.getdoc(getattr(e.obj, m))) for m in e.members)
    return {name: doc for name, doc in docs.items() if doc}


def test_every_public_name_has_a_docstring() -> None:
    missing = [name for _, entries in _walks() for name in sources.missing_docstrings(entries)]
    assert not missing, f"{len(missing)} public names have no docstring:\n  " + "\n  ".join(missing)


def test_the_walk_finds_what_the_api_contract_lists() -> None:
    """A walk that found nothing would pass the test above: it must reach names of every namespace."""
    found = {module: {e.name for e in entries} for module, entries in _walks()}
    expected = {"autograd_lite": {"tensor", "Tensor", "grad", "no_grad", "exp", "cat", "logdet", "save", "load"},
                "autograd_lite.linalg": {"inv", "det", "slogdet", "solve", "cholesky", "norm"},
                "autograd_lite.nn": {"Module", "Linear", "Conv2d", "CrossEntropyLoss", "kaiming_normal_"},
                "autograd_lite.nn.functional": {"conv2d", "cross_entropy", "batch_norm"},
                "autograd_lite.optim": {"SGD", "Adam", "CosineAnnealingLR", "CyclicLR"},
                "autograd_lite.data": {"DataLoader", "load_digits"},
                "autograd_lite.train": {"fit", "evaluate", "History"},
                "autograd_lite.viz": {"to_dot", "draw_graph"},
                "autograd_lite.check": {"gradcheck", "check_derivative"},
                "autograd_lite.classic": {"affine_forward", "affine_backward", "Solver", "FullyConnectedNet",
                                          "KLayerNetwork", "eval_numerical_gradient"}}
    for module, names in expected.items():
        assert names <= found[module], f"{module}: the walk misses {sorted(names - found[module])}"


def test_missing_docstrings_are_reported() -> None:
    """The check itself: an undocumented function, class and method are each named."""
    class Documented:
        """A class."""
        def method(self) -> None:
            pass

        @property
        def prop(self) -> int:
            """A property."""
            return 1

    def undocumented() -> None:
        pass

    entries = [sources.Entry("m", "Documented", Documented, sources.class_members(Documented)),
               sources.Entry("m", "undocumented", undocumented)]
    assert sources.missing_docstrings(entries) == ["m.Documented.method", "m.undocumented"]


def broken_code_spans(doc: str) -> list[str]:
    """Code spans docutils does not end where the writer meant: a closing backtick followed by a letter
    (`Subset`s) is no end-string, so the span runs on to the next backtick; an odd backtick count
    leaves one open. Sphinx renders both without a warning, as code swallowing the prose between."""
    doc = re.sub(r"``.*?``", "", doc, flags=re.S)
    ticks = [m.start() for m in re.finditer("`", doc)]
    bad = [doc[max(0, a - 10):b + 10].replace("\n", " ") for a, b in zip(ticks[0::2], ticks[1::2])
           if doc[b + 1:b + 2].isalnum()]
    return bad + (["an unclosed backtick"] if len(ticks) % 2 else [])


def test_code_spans_end_where_they_are_meant_to() -> None:
    assert [s.strip() for s in broken_code_spans("random `Subset`s of the `lengths`")] == ["random `Subset`s of the"]
    assert broken_code_spans("`a` and ``b`` then `c") == ["an unclosed backtick"]
    assert not broken_code_spans("`Subset` objects, `x`, `f(x)`: ``|x|``")
    problems = [f"{name}: {span}" for name, doc in _docstrings().items() for span in broken_code_spans(doc)]
    assert not problems, "docstrings whose code spans run on:\n  " + "\n  ".join(problems)


def rst_problems(doc: str) -> list[str]:
    """docutils' warnings and errors for a docstring read as the site reads it: napoleon's Google and
    NumPy sections, `x` as code. The same messages fail the strict site build (`|x|` is a substitution,
    `*args` opens emphasis, an indented line under a plain one is a stray block quote), in seconds."""
    import docutils.core
    from sphinx.ext.napoleon import Config
    from sphinx.ext.napoleon.docstring import GoogleDocstring, NumpyDocstring

    config = Config(napoleon_google_docstring=True, napoleon_numpy_docstring=True)
    text = str(NumpyDocstring(str(GoogleDocstring(inspect.cleandoc(doc), config)), config))
    stream = io.StringIO()
    docutils.core.publish_doctree(".. default-role:: code\n\n" + text,
                                  settings_overrides={"warning_stream": stream, "report_level": 2, "halt_level": 5})
    return [line for line in stream.getvalue().splitlines() if "(WARNING/" in line or "(ERROR/" in line]


def test_docstrings_parse_as_restructuredtext() -> None:
    pytest.importorskip("docutils")
    pytest.importorskip("sphinx.ext.napoleon")
    assert rst_problems("max(|x − y|)") and rst_problems("f(*args)") and not rst_problems("`|x|`, `f(*args)`")
    assert not rst_problems("Sum.\n\n    Args:\n        f: the function,\n            over two lines.\n        x: the input.")
    assert rst_problems("Sum.\n\n    f: the function,\n        over two lines.\n    x: the input.")  # no Args:
    problems = [f"{name}: {p}" for name, doc in _docstrings().items() for p in rst_problems(doc)]
    assert not problems, "docstrings docutils cannot read as meant:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("module", [m for m, _, _ in sources.NAMESPACES])
def test_namespaces_are_importable(module: str) -> None:
    """Each documented namespace exists (the API reference has a page for each)."""
    importlib.import_module(module)
