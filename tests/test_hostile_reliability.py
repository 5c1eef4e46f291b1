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


def test_saving_to_a_folder_or_a_missing_folder_says_so(tmp_path) -> None:
    with pytest.raises(IsADirectoryError, match="is a folder"):
        al.save({"w": al.ones(1)}, tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        al.save({"w": al.ones(1)}, tmp_path / "missing" / "c.npz")
    assert os.listdir(tmp_path) == []


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


# ----- optimizers and schedulers (#17.6, #17.8) ---------------------------------------------
def _param() -> al.Tensor:
    return al.tensor([1.0, 2.0], requires_grad=True)


BAD_HYPERPARAMETERS = [
    ("SGD", dict(lr=float("nan")), ValueError, "lr"),
    ("SGD", dict(lr=-0.1), ValueError, "lr"),
    ("SGD", dict(lr="abc"), TypeError, "lr must be a number"),
    ("SGD", dict(lr=0.1, momentum=-1), ValueError, "momentum"),
    ("SGD", dict(lr=0.1, momentum=float("nan")), ValueError, "momentum"),
    ("SGD", dict(lr=0.1, weight_decay=-1e-4), ValueError, "weight_decay"),
    ("SGD", dict(lr=0.1, nesterov=True), ValueError, "Nesterov"),
    ("Adam", dict(lr=float("nan")), ValueError, "lr"),
    ("Adam", dict(lr=float("inf")), ValueError, "lr"),
    ("Adam", dict(betas=0.9), TypeError, "betas must be a pair"),
    ("Adam", dict(betas=(0.9,)), TypeError, "betas must be a pair"),
    ("Adam", dict(betas=(1.0, 0.999)), ValueError, "beta parameter at index 0"),
    ("Adam", dict(betas=(0.9, -0.1)), ValueError, "beta parameter at index 1"),
    ("Adam", dict(betas=(0.9, float("nan"))), ValueError, "beta parameter at index 1"),
    ("Adam", dict(eps=-1e-8), ValueError, "eps"),
    ("AdamW", dict(weight_decay=float("nan")), ValueError, "weight_decay"),
    ("RMSprop", dict(alpha=-0.5), ValueError, "alpha"),
    ("RMSprop", dict(momentum="0.9"), TypeError, "momentum"),
    ("Adagrad", dict(lr_decay=-1), ValueError, "lr_decay"),
    ("Adagrad", dict(initial_accumulator_value=float("nan")), ValueError, "initial_accumulator_value"),
    ("Adagrad", dict(lr=True), TypeError, "lr"),
]


@pytest.mark.parametrize("name,kwargs,error,match", BAD_HYPERPARAMETERS,
                         ids=[f"{b[0]}-{'-'.join(map(str, b[1].items()))}" for b in BAD_HYPERPARAMETERS])
def test_optimizers_refuse_bad_hyperparameters(name: str, kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        getattr(optim, name)([_param()], **kwargs)


def test_a_parameter_listed_twice_is_refused() -> None:
    p = _param()
    with pytest.raises(ValueError, match="twice"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


def test_load_state_dict_checks_everything_before_changing_anything() -> None:
    p = _param()
    opt = optim.Adam([p], lr=0.01)
    p.grad = al.ones(2)
    opt.step()
    state = opt.state_dict()
    state["param_groups"][0]["lr"] = 0.5
    state["param_groups"][0]["betas"] = (1.5, 0.999)
    before = copy_state(opt)
    with pytest.raises(ValueError, match="beta"):
        opt.load_state_dict(state)
    assert opt.param_groups[0]["lr"] == 0.01 and copy_state(opt) == before
    state = opt.state_dict()
    state["state"][0]["exp_avg"] = np.zeros(5)
    state["param_groups"][0]["lr"] = 0.5
    with pytest.raises(ValueError, match="shape"):
        opt.load_state_dict(state)
    assert opt.param_groups[0]["lr"] == 0.01


def copy_state(opt: optim.Optimizer) -> list:
    return [(k, v.tolist() if isinstance(v, np.ndarray) else v) for s in opt.state.values() for k, v in s.items()]


@pytest.mark.parametrize("source,target", [("SGD", "Adam"), ("Adam", "SGD"), ("Adam", "RMSprop"), ("Adagrad", "Adam"),
                                           ("RMSprop", "Adagrad")])
def test_loading_another_optimizers_state_is_refused(source: str, target: str) -> None:
    p = _param()
    src = getattr(optim, source)([p], lr=0.1, **({"momentum": 0.9} if source == "SGD" else {}))
    p.grad = al.ones(2)
    src.step()
    q = _param()
    dst = getattr(optim, target)([q], lr=0.2)
    with pytest.raises(ValueError, match="another optimizer"):
        dst.load_state_dict(src.state_dict())
    assert dst.param_groups[0]["lr"] == 0.2 and not dst.state


@pytest.mark.parametrize("make,error,match", [
    (lambda o: optim.lr_scheduler.StepLR(o, step_size=0), ValueError, "step_size"),
    (lambda o: optim.lr_scheduler.StepLR(o, step_size=2.5), TypeError, "step_size"),
    (lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=0), ValueError, "T_max"),
    (lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=-3), ValueError, "T_max"),
    (lambda o: optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=0, cycle_momentum=False), ValueError,
     "step_size_up"),
    (lambda o: optim.lr_scheduler.ExponentialLR(o, gamma=float("nan")), ValueError, "gamma"),
    (lambda o: optim.lr_scheduler.MultiStepLR(o, milestones=5), TypeError, "milestones"),
    (lambda o: optim.lr_scheduler.LinearLR(o, start_factor=0), ValueError, "start_factor"),
    (lambda o: optim.lr_scheduler.OneCycleLR(o, max_lr=0.1), ValueError, "total_steps"),
], ids=["step0", "step2.5", "tmax0", "tmax-3", "cyclic0", "gamma-nan", "milestones-int", "linear0", "onecycle"])
def test_schedulers_refuse_degenerate_arguments_without_touching_the_optimizer(make, error, match) -> None:
    opt = optim.SGD([_param()], lr=0.1, momentum=0.9)
    with pytest.raises(error, match=match):
        make(opt)
    assert opt.param_groups[0]["lr"] == 0.1 and set(opt.param_groups[0]) == set(opt.defaults) | {"params"}


# ----- data (#17.8) -------------------------------------------------------------------------
@pytest.mark.parametrize("array,what", [
    (np.array([{}, 1], dtype=object), "Python objects"),
    (np.array(["a", "b"]), "strings"),
    (np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]"), "datetimes"),
], ids=["object", "string", "datetime"])
def test_tensor_dataset_refuses_non_numeric_arrays(array, what: str) -> None:
    from autograd_lite.data import TensorDataset
    with pytest.raises(TypeError, match=f"tensor 1 .*{what}"):
        TensorDataset(np.zeros((2, 3)), array)


@pytest.mark.parametrize("batch_size,error", [(2.7, TypeError), (True, TypeError), (0, ValueError), (-1, ValueError),
                                              ("4", TypeError), (2.0, TypeError)])
def test_dataloader_refuses_bad_batch_sizes(batch_size, error: type) -> None:
    from autograd_lite.data import DataLoader, TensorDataset
    with pytest.raises(error, match="DataLoader: batch_size must be a positive integer"):
        DataLoader(TensorDataset(np.zeros((5, 2))), batch_size=batch_size)


# ----- `autograd-lite train` and fit() (#17.10) ---------------------------------------------
@pytest.mark.parametrize("args,message", [
    (["--epochs", "0"], "--epochs: '0' is not a positive integer"),
    (["--epochs", "-1"], "--epochs: '-1' is not a positive integer"),
    (["--batch-size", "0"], "--batch-size: '0' is not a positive integer"),
    (["--lr", "0"], "--lr: '0' is not a positive number"),
    (["--lr", "-1"], "--lr: '-1' is not a positive number"),
    (["--lr", "nan"], "--lr: 'nan' is not a positive number"),
    (["--hidden", "0"], "--hidden: '0' is not a positive integer"),
    (["--seed", "-1"], "--seed: '-1' is not an integer >= 0"),
    (["--epochs", "2.5"], "--epochs: '2.5' is not an integer"),
    (["--data", "spirals", "--model", "mlp", "--flip"], "--flip mirrors images"),
    (["--model", "convnet", "--hidden", "5"], "--hidden sets the layer sizes"),
], ids=lambda a: " ".join(a) if isinstance(a, list) else "")
def test_train_cli_refuses_bad_options_in_one_line_with_exit_2(args, message: str, capsys, tmp_path) -> None:
    from autograd_lite.train import cli
    with pytest.raises(SystemExit) as info:
        cli.main(args + ["--out", str(tmp_path / "run")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("autograd-lite train: error:")
    assert not (tmp_path / "run" / "checkpoint.npz").exists()


def test_train_cli_refuses_an_out_that_is_a_file_or_cannot_be_created(capsys, tmp_path) -> None:
    from autograd_lite.train import cli
    (tmp_path / "file").write_text("keep me")
    for out, message in ((tmp_path / "file", "is an existing file"), (tmp_path / "file" / "sub", "cannot create")):
        with pytest.raises(SystemExit) as info:
            cli.main(["--out", str(out)])
        assert info.value.code == 2 and message in capsys.readouterr().err
    assert (tmp_path / "file").read_text() == "keep me"


def test_explicit_values_are_never_replaced_by_the_defaults(monkeypatch, tmp_path) -> None:
    from autograd_lite.train import cli
    seen = {}

    class Stop(Exception):
        pass

    def fake_fit(self, train_loader, val_loader, epochs):
        seen.update(epochs=epochs, batch=train_loader.batch_size, lr=self.optimizer.param_groups[0]["lr"],
                    wd=self.optimizer.param_groups[0]["weight_decay"])
        raise Stop

    monkeypatch.setattr("autograd_lite.train.trainer.Trainer.fit", fake_fit)
    with pytest.raises(Stop):
        cli.main(["--model", "mlp", "--data", "spirals", "--epochs", "3", "--batch-size", "7", "--lr", "0.25",
                  "--weight-decay", "0", "--schedule", "none", "--out", str(tmp_path)])
    assert seen == {"epochs": 3, "batch": 7, "lr": 0.25, "wd": 0.0}  # (AdamW's default weight decay is 0.01)


def test_a_diverging_run_stops_with_a_message_and_exit_1(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.getcwd(), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "autograd_lite.cli", "train", "--model", "mlp", "--data", "spirals",
                             "--lr", "1e6", "--epochs", "3", "--no-progress", "--no-graph", "--out", str(tmp_path)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the training loss became" in result.stderr and "smaller learning rate" in result.stderr
    assert "best epoch" not in result.stdout and "Traceback" not in result.stderr


def test_fit_on_an_empty_loader_raises() -> None:
    from autograd_lite.data import DataLoader, TensorDataset
    from autograd_lite.train import fit
    model = nn.Linear(2, 3)
    empty = DataLoader(TensorDataset(np.zeros((0, 2)), np.zeros(0, dtype=np.int64)), 4)
    with pytest.raises(ValueError, match="no batches"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), empty, progress=False, log=None)
    short = DataLoader(TensorDataset(np.zeros((3, 2)), np.zeros(3, dtype=np.int64)), 4, drop_last=True)
    with pytest.raises(ValueError, match="drop_last"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), short, progress=False, log=None)


def test_nan_loss_in_fit_raises_before_the_step_and_keeps_parameters_finite() -> None:
    from autograd_lite.data import DataLoader, TensorDataset
    from autograd_lite.train import TrainingDiverged, fit
    model = nn.Linear(2, 3)
    x = np.zeros((4, 2))
    x[2, 0] = np.nan
    loader = DataLoader(TensorDataset(x, np.zeros(4, dtype=np.int64)), 2)
    with pytest.raises(TrainingDiverged, match="nan at step 2"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loader, progress=False, log=None)
    assert all(np.isfinite(p.data).all() for p in model.parameters())


def test_version_flag() -> None:
    from autograd_lite import cli
    result = subprocess.run([sys.executable, "-m", "autograd_lite.cli", "--version"], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": os.getcwd()}, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == f"autograd-lite {al.__version__}"
    assert cli.main(["-V"]) == 0


def test_a_state_dict_missing_a_newer_hyperparameter_still_loads() -> None:
    p = _param()
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    state = opt.state_dict()
    del state["param_groups"][0]["maximize"]  # as written before `maximize` existed
    state["param_groups"][0]["lr"] = 0.3
    opt.load_state_dict(state)
    assert opt.param_groups[0]["lr"] == 0.3 and opt.param_groups[0]["maximize"] is False
