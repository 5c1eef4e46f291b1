"""Random numbers the PyTorch way: `Generator` objects and `generator=` on every random function.

`al.Generator()` is an independent stream of random numbers (a NumPy PCG64 generator inside):
`g.manual_seed(0)` makes it reproducible, `g.seed()` reseeds it from the operating system,
`g.initial_seed()` tells the seed. `default_generator` is the global stream that `al.manual_seed`
seeds and that everything random (initialisation, dropout, shuffling) draws from when no
generator is passed. With `generator=None` each function draws exactly what the older
`al.rand`/`al.randn`/... drew, so seeded programs give the same numbers as before.

Random tensors never require grad unless asked (`requires_grad=True` where PyTorch has it);
like PyTorch, sampling is not differentiable.
"""
from __future__ import annotations

import numbers
import secrets
from typing import Any

import numpy as np

from . import creation
from .device import check_device
from .tensor import Tensor, get_default_dtype

__all__ = ["Generator", "default_generator", "initial_seed", "seed", "rand", "randn", "randint", "randperm",
           "normal", "bernoulli", "multinomial", "rand_like", "randn_like"]

_SEED_MOD = 2 ** 64  # PyTorch's seeds are 64-bit: manual_seed(-1) means 2**64 - 1


def _check_seed(owner: str, seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{owner}: the seed must be an integer, got {seed!r}")
    return int(seed) % _SEED_MOD


class Generator:
    """An independent random-number stream, like `torch.Generator`.

    `Generator()` starts from an unpredictable seed; `manual_seed(s)` restarts it from s.
    Pass it as `generator=` to the random functions, `DataLoader`, `random_split`, ...
    """

    def __init__(self, device: Any = "cpu") -> None:
        check_device(device, "Generator")
        self.device = "cpu"
        self._seed = secrets.randbits(63)
        self._rng = np.random.default_rng(self._seed)

    @property
    def numpy(self) -> np.random.Generator:
        """The NumPy generator the numbers come from (for NumPy code that should share the stream)."""
        return self._rng

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from `seed` (an int; negative values wrap modulo 2⁶⁴ as in PyTorch); returns self."""
        self._seed = _check_seed("Generator.manual_seed", seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        self.manual_seed(secrets.randbits(63))
        return self._seed

    def initial_seed(self) -> int:
        """The seed the stream was last started from."""
        return self._seed

    def get_state(self) -> dict[str, Any]:
        """The stream's position (NumPy's bit-generator state); `set_state` goes back to it."""
        return {"seed": self._seed, "state": self._rng.bit_generator.state}

    def set_state(self, state: dict[str, Any]) -> Generator:
        """Return to a position saved by `get_state`; returns self."""
        if not isinstance(state, dict) or "state" not in state:
            raise TypeError("Generator.set_state: expected what get_state() returned")
        rng = np.random.default_rng()
        rng.bit_generator.state = state["state"]
        self._rng, self._seed = rng, int(state.get("seed", self._seed))
        return self

    def __repr__(self) -> str:
        return f"<al.Generator seed={self._seed}>"


class _DefaultGenerator(Generator):
    """The global stream: the generator `al.manual_seed` replaces (kept in `creation`)."""

    def __init__(self) -> None:
        self.device = "cpu"

    @property
    def _rng(self) -> np.random.Generator:  # type: ignore[override]
        return creation.get_rng()

    @_rng.setter
    def _rng(self, rng: np.random.Generator) -> None:
        creation._rng = rng  # the same slot al.manual_seed writes

    @property
    def _seed(self) -> int:  # type: ignore[override]
        entropy = creation.get_rng().bit_generator.seed_seq.entropy  # default_rng(s) keeps s here
        return int(entropy) % _SEED_MOD if isinstance(entropy, numbers.Integral) else 0

    @_seed.setter
    def _seed(self, value: int) -> None:
        pass  # the seed is read back from the generator itself

    def manual_seed(self, seed: int) -> Generator:
        creation.manual_seed(_check_seed("manual_seed", seed))
        return self


default_generator: Generator = _DefaultGenerator()


def initial_seed() -> int:
    """The seed of the global generator (`al.manual_seed`'s argument)."""
    return default_generator.initial_seed()


def seed() -> int:
    """Reseed the global generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def numpy_rng(generator: Any, owner: str = "generator") -> np.random.Generator:
    """The NumPy generator behind `generator`: an al.Generator, a np.random.Generator, or None (the global one)."""
    if generator is None:
        return creation.get_rng()
    if isinstance(generator, Generator):
        return generator._rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"{owner}: generator must be an al.Generator (or a np.random.Generator), "
                    f"got {type(generator).__name__}")


def _new(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(data)
    if requires_grad:
        t.requires_grad = True
    return t


def _float_dtype(owner: str, dtype: Any) -> np.dtype:
    dt = get_default_dtype() if dtype is None else np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"{owner}: dtype must be a floating-point type, got {dt}")
    return dt


def rand(*size: Any, generator: Generator | None = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1), shape `size`."""
    check_device(device, "rand")
    shape, dt = creation._shape(size, "rand"), _float_dtype("rand", dtype)
    return _new(numpy_rng(generator, "rand").random(shape).astype(dt, copy=False), requires_grad)


def randn(*size: Any, generator: Generator | None = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples, shape `size`."""
    check_device(device, "randn")
    shape, dt = creation._shape(size, "randn"), _float_dtype("randn", dtype)
    return _new(numpy_rng(generator, "randn").standard_normal(shape).astype(dt, copy=False), requires_grad)


def rand_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1) with the shape (and, by default, the dtype) of `input`."""
    check_device(device, "rand_like")
    return rand(tuple(input.shape), generator=generator, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Standard normal samples with the shape (and, by default, the dtype) of `input`."""
    check_device(device, "randn_like")
    return randn(tuple(input.shape), generator=generator, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint(*args: Any, generator: Generator | None = None, dtype: Any = None, device: Any = None,
            requires_grad: bool = False, **kwargs: Any) -> Tensor:
    """Integers uniform on [low, high): `randint(high, size)` or `randint(low, high, size)` (int64 by default)."""
    check_device(device, "randint")
    names = ("low", "high", "size") if len(args) + len(kwargs) == 3 else ("high", "size")
    values = dict(zip(names, args), **kwargs)
    if set(values) != set(names):
        raise TypeError(f"randint: expected (high, size) or (low, high, size), got {len(args)} positional "
                        f"arguments and {sorted(kwargs)}")
    low, high = values.get("low", 0), values["high"]
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"randint: {name} must be an integer, got {v!r}")
    if high <= low:
        raise ValueError(f"randint: empty range [{low}, {high}): high must be > low")
    size = values["size"]
    shape = creation._shape((size,) if isinstance(size, (tuple, list)) else ((size,),), "randint")
    dt = np.dtype(np.int64 if dtype is None else dtype)
    return _new(numpy_rng(generator, "randint").integers(low, high, size=shape).astype(dt), requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = np.int64, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 … n−1 (int64 by default)."""
    check_device(device, "randperm")
    (n,) = creation._shape((n,), "randperm")
    return _new(numpy_rng(generator, "randperm").permutation(n).astype(dtype), requires_grad)


def _array(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Generator | None = None,
           dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Samples of N(mean, std²): mean and std are tensors (broadcast together) or floats;
    with two floats give `size`. Not differentiable (as in PyTorch)."""
    check_device(device, "normal")
    m, s = _array(mean), _array(std)
    if np.any(s < 0) or np.any(np.isnan(s)):
        raise ValueError(f"normal: std must be >= 0, got {s if s.ndim == 0 else 'a tensor with negative entries'}")
    both_scalar = not isinstance(mean, Tensor) and not isinstance(std, Tensor) and m.ndim == 0 and s.ndim == 0
    if size is not None:
        if not both_scalar:
            raise TypeError("normal: size is only allowed with a float mean and a float std")
        shape = creation._shape((size,) if isinstance(size, (tuple, list)) else ((size,),), "normal")
    elif both_scalar:
        raise TypeError("normal: with a float mean and a float std, pass size")
    else:
        shape = np.broadcast_shapes(m.shape, s.shape)
    tensors = [t for t in (mean, std) if isinstance(t, Tensor) and t.dtype.kind == "f"]
    dt = np.dtype(dtype) if dtype is not None else (tensors[0].dtype if tensors else get_default_dtype())
    draw = numpy_rng(generator, "normal").standard_normal(shape)
    return _new((m + s * draw).astype(dt, copy=False), requires_grad)


def bernoulli(input: Any, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
    """1 with probability input[i] (or p), else 0; same shape and dtype as input."""
    probs = _array(input)
    if probs.dtype.kind != "f":
        raise TypeError(f"bernoulli: input must hold floating-point probabilities, got dtype {probs.dtype}")
    if p is not None:
        probs = np.full(probs.shape, p, dtype=probs.dtype)
    if np.any(~((probs >= 0) & (probs <= 1))):
        raise ValueError("bernoulli: all probabilities must be in [0, 1]")
    draw = numpy_rng(generator, "bernoulli").random(probs.shape)
    return _new((draw < probs).astype(probs.dtype), False)


def multinomial(input: Any, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """Indices drawn from the categories weighted by each row of input (1-D (C,) or 2-D (N, C)):
    shape (num_samples,) or (N, num_samples), int64; without replacement each index at most once per row."""
    w = _array(input)
    if w.ndim not in (1, 2) or w.shape[-1] == 0:
        raise ValueError(f"multinomial: input must be 1-D or 2-D with at least one category, got shape {w.shape}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral) or num_samples < 1:
        raise ValueError(f"multinomial: num_samples must be a positive integer, got {num_samples!r}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("multinomial: weights must be finite and >= 0")
    rows = w.reshape(-1, w.shape[-1]).astype(np.float64)
    sums = rows.sum(axis=1)
    if np.any(sums <= 0):
        raise ValueError("multinomial: every row needs a positive total weight")
    if not replacement and num_samples > int(np.min(np.count_nonzero(rows, axis=1))):
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without replacement from a row with "
                         f"fewer non-zero weights")
    rng = numpy_rng(generator, "multinomial")
    out = np.stack([rng.choice(rows.shape[1], size=num_samples, replace=replacement, p=r / r.sum())
                    for r in rows]).astype(np.int64)
    return _new(out.reshape(w.shape[:-1] + (num_samples,)), False)
