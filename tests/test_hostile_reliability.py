"""Hostile-user regressions for the reliability periphery (issue #17): checkpoints, optimizers,
schedulers, data loading and the `autograd-lite train` command."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn as nn
import autograd_lite.optim as optim
from autograd_lite.serialization import MAX_DEPTH, CheckpointError


# ----- al.save / al.load (#17.3) -------------------------------------------------------------
@pytest.mark.parametrize("key", ["allow_pickle", "file", "a\x00b", "\ud800", "", "x" * 5000, "../../etc/passwd",
                                 "__autograd_lite__", "w.npy", "array#0", "é/ü", "a b"],
                         ids=["allow_pickle", "file", "nul", "surrogate", "empty", "long", "dotdot", "magic",
                              "npy", "fallback-name", "unicode", "space"])
def test_every_string_key_round_trips(tmp_path, key: str) -> None:
    path = tmp_path / "c.npz"
    al.save({key: al.tensor([1.0, 2.0]), "array#1": np.arange(3), "n": {key: 5}}, path)
    loaded = al.load(path)
    np.testing.assert_array_equal(loaded[key].data, [1.0, 2.0])
    np.testing.assert_array_equal(loaded["array#1"], np.arange(3))
    assert loaded["n"] == {key: 5}
    with zipfile.ZipFile(path) as z:  # entry names stay plain: nothing escapes on unzip
        assert all(".." not in n.split("/") and "\x00" not in n for n in z.namelist())


def test_unsavable_structures_are_refused_before_writing(tmp_path) -> None:
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ValueError, match="nested"):
        al.save({"deep": deep}, tmp_path / "c.npz")
    with pytest.raises(TypeError, match="dict keys"):
        al.save({(1, 2): 3}, tmp_path / "c.npz")
    assert os.listdir(tmp_path) == []


def test_killed_save_leaves_temporaries_that_the_next_save_removes(tmp_path) -> None:
    path = tmp_path / "ckpt.npz"
    code = ("import os, autograd_lite as al, autograd_lite.serialization as s\n"
            "real = s._write_npz\n"
            "def die(f, arrays):\n"
            "    real(f, arrays); f.flush(); os._exit(9)\n"  # killed after writing, before the rename
            "s._write_npz = die\n"
            f"al.save({{'w': al.zeros(1000)}}, {str(path)!r})\n")
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ}, capture_output=True)
    assert result.returncode == 9
    leftovers = [n for n in os.listdir(tmp_path) if n.startswith(".tmp-ckpt.npz-")]
    assert len(leftovers) == 1
    (tmp_path / "other.npz").write_bytes(b"x")  # other files are never touched
    (tmp_path / ".tmp-other.npz-abcdefgh").write_bytes(b"x")
    al.save({"w": al.ones(2)}, path)
    assert sorted(os.listdir(tmp_path)) == [".tmp-other.npz-abcdefgh", "ckpt.npz", "other.npz"]
    np.testing.assert_array_equal(al.load(path)["w"].data, [1.0, 1.0])


def test_a_temporary_being_written_is_not_removed(tmp_path) -> None:
    fcntl = pytest.importorskip("fcntl")
    busy = tmp_path / ".tmp-ckpt.npz-busy0000"
    with open(busy, "wb") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)  # a concurrent save still writing
        al.save({"w": al.ones(1)}, tmp_path / "ckpt.npz")
        assert busy.exists()


def test_saving_through_a_symlink_writes_the_target_and_keeps_its_mode(tmp_path) -> None:
    target = tmp_path / "real.npz"
    al.save({"w": al.zeros(1)}, target)
    os.chmod(target, 0o640)
    link = tmp_path / "link.npz"
    link.symlink_to(target)
    al.save({"w": al.ones(1)}, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert al.load(target)["w"].item() == 1.0


def test_an_unreadable_file_is_reported_as_unreadable(tmp_path, monkeypatch) -> None:
    path = tmp_path / "c.npz"
    al.save({"w": al.ones(1)}, path)
    import builtins
    real_open = builtins.open

    def denied(file, *args, **kwargs):  # (the tests may run as root, where chmod 000 still reads)
        if os.fspath(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", denied)
    with pytest.raises(PermissionError, match="cannot read") as info:
        al.load(path)
    assert not isinstance(info.value, CheckpointError) and "corrupted" not in str(info.value)
    monkeypatch.undo()
    with pytest.raises(IsADirectoryError, match="folder"):
        al.load(tmp_path)


def _forge(path, structure, arrays=None) -> None:
    """A file with a hand-made header, as a tampered or buggy writer would leave it."""
    header = json.dumps({"format": 1, "structure": structure}) if not isinstance(structure, str) else structure
    np.savez(path, __autograd_lite__=np.array(header), **(arrays or {}))


@pytest.mark.parametrize("structure", [
    {"dict": 5}, {"dict": [[1]]}, {"dict": [[[1], {"value": 1}]]}, {"dict": [[True, {"value": 1}]]},
    {"list": {"a": 1}}, {"tuple": 3}, {"tensor": [1]}, {"tensor": "missing"}, {"value": [1, 2]},
    {"value": {"x": 1}}, {"what": 1}, {"a": 1, "b": 2}, [], "nope",
], ids=lambda s: json.dumps(s)[:30])
def test_malformed_structures_raise_checkpoint_error(tmp_path, structure) -> None:
    path = tmp_path / "bad.npz"
    _forge(path, structure, {"w": np.ones(1)})
    with pytest.raises(CheckpointError, match="al.load"):
        al.load(path)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000])
def test_deeply_nested_structures_raise_checkpoint_error(tmp_path, depth: int) -> None:
    path = tmp_path / "deep.npz"
    _forge(path, '{"format": 1, "structure": ' + '{"list": [' * depth + '{"value": 1}' + ']}' * depth + '}')
    with pytest.raises(CheckpointError, match="nested"):
        al.load(path)


def test_a_non_text_header_or_object_array_is_refused_without_running_code(tmp_path) -> None:
    np.savez(tmp_path / "h.npz", __autograd_lite__=np.ones(3))
    with pytest.raises(CheckpointError, match="header"):
        al.load(tmp_path / "h.npz")
    np.savez(tmp_path / "o.npz", __autograd_lite__=np.array('{"format": 1, "structure": {"value": 1}}'),
             evil=np.array([print], dtype=object))
    with pytest.raises(CheckpointError, match="not a readable"):
        al.load(tmp_path / "o.npz")
