"""The course autograder: `autograd-lite check --reference ref.py submissions/`.

The instructor's reference file defines

    f(a, b, ...)          the loss with autograd_lite ops (may return (loss, {"K": K}))
    inputs()              one input set {"a": array, ...}, or input_sets(): a list of them
    POINTS = {"a": 2, "K": 1}   points per gradient (default: 1 for each grad_<name> the
                          reference defines)
    EXTRA_IMPORTS = ("scipy",)  optional: modules submissions may import besides NumPy and math

and each student submits a .py file holding only their grad_<name> functions (a folder of
them, or of one folder per student). Every submission runs in its own process (forked from
the grader, so the reference is loaded once), in parallel (`--jobs`, default all cores), with a
time limit (`--timeout` per submission, shared equally by its gradients). A gradient scores its
points times the fraction of input sets at which check_derivative passes (autodiff at several
points, no finite differences: the reference is trusted). A submission that raises, hangs, calls
exit() or os._exit(), prints, or imports something other than NumPy and the standard maths
modules scores 0 on that gradient (on every gradient, if it does so when imported), and the
report says why; the run itself never stops on a submission.

Writes, in `--out`: one report per submission (`<name>.txt`), `summary.csv`, and with
`--gradescope` Gradescope's results format (`results.json` for a single submission, else
`<name>.results.json`).
"""
from __future__ import annotations

import builtins
import contextlib
import csv
import importlib.util
import io
import json
import multiprocessing as mp
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, Callable

from .derivative import HandGradientError, check_derivative

ALLOWED_IMPORTS = frozenset({"numpy", "math", "cmath", "functools", "itertools", "operator", "typing",
                             "__future__", "collections", "dataclasses", "numbers", "scipy"})


class GradingError(Exception):
    """The reference or the submissions folder cannot be used (the instructor's side)."""


@dataclass
class PartResult:
    """One gradient of one submission: its score out of `max_score`, and what was seen."""
    name: str
    max_score: float
    score: float = 0.0
    lines: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when the part earned its full score."""
        return self.score >= self.max_score


@dataclass
class SubmissionResult:
    """The grade of one submission: per-gradient parts, their total, and the time it took."""
    name: str
    path: Path
    parts: list[PartResult]
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(p.score for p in self.parts)

    @property
    def max_score(self) -> float:
        return sum(p.max_score for p in self.parts)

    def report(self) -> str:
        """The per-student report, in words."""
        lines = [f"{self.name}: {self.score:g} / {self.max_score:g} points", ""]
        for p in self.parts:
            lines.append(f"grad_{p.name}: {p.score:g} / {p.max_score:g}")
            lines += [f"  {line}" for line in p.lines]
        return "\n".join(lines) + "\n"


class Reference:
    """The loaded reference: f, the input sets and the points per gradient."""

    def __init__(self, path: str | Path, tol: float = 1e-6, points: int = 3) -> None:
        self.path = Path(path)
        if self.path.suffix != ".py" or not self.path.is_file():
            raise GradingError(f"--reference must be an existing .py file, got {path}")
        spec = importlib.util.spec_from_file_location("_autograd_lite_reference", self.path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except BaseException as exc:  # noqa: BLE001 - the instructor's file: say what broke
            raise GradingError(f"the reference {path} raised {type(exc).__name__}: {exc}") from None
        if not callable(getattr(module, "f", None)):
            raise GradingError(f"the reference {path} does not define f")
        maker = getattr(module, "input_sets", None) or getattr(module, "inputs", None)
        if not callable(maker):
            raise GradingError(f"the reference {path} defines neither inputs() nor input_sets()")
        sets = maker()
        self.input_sets = list(sets) if getattr(module, "input_sets", None) is maker else [sets]
        points_map = getattr(module, "POINTS", None)
        if points_map is None:
            points_map = {k[5:]: 1 for k, v in vars(module).items() if k.startswith("grad_") and callable(v)}
        if not points_map or not all(isinstance(v, (int, float)) and v > 0 for v in points_map.values()):
            raise GradingError(f"the reference {path} needs POINTS = {{name: points > 0}} (or grad_<name> functions)")
        self.allowed = ALLOWED_IMPORTS | frozenset(getattr(module, "EXTRA_IMPORTS", ()))
        self.f, self.points_map, self.tol, self.points = module.f, dict(points_map), tol, points
        own = {k[5:]: v for k, v in vars(module).items() if k.startswith("grad_") and callable(v)}
        for i, inputs in enumerate(self.input_sets):  # the reference's own formulas must pass, if it has them
            mine = {n: g for n, g in own.items() if n in self.points_map}
            if mine and not check_derivative(self.f, inputs, mine, tol=tol, points=points):
                raise GradingError(f"the reference's own grad_* functions fail at input set {i + 1}")


def find_submissions(target: str | Path) -> list[tuple[str, Path]]:
    """(name, file) per submission: a .py file, every .py in a folder, or the first .py of each subfolder."""
    target = Path(target)
    if target.is_file():
        return [(target.stem, target)]
    if not target.is_dir():
        raise GradingError(f"no such file or folder: {target}")
    found = []
    for entry in sorted(target.iterdir()):
        if entry.is_file() and entry.suffix == ".py":
            found.append((entry.stem, entry))
        elif entry.is_dir():
            files = sorted(entry.glob("*.py"))
            if files:
                found.append((entry.name, files[0]))
    if not found:
        raise GradingError(f"no .py submissions in {target}")
    return found


# ----- inside the child process ---------------------------------------------------------------
class _Timeout(BaseException):
    """Raised in the child by the timer when a gradient runs too long (BaseException: `except
    Exception` in a submission does not swallow it)."""


class _OddImport(BaseException):
    pass


@contextlib.contextmanager
def _guarded(module_name: str, seconds: float, allowed: frozenset[str] = ALLOWED_IMPORTS) -> Any:
    """While running submission code: a time limit, output captured, imports checked."""
    real_import = builtins.__import__

    def checked_import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
        caller = globals if globals is not None else sys._getframe(1).f_globals  # __import__("os") called directly
        if caller.get("__name__") == module_name and name.split(".")[0] not in allowed:
            raise _OddImport(name)
        return real_import(name, globals, locals, fromlist, level)

    def on_alarm(signum: int, frame: Any) -> None:
        raise _Timeout()

    captured = io.StringIO()
    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    builtins.__import__ = checked_import
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            yield captured
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        builtins.__import__ = real_import
        signal.signal(signal.SIGALRM, old_handler)


def _reason(exc: BaseException, path: Path, seconds: float, what: str,
            allowed: frozenset[str] = ALLOWED_IMPORTS) -> str:
    if isinstance(exc, _Timeout):
        return f"{what} ran longer than {seconds:.3g} s (an endless loop?): 0 points"
    if isinstance(exc, _OddImport):
        return (f"{what} imports {exc.args[0]!r}; only {', '.join(sorted(allowed - {'__future__'}))} "
                "may be imported: 0 points")
    if isinstance(exc, SystemExit):
        return f"{what} calls exit()/sys.exit({exc.code!r}): 0 points"
    if isinstance(exc, HandGradientError) and exc.__cause__ is not None:  # the student's own exception
        exc = exc.__cause__
        if isinstance(exc, (_Timeout, _OddImport, SystemExit)):
            return _reason(exc, path, seconds, what, allowed)
    return f"{what} raised {type(exc).__name__}: {exc}{_line(exc, path)}: 0 points"


def _line(exc: BaseException, path: Path) -> str:
    frames = [fr for fr in traceback.extract_tb(exc.__traceback__) if Path(fr.filename).resolve() == path.resolve()]
    return f" ({path.name}, line {frames[-1].lineno}: {(frames[-1].line or '').strip()})" if frames else ""


def _child(conn: Any, ref: Reference, path: Path, budget: float) -> None:
    """Grade one submission; each part's result is sent as soon as it is known."""
    module_name = f"_submission_{os.getpid()}"
    per_part = budget / (len(ref.points_map) + 1)
    try:
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        with _guarded(module_name, per_part, ref.allowed) as out:
            spec.loader.exec_module(module)
        if out.getvalue():
            raise RuntimeError(f"prints when imported ({out.getvalue().strip().splitlines()[0][:80]!r}); remove the "
                               "print statements")
    except BaseException as exc:  # noqa: BLE001 - whatever the file does, it is reported, never raised
        text = str(exc) if isinstance(exc, RuntimeError) and str(exc).startswith("prints") else None
        conn.send(("all", f"the file {text}: 0 points" if text
                   else _reason(exc, path, per_part, "the file", ref.allowed)))
        return
    for name, points in ref.points_map.items():
        conn.send(("start", name))
        fn = getattr(module, f"grad_{name}", None)
        if not callable(fn):
            conn.send(("part", name, 0.0, [f"no function grad_{name} in {path.name}: 0 points"]))
            continue
        passed, lines = 0, []
        for i, inputs in enumerate(ref.input_sets):
            where = f"input set {i + 1}" if len(ref.input_sets) > 1 else "the inputs"
            try:
                with _guarded(module_name, per_part / len(ref.input_sets), ref.allowed) as out:
                    report = check_derivative(ref.f, inputs, {name: fn}, tol=ref.tol, finite_differences=False,
                                              points=ref.points)
                if out.getvalue():
                    lines.append(f"{where}: grad_{name} prints output; remove the print statements: 0 points")
                    continue
            except BaseException as exc:  # noqa: BLE001
                lines.append(f"{where}: " + _reason(exc, path, per_part / len(ref.input_sets), f"grad_{name}",
                                                    ref.allowed))
                if isinstance(exc, _Timeout) and i + 1 < len(ref.input_sets):
                    lines.append("the remaining input sets were not tried")
                    break
                continue
            check = report[name]
            if check.passed:
                passed += 1
                lines.append(f"{where}: PASS (error {check.error_autodiff:.1e})")
            else:
                lines.append(f"{where}: {check.verdict}: {check.message}")
        conn.send(("part", name, points * passed / len(ref.input_sets), lines))
    conn.send(("done",))


def _child_main(conn: Any, ref: Reference, path: Path, budget: float) -> None:
    try:
        _child(conn, ref, path, budget)
    finally:
        conn.close()


# ----- the parent -----------------------------------------------------------------------------
class _Running:
    def __init__(self, ctx: Any, ref: Reference, name: str, path: Path, timeout: float) -> None:
        self.name, self.path, self.started = name, path, time.monotonic()
        self.deadline = self.started + timeout + 1.0  # the child's own timers fire first
        self.parts = {n: PartResult(n, float(p)) for n, p in ref.points_map.items()}
        self.reported: set[str] = set()
        self.current: str | None = None
        self.finished = False
        self.conn, child_conn = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_child_main, args=(child_conn, ref, path, timeout), daemon=True)
        self.process.start()
        child_conn.close()

    def drain(self) -> None:
        try:
            while self.conn.poll():
                msg = self.conn.recv()
                if msg[0] == "start":
                    self.current = msg[1]
                elif msg[0] == "part":
                    part = self.parts[msg[1]]
                    part.score, part.lines = float(msg[2]), list(msg[3])
                    self.reported.add(msg[1])
                elif msg[0] == "all":
                    for part in self.parts.values():
                        part.lines = [msg[1]]
                        self.reported.add(part.name)
                    self.finished = True
                elif msg[0] == "done":
                    self.finished = True
        except (EOFError, OSError):
            pass

    def close(self, why: str) -> SubmissionResult:
        for name, part in self.parts.items():
            if name not in self.reported:
                part.score = 0.0
                part.lines = [f"grad_{name}: {why}: 0 points" if name == self.current else
                              f"not graded: the submission stopped earlier ({why})"]
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()
        return SubmissionResult(self.name, self.path, list(self.parts.values()), time.monotonic() - self.started)


def _progress(total: int, quiet: bool) -> Any:
    if quiet:
        return None
    try:
        from tqdm import tqdm
        return tqdm(total=total, desc="grading", unit="submission", file=sys.stderr)
    except ImportError:
        return None


def grade(ref: Reference, submissions: list[tuple[str, Path]], *, jobs: int | None = None, timeout: float = 60.0,
          quiet: bool = True, on_result: Callable[[SubmissionResult], None] | None = None) -> list[SubmissionResult]:
    """Grade every (name, path) submission in its own process, `jobs` at a time; results in input order."""
    methods = mp.get_all_start_methods()
    ctx = mp.get_context("fork" if "fork" in methods else None)
    jobs = jobs or os.cpu_count() or 1
    pending, running, done = list(submissions), [], {}
    bar = _progress(len(submissions), quiet)
    while pending or running:
        while pending and len(running) < jobs:
            name, path = pending.pop(0)
            try:
                running.append(_Running(ctx, ref, name, path, timeout))
            except Exception as exc:  # noqa: BLE001 - e.g. out of processes: this submission waits for later
                pending.insert(0, (name, path))
                if not running:
                    raise GradingError(f"cannot start a process to grade {name}: {exc}") from None
                break
        wait([r.conn for r in running] + [r.process.sentinel for r in running], timeout=0.05)
        for r in list(running):
            r.drain()
            why = None
            if r.finished:
                why = "finished"
            elif not r.process.is_alive():
                r.process.join()
                r.drain()
                code = r.process.exitcode
                why = "finished" if r.finished else f"the process ended (exit status {code}; os._exit()?)"
            elif time.monotonic() > r.deadline:
                why = f"ran longer than the time limit ({timeout:g} s)"
            if why is None:
                continue
            running.remove(r)
            result = r.close(why)
            done[r.name, str(r.path)] = result
            if on_result is not None:
                on_result(result)
            if bar is not None:
                bar.update(1)
            elif not quiet:
                print(f"[{len(done)}/{len(submissions)}] {result.name}: {result.score:g}/{result.max_score:g}",
                      file=sys.stderr)
    if bar is not None:
        bar.close()
    return [done[n, str(p)] for n, p in submissions]


# ----- outputs --------------------------------------------------------------------------------
def gradescope_results(result: SubmissionResult) -> dict[str, Any]:
    """Gradescope's results.json for one submission (https://gradescope-autograders.readthedocs.io,
    "Output format"): top-level score and a test per gradient with score, max_score, status, output."""
    return {
        "score": round(result.score, 4),
        "execution_time": int(round(result.seconds)),
        "output": f"{result.name}: {result.score:g} / {result.max_score:g} points (hand-derived gradients "
                  "checked against autodiff)",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [{"name": f"grad_{p.name}", "score": round(p.score, 4), "max_score": p.max_score,
                   "status": "passed" if p.passed else "failed", "output": "\n".join(p.lines),
                   "visibility": "visible"} for p in result.parts],
    }


_TOP = {"score": (int, float), "execution_time": (int, float), "output": str, "output_format": str,
        "test_output_format": str, "test_name_format": str, "visibility": str, "stdout_visibility": str,
        "extra_data": dict, "tests": list, "leaderboard": list}
_TEST = {"score": (int, float), "max_score": (int, float), "status": str, "name": str, "name_format": str,
         "number": str, "output": str, "output_format": str, "tags": list, "visibility": str, "extra_data": dict}
_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
_FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def validate_gradescope(results: Any) -> list[str]:
    """Problems with a results.json object against Gradescope's documented format ([] when valid):
    known keys with the right types, a score at the top or on every test, visibility and format values
    from the documented sets, status "passed"/"failed"."""
    problems = []
    if not isinstance(results, dict):
        return ["results must be a JSON object"]
    for key, value in results.items():
        if key not in _TOP:
            problems.append(f"unknown top-level key {key!r}")
        elif not isinstance(value, _TOP[key]) or isinstance(value, bool):
            problems.append(f"{key} must be {_TOP[key]}")
    tests = results.get("tests", [])
    if "score" not in results and (not tests or any("score" not in t for t in tests if isinstance(t, dict))):
        problems.append("a score is required at the top level or on every test")
    for key in ("visibility", "stdout_visibility"):
        if key in results and results[key] not in _VISIBILITY:
            problems.append(f"{key} must be one of {sorted(_VISIBILITY)}")
    for key in ("output_format", "test_output_format", "test_name_format"):
        if key in results and results[key] not in _FORMATS:
            problems.append(f"{key} must be one of {sorted(_FORMATS)}")
    for i, t in enumerate(tests if isinstance(tests, list) else []):
        if not isinstance(t, dict):
            problems.append(f"tests[{i}] must be an object")
            continue
        for key, value in t.items():
            if key not in _TEST:
                problems.append(f"tests[{i}]: unknown key {key!r}")
            elif not isinstance(value, _TEST[key]) or isinstance(value, bool):
                problems.append(f"tests[{i}].{key} must be {_TEST[key]}")
        if "status" in t and t["status"] not in ("passed", "failed"):
            problems.append(f"tests[{i}].status must be 'passed' or 'failed'")
        if "visibility" in t and t["visibility"] not in _VISIBILITY:
            problems.append(f"tests[{i}].visibility must be one of {sorted(_VISIBILITY)}")
        if "output_format" in t and t["output_format"] not in _FORMATS:
            problems.append(f"tests[{i}].output_format must be one of {sorted(_FORMATS)}")
    return problems


def write_outputs(results: list[SubmissionResult], out: Path, gradescope: bool, parts: list[str]) -> None:
    """<name>.txt per submission, summary.csv, and (gradescope) results.json / <name>.results.json."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "summary.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["submission", "score", "max_score"] + [f"grad_{p}" for p in parts] + ["first problem"])
        for r in results:
            first = next((line for p in r.parts if not p.passed for line in p.lines), "")
            writer.writerow([r.name, f"{r.score:g}", f"{r.max_score:g}"] + [f"{p.score:g}" for p in r.parts] + [first])
    for r in results:
        (out / f"{r.name}.txt").write_text(r.report())
        if gradescope:
            target = out / ("results.json" if len(results) == 1 else f"{r.name}.results.json")
            target.write_text(json.dumps(gradescope_results(r), indent=2))


def main_from_args(args: Any) -> int:
    """`autograd-lite check --reference REF.py SUBMISSIONS`: exit 0 once everything is graded, 2 when the
    reference or the submissions folder cannot be used."""
    start = time.monotonic()
    try:
        ref = Reference(args.reference, tol=args.tol, points=args.points)
        subs = find_submissions(args.file)
        results = grade(ref, subs, jobs=args.jobs, timeout=args.timeout, quiet=args.quiet)
        write_outputs(results, Path(args.out), args.gradescope, list(ref.points_map))
    except (GradingError, OSError) as exc:
        print(f"autograd-lite check: {exc}", file=sys.stderr)
        return 2
    total = sum(r.score for r in results)
    print(f"graded {len(results)} submission{'s' * (len(results) != 1)} in {time.monotonic() - start:.1f} s; "
          f"mean score {total / len(results):.2f} / {results[0].max_score:g}; reports in {args.out}/")
    return 0
