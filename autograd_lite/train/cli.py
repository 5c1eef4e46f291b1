"""`autograd-lite train`: train a model on a data set, print accuracies, and write the run's files.

Output folder (default runs/<timestamp>): checkpoint.npz (best model by validation accuracy,
optimizer state, options, accuracies; read with al.load), history.json, curves.png (loss,
accuracy, learning rate) and graph.svg (the model's computational graph; graph.dot when
Graphviz's `dot` is not installed).

Exit codes: 0 trained and wrote the files; 1 the run diverged (the loss became NaN, infinite or
over 100 times chance level's: lower the learning rate); 2 bad options or data (one line on stderr, nothing trained).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from typing import Any

import numpy as np

DEFAULT_LR = {"sgd": 0.05, "adam": 3e-3, "adamw": 3e-3, "rmsprop": 1e-3, "adagrad": 0.05}
# per model: (epochs, optimizer, schedule, batch size); kbn follows the k-layer homework (SGD, cyclic lr)
MODEL_DEFAULTS = {"convnet": (8, "adam", "cosine", 64), "mlp": (15, "adamw", "cosine", 32),
                  "kbn": (20, "sgd", "cyclic", 100)}


def _number(kind: type, low: float, low_open: bool, what: str) -> Any:
    """An argparse type: a finite number of `kind` ≥ low (> low when low_open); else a one-line usage error."""
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'}") from None
        if not math.isfinite(value) or value < low or (low_open and value == low):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value
    parse.__name__ = what  # argparse names the type in its messages
    return parse


_positive_int = _number(int, 0, True, "a positive integer")
_count = _number(int, 0, False, "an integer >= 0")
_positive = _number(float, 0.0, True, "a positive number")
_non_negative = _number(float, 0.0, False, "a number >= 0")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="autograd-lite train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", choices=["convnet", "mlp", "kbn"], default="convnet",
                   help="convnet (default), mlp, or kbn: the k-layer MLP with batch norm from the homework")
    p.add_argument("--data", choices=["digits", "cifar10", "spirals"], default="digits",
                   help="digits: scikit-learn's bundled 8x8 digits (default); cifar10 needs --data-dir")
    p.add_argument("--data-dir", default=None, help="folder containing cifar-10-batches-py")
    p.add_argument("--optimizer", choices=sorted(DEFAULT_LR), default=None,
                   help="default: adam (convnet), adamw (mlp), sgd with momentum (kbn)")
    p.add_argument("--lr", type=_positive, default=None, help="learning rate (the maximum for --schedule cyclic); "
                   "default: 0.1 for kbn, else by optimizer (adam 3e-3, sgd 0.05, ...)")
    p.add_argument("--momentum", type=_non_negative, default=0.9, help="SGD/RMSprop momentum (default 0.9)")
    p.add_argument("--weight-decay", type=_non_negative, default=None, help="default 0 (AdamW: 0.01)")
    p.add_argument("--schedule", choices=["none", "step", "exp", "cosine", "cyclic"], default=None,
                   help="learning-rate schedule (cyclic: triangular from lr/1e4 to lr, two cycles per run); "
                   "default cosine, cyclic for kbn")
    p.add_argument("--epochs", type=_positive_int, default=None, help="default: 8 convnet, 15 mlp, 20 kbn")
    p.add_argument("--batch-size", type=_positive_int, default=None, help="default: 64 convnet, 32 mlp, 100 kbn")
    p.add_argument("--hidden", type=_positive_int, nargs="+", default=None,
                   help="hidden layer sizes for mlp/kbn (default 128 / eight times 50)")
    p.add_argument("--no-batch-norm", action="store_true", help="kbn without its batch norm layers")
    p.add_argument("--init-std", type=_positive, default=None,
                   help="kbn/mlp: draw weights from N(0, std^2) (the homework's sigma, e.g. 1e-4)")
    p.add_argument("--flip", action="store_true", help="random horizontal flips (images; cifar10)")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--seed", type=_count, default=0)
    p.add_argument("--out", default=None, help="output folder (default runs/<timestamp>)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-graph", action="store_true", help="skip drawing the computational graph")
    return p


def _load_data(args: argparse.Namespace, dtype: np.dtype) -> Any:
    from .. import data
    if args.data == "digits":
        splits = data.load_digits()
    elif args.data == "spirals":
        splits = data.load_spirals()
    else:
        if args.data_dir is None:
            raise FileNotFoundError("--data cifar10 needs --data-dir: the folder that contains "
                                    "cifar-10-batches-py (download it from https://www.cs.toronto.edu/~kriz/cifar.html)")
        splits = data.load_cifar10(args.data_dir)
    cast = [data.TensorDataset(ds.arrays[0].astype(dtype), ds.arrays[1]) for ds in splits[:3]]
    return data.Splits(*cast, splits.classes)


def _build_model(args: argparse.Namespace, in_shape: tuple[int, ...], num_classes: int) -> Any:
    from .. import nn
    from .models import ConvNet, k_layer_mlp, mlp
    if args.model == "convnet":
        if len(in_shape) != 3:
            raise ValueError(f"--model convnet needs image data; {args.data} samples have shape {in_shape}")
        return ConvNet(in_shape, num_classes)
    if args.model == "kbn":
        return k_layer_mlp(in_shape, num_classes, tuple(args.hidden or (50,) * 8),
                           batch_norm=not args.no_batch_norm, init_std=args.init_std)
    model = mlp(in_shape, num_classes, tuple(args.hidden or (128,)))
    if args.init_std is not None:
        for m in model.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, args.init_std)
                nn.init.zeros_(m.bias)
    return model


def _build_optimizer(args: argparse.Namespace, params: Any, lr: float) -> Any:
    from .. import optim
    wd = args.weight_decay if args.weight_decay is not None else 0.0
    if args.optimizer == "sgd":
        return optim.SGD(params, lr=lr, momentum=args.momentum, weight_decay=wd)
    if args.optimizer == "rmsprop":
        return optim.RMSprop(params, lr=lr, weight_decay=wd)
    if args.optimizer == "adagrad":
        return optim.Adagrad(params, lr=lr, weight_decay=wd)
    if args.optimizer == "adam":
        return optim.Adam(params, lr=lr, weight_decay=wd)
    return optim.AdamW(params, lr=lr, weight_decay=args.weight_decay if args.weight_decay is not None else 1e-2)


def _build_scheduler(args: argparse.Namespace, optimizer: Any, lr: float, epochs: int, steps_per_epoch: int) -> Any:
    from ..optim import lr_scheduler as sched
    if args.schedule == "step":
        return sched.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1)
    if args.schedule == "exp":
        return sched.ExponentialLR(optimizer, gamma=0.9)
    if args.schedule == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=epochs)
    if args.schedule == "cyclic":  # two full cycles over the run, as in the k-layer homework
        return sched.CyclicLR(optimizer, base_lr=lr * 1e-4, max_lr=lr,
                              step_size_up=max(1, epochs * steps_per_epoch // 4), cycle_momentum=False)
    return None


def write_graph(model: Any, loss_fn: Any, x: Any, y: Any, folder: str) -> str | None:
    """Draw the graph of loss_fn(model(x), y) (in eval mode, so no statistics change): graph.svg,
    collapsed to modules past ~1,500 pt with graph_full.svg beside it (graph.dot without Graphviz)."""
    from ..viz.modules import draw_model_graph
    return ", ".join(draw_model_graph(model, loss_fn, x, y, folder))


def _check_combinations(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Options that are fine alone but not together, and an --out that cannot be written: exit 2."""
    if args.flip and args.data == "spirals":
        parser.error("--flip mirrors images; --data spirals has 2-D points, not images")
    if args.hidden is not None and args.model == "convnet":
        parser.error("--hidden sets the layer sizes of --model mlp or kbn, not convnet")
    if args.out is not None:
        if os.path.exists(args.out) and not os.path.isdir(args.out):
            parser.error(f"--out {args.out!r} is an existing file; name a folder")
        try:
            os.makedirs(args.out, exist_ok=True)
        except OSError as e:
            parser.error(f"--out {args.out!r}: cannot create the folder ({e.strerror or e})")
        if not os.access(args.out, os.W_OK):
            parser.error(f"--out {args.out!r}: the folder is not writable")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _check_combinations(parser, args)
    import autograd_lite as al
    from .. import data, nn
    from ..data import DataLoader
    from .trainer import Trainer, TrainingDiverged, evaluate

    dtype = np.dtype(args.dtype)
    al.manual_seed(args.seed)
    try:
        splits = _load_data(args, dtype)
    except (FileNotFoundError, ValueError, ImportError) as e:
        print(f"autograd-lite train: {e}", file=sys.stderr)
        return 2
    in_shape = splits.train.arrays[0].shape[1:]
    try:
        model = _build_model(args, in_shape, len(splits.classes)).to(dtype)
    except ValueError as e:
        print(f"autograd-lite train: {e}", file=sys.stderr)
        return 2
    epochs, optimizer_name, schedule, batch_size = MODEL_DEFAULTS[args.model]
    # (`is None`, not `or`: an explicit value is never replaced by the default)
    args.epochs = epochs = epochs if args.epochs is None else args.epochs
    args.optimizer = optimizer_name if args.optimizer is None else args.optimizer
    args.schedule = schedule if args.schedule is None else args.schedule
    args.batch_size = batch_size if args.batch_size is None else args.batch_size
    lr = args.lr if args.lr is not None else (
        0.1 if args.model == "kbn" and args.optimizer == "sgd" else DEFAULT_LR[args.optimizer])
    flip = data.RandomHorizontalFlip() if args.flip else None
    train_loader = DataLoader(splits.train, args.batch_size, shuffle=True, seed=args.seed, transform=flip)
    val_loader = DataLoader(splits.val, 500)
    test_loader = DataLoader(splits.test, 500)
    optimizer = _build_optimizer(args, model.parameters(), lr)
    scheduler = _build_scheduler(args, optimizer, lr, epochs, len(train_loader))
    loss_fn = nn.CrossEntropyLoss()

    out = args.out or os.path.join("runs", time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    checkpoint = os.path.join(out, "checkpoint.npz")
    print(f"training {args.model} ({model.num_parameters():,} parameters) on {args.data} "
          f"({len(splits.train)} train / {len(splits.val)} val / {len(splits.test)} test) for {epochs} epochs "
          f"with {args.optimizer} lr={lr:g}, schedule {args.schedule}; writing to {out}")
    # a cross-entropy 100 times chance level's means the run has blown up
    trainer = Trainer(model, loss_fn, optimizer, scheduler, progress=not args.no_progress, checkpoint=checkpoint,
                      max_loss=100 * math.log(max(2, len(splits.classes))))
    started = time.perf_counter()
    try:
        history = trainer.fit(train_loader, val_loader, epochs)
    except TrainingDiverged as e:
        trainer.history.save(os.path.join(out, "history.json"))
        print(f"autograd-lite train: {e}; stopped (the best checkpoint so far, if any, is kept)", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started

    _, val_acc = evaluate(model, val_loader)
    _, test_acc = evaluate(model, test_loader)
    best = f" (best epoch {history.best_epoch})" if history.best_epoch else ""
    print(f"validation accuracy {val_acc:.4f}{best}   test accuracy {test_acc:.4f}   "
          f"({seconds:.1f} s{', interrupted' if history.interrupted else ''})")
    al.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "options": {k: v for k, v in vars(args).items() if v is not None},
             "val_acc": val_acc, "test_acc": test_acc, "best_epoch": history.best_epoch}, checkpoint)
    history.save(os.path.join(out, "history.json"))
    written = [checkpoint, os.path.join(out, "history.json")]
    try:
        history.plot(os.path.join(out, "curves.png"),
                     title=f"{args.model} on {args.data}: test accuracy {test_acc:.3f}")
        written.append(os.path.join(out, "curves.png"))
    except ImportError:
        print("(matplotlib is not installed: no curves.png)", file=sys.stderr)
    if not args.no_graph:
        x, y = splits.val.get_batch(np.arange(min(2, len(splits.val))))
        try:
            written.append(write_graph(model, loss_fn, x, y, out))
        except Exception as e:
            print(f"(could not draw the computational graph: {e})", file=sys.stderr)
    print("wrote " + ", ".join(written))
    return 0
