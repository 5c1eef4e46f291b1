"""docs/CONTRIBUTING.md, followed literally: its two edits (the op appended to the file its
code block names, the table row added to ROWS) made in a copy of the package and tests, then
its check block and the op-table tests for the new op run against that copy."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "CONTRIBUTING.md"
BLOCK = re.compile(r"```python (file=(?P<file>\S+)|run)\n(?P<code>.*?)```", re.S)


def _blocks() -> tuple[dict[str, str], list[str]]:
    edits, runs = {}, []
    for m in BLOCK.finditer(DOC.read_text(encoding="utf-8")):
        if m.group("file"):
            edits[m.group("file")] = m.group("code")
        else:
            runs.append(m.group("code"))
    return edits, runs


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_worked_example_adds_a_tested_op_in_two_edits(tmp_path):
    edits, runs = _blocks()
    assert set(edits) == {"autograd_lite/ops/activation.py", "tests/op_table.py"}, "one op file, one table row"
    assert len(runs) == 1
    shutil.copytree(ROOT / "autograd_lite", tmp_path / "autograd_lite",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "tests").mkdir()
    family_rows = [p.name for p in (ROOT / "tests").glob("op_rows_*.py")]  # merged into ROWS by op_table.py
    for name in ("__init__.py", "helpers.py", "op_table.py", "test_op_table.py", *family_rows):
        shutil.copy(ROOT / "tests" / name, tmp_path / "tests" / name)
    for rows in (ROOT / "tests").glob("op_rows_*.py"):  # the op families' own rows
        shutil.copy(rows, tmp_path / "tests" / rows.name)

    op_file = tmp_path / "autograd_lite/ops/activation.py"
    op_file.write_text(op_file.read_text(encoding="utf-8").rstrip("\n") + "\n\n\n" + edits["autograd_lite/ops/activation.py"],
                       encoding="utf-8")
    table = tmp_path / "tests/op_table.py"
    opening = "ROWS: dict[str, list[Case]] = {\n"
    text = table.read_text(encoding="utf-8")
    assert text.count(opening) == 1
    table.write_text(text.replace(opening, opening + edits["tests/op_table.py"]), encoding="utf-8")

    check = _run(["-c", runs[0]], tmp_path)
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("softsign: tensor([-0.7500,  0.3333,  0.5000]")

    tests = _run(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_op_table.py", "-k",
                  "softsign or every_registered_op"], tmp_path)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    counts = re.findall(r"(\d+) passed", tests.stdout)
    # 2 cases × (gradcheck, float32, ndarray) + 1 PyTorch case when torch is installed + the coverage test
    assert counts and int(counts[-1]) >= 7, tests.stdout[-2000:]
