"""What the README (and the docs pages written by hand) say a piece of code prints is what it prints.

The convention, for every ```python block of README.md and docs/*.md:

- `print(...)  # -> VALUE` on a top-level statement: that statement prints VALUE (runs of
  whitespace compared as one space, so a tensor that NumPy wraps over lines can be written on one).
- in both, a number in scientific notation below 1e-12 (a rounding-level error such as 2.0e-14,
  which differs between CPUs) matches any other such number, 0.00e+00 included.
- a python block followed by a line `prints` or `Output...:` and then a bare ``` block: the block's
  whole output, line by line; a line `...` in the expected text stands for any number of lines.

Blocks of one file run in order in one namespace, in a temporary folder, as a reader pastes them.
And the results table of `autograd-lite train` is rerun: every seeded accuracy it states must come out.
"""
from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import subprocess
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOC_PAGES = [ROOT / "docs" / "pytorch.md"]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)
OUTPUT_INTRO = re.compile(r"\A\s*(prints|Output[^\n]*:)\s*\Z")


@dataclass
class Block:
    code: str
    line: int                      # line of the opening fence in its file
    expected_output: str | None    # the bare block that follows, when introduced as its output


def python_blocks(text: str) -> list[Block]:
    """The ```python blocks of a Markdown text, each with the output block that follows it, if any."""
    fences = list(FENCE.finditer(text))
    blocks = []
    for i, m in enumerate(fences):
        if m.group(1) != "python":
            continue
        expected = None
        if i + 1 < len(fences) and fences[i + 1].group(1) in ("", "text") and \
                OUTPUT_INTRO.match(text[m.end():fences[i + 1].start()]):
            expected = fences[i + 1].group(2)
        blocks.append(Block(m.group(2), text.count("\n", 0, m.start()) + 1, expected))
    return blocks


def arrow_comments(code: str) -> dict[int, str]:
    """Line number (1-based, in the block) → the text after `# ->` of a comment on that line."""
    out = {}
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT and tok.string.startswith("# ->"):
            out[tok.start[0]] = tok.string[len("# ->"):].strip()
    return out


NOISE = re.compile(r"[-+]?\d\.\d+e[-+]\d+")


def _mask_noise(s: str) -> str:
    return NOISE.sub(lambda m: "<rounding>" if abs(float(m.group())) < 1e-12 else m.group(), s)


def _squash(s: str) -> str:
    return " ".join(_mask_noise(s).split())


def _is_print(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and \
        isinstance(stmt.value.func, ast.Name) and stmt.value.func.id == "print"


def lines_match(expected: str, actual: str) -> bool:
    """Line-by-line equality (trailing spaces ignored), where an expected line `...` matches any run of lines."""
    exp = [_mask_noise(line).rstrip() for line in expected.rstrip("\n").split("\n")]
    act = [_mask_noise(line).rstrip() for line in actual.rstrip("\n").split("\n")]

    def match(i: int, j: int) -> bool:
        if i == len(exp):
            return j == len(act)
        if exp[i] == "...":
            return any(match(i + 1, k) for k in range(j, len(act) + 1))
        return j < len(act) and exp[i] == act[j] and match(i + 1, j + 1)
    return match(0, 0)


def run_blocks(path: Path, blocks: list[Block]) -> list[str]:
    """Run the blocks in one namespace; the list of disagreements with what the file states."""
    problems, namespace = [], {"__name__": "__main__"}
    for block in blocks:
        where = f"{path.name} block at line {block.line}"
        arrows = arrow_comments(block.code)
        tree = ast.parse(block.code)
        block_out = io.StringIO()
        for stmt in tree.body:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(ast.Module([stmt], []), f"<{where}>", "exec"), namespace)
            block_out.write(out.getvalue())
            expected = arrows.pop(stmt.end_lineno, None)
            if expected is not None:
                if not _is_print(stmt):
                    problems.append(f"{where}, line {stmt.end_lineno}: `# ->` is allowed only after print(...)")
                elif _squash(out.getvalue()) != _squash(expected):
                    problems.append(f"{where}, line {stmt.end_lineno}: states {expected!r}, "
                                    f"prints {out.getvalue().rstrip()!r}")
        for line in arrows:  # inside a loop or a function: cannot be checked, so not allowed
            problems.append(f"{where}, line {line}: `# ->` is allowed only on a top-level print(...)")
        if block.expected_output is not None and not lines_match(block.expected_output, block_out.getvalue()):
            problems.append(f"{where}: the output shown below it differs from what it prints:\n"
                            f"{block_out.getvalue()}")
    return problems


def test_convention_catches_a_changed_value() -> None:
    """The checker itself: a wrong `# ->` value and a wrong output block are both reported."""
    text = ("```python\nx = 2\nprint(x + 1)  # -> 4\n```\n\n```python\nprint('a'); print('b'); print('c')\n```\n"
            "\nprints\n\n```\na\n...\nd\n```\n")
    blocks = python_blocks(text)
    assert [b.expected_output for b in blocks] == [None, "a\n...\nd\n"]
    problems = run_blocks(Path("example.md"), blocks)
    assert len(problems) == 2 and "states '4', prints '3'" in problems[0]
    assert lines_match("a\n...\nc\n", "a\nb\nc\n") and lines_match("a\n...\n", "a\n")
    assert not lines_match("a\nc\n", "a\nb\nc\n")
    assert lines_match("err 0.00e+00\n", "err 1.04e-16\n") and not lines_match("err 0.00e+00\n", "err 1.0e-06\n")


@pytest.mark.slow
@pytest.mark.parametrize("path", [README] + DOC_PAGES, ids=lambda p: p.name)
def test_code_blocks_print_what_they_state(path: Path, tmp_path, monkeypatch) -> None:
    blocks = python_blocks(path.read_text())
    assert blocks, f"{path.name} has no python blocks"
    monkeypatch.chdir(tmp_path)          # files the examples write (checkpoints, pictures) land here
    monkeypatch.setenv("MPLBACKEND", "Agg")
    checked = sum(len(arrow_comments(b.code)) + (b.expected_output is not None) for b in blocks)
    problems = run_blocks(path, blocks)
    assert not problems, "\n".join(problems)
    assert checked, f"{path.name} states no output to check"


# ---- the results table of `autograd-lite train` -------------------------------------------------------
RESULT_ROW = re.compile(r"^\| `autograd-lite train([^`]*)`[^|]*\| test (\d+\.\d) %, val (\d+\.\d) %", re.M)
PRINTED = re.compile(r"validation accuracy (\d\.\d+).*test accuracy (\d\.\d+)")


def test_results_table_is_found() -> None:
    rows = RESULT_ROW.findall(README.read_text())
    assert len(rows) >= 3, "the README's results table of autograd-lite train was not found"


@pytest.mark.slow
@pytest.mark.parametrize("args,test_pct,val_pct", RESULT_ROW.findall(README.read_text()),
                         ids=[a.strip() or "default" for a, _, _ in RESULT_ROW.findall(README.read_text())])
def test_results_table_rows_reproduce(args: str, test_pct: str, val_pct: str, tmp_path) -> None:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    run = subprocess.run([sys.executable, "-m", "autograd_lite.cli", "train", *args.split(), "--no-progress",
                          "--no-graph", "--out", str(tmp_path)], capture_output=True, text=True, env=env, timeout=900)
    assert run.returncode == 0, run.stderr
    val, test = PRINTED.search(run.stdout).groups()
    assert (f"{100 * float(test):.1f}", f"{100 * float(val):.1f}") == (test_pct, val_pct), \
        f"README states test {test_pct} %, val {val_pct} % for `autograd-lite train{args}`; it printed {run.stdout}"
