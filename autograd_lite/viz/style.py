"""How things look: colours per node kind, and tensors' values written small enough to read."""
from __future__ import annotations

from typing import Any

import numpy as np

# kind -> (fill, border); chosen to stay distinct in print and for common colour blindness
COLORS = {
    "input": ("#dbeafe", "#1d4ed8"),
    "parameter": ("#fef3c7", "#b45309"),
    "constant": ("#f3f4f6", "#6b7280"),
    "tensor": ("#ffffff", "#374151"),
    "output": ("#dcfce7", "#15803d"),
    "op": ("#ede9fe", "#6d28d9"),
    "module": ("#e0f2fe", "#0369a1"),
    "elided": ("#fff7ed", "#c2410c"),
    "sum": ("#fde68a", "#b45309"),
}
CHECK_OK, CHECK_BAD, CHECK_NONE = ("#bbf7d0", "#15803d"), ("#fecaca", "#b91c1c"), ("#e5e7eb", "#6b7280")
HIGHLIGHT = "#dc2626"
GRAD_EDGE = "#b91c1c"
KIND_TITLE = {"input": "input", "parameter": "parameter", "constant": "constant", "tensor": "", "output": "output"}


# Glyphs that Liberation Sans (the usual stand-in for Helvetica/Arial) lacks, written with ones
# every font in FONT has, so no box replaces them wherever the SVG is viewed.
GLYPHS = str.maketrans({"⊙": "*", "‖": "||", "⋯": "…", "✓": "ok", "✗": "X", "⟨": "<", "⟩": ">",
                        "ᵢ": "_i", "ˣ": "^x", "₁": "_1", "₂": "_2", "\u0302": "", "\u0304": "", "\x00": "\\0"})
_SUPERSCRIPTS = (("⁻ᵀ", "^-T"), ("⁻¹", "^-1"), ("ᵀ", "^T"), ("⁻", "^-"))
DOT_MAX = 16000  # Graphviz refuses strings over 16,384 characters


def clean(text: str, limit: int = DOT_MAX) -> str:
    """Text safe for DOT: glyphs the fonts have, no NUL, control characters or lone surrogates,
    at most `limit` characters (cut with "…")."""
    text = str(text)
    if not text.isascii():
        for sym, plain in _SUPERSCRIPTS:
            text = text.replace(sym, plain)
        text = text.translate(GLYPHS).encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> ?
    if not text.isprintable():
        text = "".join(c if c.isprintable() or c == "\n" else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def html(text: str, limit: int = DOT_MAX) -> str:
    """Escape for a Graphviz HTML-like label (one line: a newline becomes a space)."""
    text = clean(text, limit).replace("\n", " ")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def quote(text: str, limit: int = DOT_MAX) -> str:
    """A DOT double-quoted string; newlines become DOT's centred line breaks."""
    text = clean(text, limit)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def shape_text(shape: tuple[int, ...] | None, dtype: Any) -> str:
    if shape is None:
        return "shape unknown"
    dims = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    if dtype is None:
        return dims
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = np.dtype(dtype).name
    return f"{dims} {name}"


_DTYPE_NAMES: dict = {}


def _format(a: np.ndarray, spec: str) -> list[str]:
    """Values as text rows: a vector on one line, a matrix one row per line, more dims flattened.
    (Plain string formatting: np.array2string costs ~100 µs a call, too slow for 10,000 nodes.)"""
    if a.ndim == 0:
        return [format(a.item(), spec)]
    if a.ndim == 2:
        rows = [" ".join(format(v, spec) for v in row) for row in a.tolist()]
        lines = ["[[" + rows[0] + "]"] + [" [" + r + "]" for r in rows[1:]]
        return lines[:-1] + [lines[-1] + "]"]
    text = "[" + " ".join(format(v, spec) for v in a.ravel().tolist()) + "]"
    return [text if a.ndim == 1 else f"{text} (flattened)"]


def summary(a: np.ndarray, max_values: int) -> list[str]:
    """Small arrays as their values (one line per row), larger ones as min / mean / max."""
    a = np.asarray(a)
    if a.size == 0:
        return ["(empty)"]
    if a.size <= max_values:
        return _format(a, ".4g" if a.dtype.kind in "fc" else "")
    if a.dtype.kind not in "iuf":
        return [f"{a.size} values"]
    return [f"min {a.min():.3g}  mean {a.mean():.3g}  max {a.max():.3g}"]


TOOLTIP_CHARS = 5000  # Graphviz rejects strings over 16384 characters; a tooltip holds up to three of these


def full_text(a: np.ndarray, limit: int = 400) -> str:
    """All values for a tooltip (the first `limit`, at most TOOLTIP_CHARS characters, and a note past that)."""
    a = np.asarray(a)
    spec = ".6g" if a.dtype.kind in "fc" else ""
    if a.size > limit:
        text = f"first {limit} of {a.size} values (flattened): " + _format(a.ravel()[:limit], spec)[0]
    else:
        text = "\n".join(_format(a, spec))
    return text if len(text) <= TOOLTIP_CHARS else text[:TOOLTIP_CHARS] + " …"
