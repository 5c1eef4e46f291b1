"""al.save / al.load: npz without pickles, nested structures, atomic writes, clear errors."""
from __future__ import annotations

import os
import pickle
import zipfile

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn as nn
import autograd_lite.optim as optim
from autograd_lite.serialization import CheckpointError


def _model() -> nn.Module:
    al.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 2))


def test_model_and_optimizer_round_trip(tmp_path) -> None:
    model = _model()
    opt = optim.Adam(model.parameters(), lr=0.01)
    for p in model.parameters():
        p.grad = al.ones_like(p)
    opt.step()
    path = tmp_path / "ckpt.npz"
    al.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3, "note": "best",
             "metrics": [0.5, None, True], "betas": (0.9, 0.999)}, path)
    loaded = al.load(path)
    assert loaded["epoch"] == 3 and loaded["note"] == "best" and loaded["metrics"] == [0.5, None, True]
    assert loaded["betas"] == (0.9, 0.999)
    assert list(loaded["model"]) == list(model.state_dict())
    for key, value in model.state_dict().items():
        assert isinstance(loaded["model"][key], al.Tensor)
        np.testing.assert_array_equal(loaded["model"][key].data, value.data)
        assert loaded["model"][key].dtype == value.dtype
    assert set(loaded["optimizer"]["state"]) == {0, 1, 2, 3, 4, 5}  # int keys survive
    fresh = _model()
    for p in fresh.parameters():
        p.data[...] = 0
    fresh.load_state_dict(loaded["model"])
    for a, b in zip(fresh.parameters(), model.parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def test_arrays_are_stored_under_their_key_paths_and_load_without_pickle(tmp_path) -> None:
    path = tmp_path / "c.npz"
    al.save({"model": {"layers.0.weight": al.ones(2, 2)}, "opt": {"state": {0: {"exp_avg": np.zeros(3)}}}}, path)
    with np.load(path, allow_pickle=False) as npz:
        assert "model/layers.0.weight" in npz.files and "opt/state/0/exp_avg" in npz.files
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            assert b"\x80" not in z.read(name)[:2] or name.endswith(".npy")  # .npy payloads, no pickle stream
    loaded = al.load(path)
    assert isinstance(loaded["opt"]["state"][0]["exp_avg"], np.ndarray)


def test_refuses_what_it_cannot_store_without_code(tmp_path) -> None:
    with pytest.raises(TypeError, match="state_dict"):
        al.save(_model(), tmp_path / "m.npz")
    with pytest.raises(TypeError, match="function"):
        al.save({"f": len}, tmp_path / "m.npz")
    with pytest.raises(TypeError, match="object"):
        al.save({"a": np.array([{}, 1], dtype=object)}, tmp_path / "m.npz")
    assert not os.listdir(tmp_path)  # nothing half-written left behind


def test_failure_mid_write_keeps_the_old_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "ckpt.npz"
    al.save({"w": al.tensor([1.0, 2.0])}, path)
    before = path.read_bytes()

    real_write = np.lib.format.write_array
    calls = []

    def crash(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the header is written, then the process "dies" writing an array
            raise OSError("disk full (simulated)")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", crash)
    with pytest.raises(OSError, match="simulated"):
        al.save({"w": al.tensor([9.0, 9.0, 9.0])}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # the temporary file was removed
    np.testing.assert_array_equal(al.load(path)["w"].data, [1.0, 2.0])


def test_interrupted_replace_never_exposes_a_partial_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "ckpt.npz"
    al.save({"w": al.tensor([1.0])}, path)

    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        al.save({"w": al.tensor([2.0])}, path)
    monkeypatch.undo()
    assert al.load(path)["w"].item() == 1.0 and os.listdir(tmp_path) == ["ckpt.npz"]


@pytest.mark.parametrize("content,message", [
    (b"", "not a readable"),
    (b"hello, this is not a checkpoint", "not a readable"),
    (pickle.dumps({"w": np.ones(2)}), "not a readable"),
], ids=["empty", "text", "pickle"])
def test_foreign_or_corrupted_files_raise_clearly(tmp_path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message):
        al.load(path)


def test_truncated_checkpoint(tmp_path) -> None:
    path = tmp_path / "c.npz"
    al.save({"w": al.randn(50, 50)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="corrupted"):
        al.load(path)


def test_plain_npz_and_npy_are_not_checkpoints(tmp_path) -> None:
    np.savez(tmp_path / "plain.npz", a=np.ones(2))
    with pytest.raises(CheckpointError, match="not an autograd_lite checkpoint"):
        al.load(tmp_path / "plain.npz")
    np.save(tmp_path / "one.npy", np.ones(2))
    with pytest.raises(CheckpointError, match="single NumPy array"):
        al.load(tmp_path / "one.npy")
    with pytest.raises(FileNotFoundError):
        al.load(tmp_path / "missing.npz")


def test_a_checkpoint_is_a_valid_error_free_state_dict_for_load(tmp_path) -> None:
    """The chain the trainer uses: save best state (arrays) → load → load_state_dict."""
    model = _model()
    al.save({k: v.data.copy() for k, v in model.state_dict().items()}, tmp_path / "s.npz")
    other = _model()
    result = other.load_state_dict(al.load(tmp_path / "s.npz"))
    assert result.missing_keys == [] and result.unexpected_keys == []


def test_saved_file_has_ordinary_permissions(tmp_path) -> None:
    """The atomic write goes through a private temporary file; the result still follows the umask."""
    import os
    import stat
    target = tmp_path / "ckpt.npz"
    al.save({"w": al.tensor([1.0])}, target)
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


# ----- the API contract (shared/API.md) as users meet it --------------------------------------------
import os  # noqa: E402


def test_failed_save_and_load_leave_files_unchanged(tmp_path):
    path = tmp_path / "model.npz"
    model = nn.Linear(3, 2)
    al.save(model.state_dict(), path)
    original = path.read_bytes()
    with pytest.raises(TypeError, match="state_dict"):
        al.save({"model": model}, path)
    assert path.read_bytes() == original and sorted(os.listdir(tmp_path)) == ["model.npz"]
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(original[: len(original) // 2])
    with pytest.raises(ValueError, match="corrupt.npz"):
        al.load(corrupt)
    assert corrupt.read_bytes() == original[: len(original) // 2]
    before = {k: v.data.copy() for k, v in model.state_dict().items()}
    with pytest.raises(RuntimeError):
        model.load_state_dict({"weight": al.load(path)["weight"]})  # bias is missing
    for k, v in model.state_dict().items():
        assert np.array_equal(v.data, before[k])


def test_saving_a_model_instead_of_its_state_dict_is_refused():
    with pytest.raises(TypeError, match="state_dict"):
        al.save(nn.Linear(2, 2), os.devnull)
