"""Dtypes: NumPy arrays keep theirs, Python data gets the default dtype, float32
stays float32 through every op and its gradient, and only floats require grad."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al


def f32(*shape: int, seed: int = 0, positive: bool = False) -> al.Tensor:
    rng = np.random.default_rng(seed)
    data = rng.uniform(0.5, 2.0, shape) if positive else rng.standard_normal(shape)
    return al.tensor(data.astype(np.float32), requires_grad=True)


# name -> (function, input shapes, positive inputs)
OPS = {
    "add": (lambda a, b: a + b, [(2, 3), (3,)], False),
    "sub": (lambda a, b: a - b, [(2, 3), (3,)], False),
    "mul": (lambda a, b: a * b, [(2, 3), (3,)], False),
    "div": (lambda a, b: a / b, [(2, 3), (3,)], True),
    "pow": (lambda a, b: a ** b, [(2, 3), (3,)], True),
    "neg": (lambda a: -a, [(3,)], False),
    "scalars": (lambda a: (2.0 * a + 1.5) / 3.0 - 0.5, [(3,)], False),
    "numpy_scalars": (lambda a: a * np.float64(2.0) + np.float64(1.0), [(3,)], False),
    "pow_scalar": (lambda a: a ** 3 + a ** 2.5 + 2.0 ** a, [(3,)], True),
    "exp": (al.exp, [(3,)], False),
    "log": (al.log, [(3,)], True),
    "sqrt": (al.sqrt, [(3,)], True),
    "abs": (al.abs, [(3,)], False),
    "sin": (al.sin, [(3,)], False),
    "cos": (al.cos, [(3,)], False),
    "tanh": (al.tanh, [(3,)], False),
    "sigmoid": (al.sigmoid, [(3,)], False),
    "relu": (al.relu, [(3,)], False),
    "maximum": (al.maximum, [(2, 3), (3,)], False),
    "minimum": (al.minimum, [(2, 3), (3,)], False),
    "where": (lambda a, b: al.where(a > 0, a, b), [(2, 3), (3,)], False),
    "where_scalar": (lambda a: al.where(a > 0, a, 0.0), [(3,)], False),
    "clamp": (lambda a: al.clamp(a, -0.5, 0.5), [(3,)], False),
    "sum": (lambda a: a.sum(1), [(2, 3)], False),
    "mean": (lambda a: a.mean(), [(2, 3)], False),
    "max": (lambda a: a.max(0).values, [(2, 3)], False),
    "amax": (lambda a: a.amax(0), [(2, 3)], False),
    "min": (lambda a: a.min(), [(2, 3)], False),
    "var": (lambda a: a.var(1), [(2, 3)], False),
    "std": (lambda a: a.std(), [(2, 3)], False),
    "logsumexp": (lambda a: al.logsumexp(a, 1), [(2, 3)], False),
    "reshape": (lambda a: a.reshape(3, 2), [(2, 3)], False),
    "transpose": (lambda a: a.T, [(2, 3)], False),
    "expand": (lambda a: a.expand(2, 3), [(3,)], False),
    "cat": (lambda a, b: al.cat([a, b.reshape(1, 3)]), [(2, 3), (3,)], False),
    "stack": (lambda a, b: al.stack([a, b]), [(3,), (3,)], False),
    "split": (lambda a: al.split(a, [1, 2], 1)[1], [(2, 3)], False),
    "pad": (lambda a: al.pad(a, (1, 1), value=2.0), [(2, 3)], False),
    "flip": (lambda a: al.flip(a, 0), [(2, 3)], False),
    "getitem": (lambda a: a[np.array([0, 0, 1]), 1:], [(2, 3)], False),
    "matmul": (lambda a, b: a @ b, [(2, 3), (3,)], False),
    "outer": (al.outer, [(3,), (2,)], False),
    "einsum": (lambda a, b: al.einsum("ij,j->i", a, b), [(2, 3), (3,)], False),
    "trace": (al.trace, [(3, 3)], False),
    "diag": (al.diag, [(3,)], False),
    "diagonal": (lambda a: a.diagonal(), [(3, 3)], False),
}


@pytest.mark.parametrize("name", OPS)
def test_float32_stays_float32_through_op_and_gradient(name):
    fn, shapes, positive = OPS[name]
    xs = [f32(*s, seed=i, positive=positive) for i, s in enumerate(shapes)]
    out = fn(*xs)
    assert out.dtype == np.float32, f"{name} returned {out.dtype}"
    grads = al.grad((out * out).sum(), xs, create_graph=True)
    assert all(g.dtype == np.float32 for g in grads), f"gradient of {name}: {[g.dtype for g in grads]}"
    (gg,) = al.grad((grads[0] * grads[0]).sum(), xs[0], retain_graph=True, allow_unused=True)  # 2nd order
    assert gg is None or gg.dtype == np.float32
    out.sum().backward()
    assert all(x.grad.dtype == np.float32 for x in xs)


def test_numpy_arrays_keep_their_dtype_and_python_data_gets_the_default():
    assert al.tensor(np.ones(2, np.float32)).dtype == np.float32
    assert al.tensor(np.ones(2, np.int32)).dtype == np.int32
    assert al.tensor(np.array([True])).dtype == np.bool_
    assert al.tensor([1.0, 2.0]).dtype == np.float64
    assert al.tensor(3.0).dtype == np.float64
    assert al.tensor([1, 2]).dtype == np.int64  # Python ints give int64, as in PyTorch
    assert al.tensor([1, 2.5]).dtype == np.float64  # a mix with floats: the default
    assert al.tensor(True).dtype == np.bool_
    assert al.tensor([1.0], dtype=np.float32).dtype == np.float32
    assert al.tensor([True, False]).dtype == np.bool_


@pytest.mark.parametrize("spec", [np.float32, "float32", np.dtype("float32")], ids=["type", "name", "dtype"])
def test_set_default_dtype(spec, restore_default_dtype):
    al.set_default_dtype(spec)
    assert al.get_default_dtype() == np.float32
    assert al.tensor(2).dtype == np.int64
    for t in (al.tensor([1.0, 2.0]), al.tensor(2.0), al.zeros(2), al.ones(2, 2), al.randn(3), al.rand(2),
              al.eye(2), al.full((2,), 3.0), al.linspace(0, 1, 3), al.arange(0.0, 2.0)):
        assert t.dtype == np.float32
    assert al.tensor(np.ones(2)).dtype == np.float64  # NumPy arrays keep theirs
    x = al.tensor([1.0, 2.0], requires_grad=True)
    (x * 2.5 + 1.0).sum().backward()
    assert x.grad.dtype == np.float32


def test_default_dtype_must_be_floating(restore_default_dtype):
    with pytest.raises(TypeError, match="floating"):
        al.set_default_dtype(np.int64)
    assert al.get_default_dtype() == np.float64


def test_mixed_float32_float64_promotes_like_numpy_and_grads_keep_input_dtypes():
    a, b = f32(3), al.tensor(np.ones(3), requires_grad=True)
    out = a * b
    assert out.dtype == np.float64
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_integer_and_bool_tensors_cannot_require_grad(dtype):
    with pytest.raises(TypeError, match="only floating-point tensors can require grad"):
        al.tensor(np.zeros(2, dtype), requires_grad=True)
    with pytest.raises(TypeError, match="only floating-point"):
        al.zeros(2, dtype=dtype, requires_grad=True)


def test_integer_arithmetic_and_casts():
    i = al.tensor(np.array([1, 2, 3]))
    assert (i + 1).dtype == np.int64 and (i * i).dtype == np.int64
    x = f32(3)
    assert (x * i).dtype == np.float32 or (x * i).dtype == np.float64  # NumPy's promotion rule
    assert al.arange(3).dtype == np.int64 and x.long().dtype == np.int64 and not x.long().requires_grad
    assert x.double().dtype == np.float64 and x.double().requires_grad


def test_manual_seed_reproducibility():
    al.manual_seed(7)
    a = (al.randn(3, 2), al.rand(4), al.randint(0, 10, (5,)), al.randperm(6))
    al.manual_seed(7)
    b = (al.randn(3, 2), al.rand(4), al.randint(0, 10, (5,)), al.randperm(6))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.data, y.data)
    assert not np.array_equal(al.randn(3, 2).data, a[0].data)  # the stream moves on
    assert al.randint(0, 10, (5,)).dtype == np.int64 and set(al.randperm(6).data) == set(range(6))
    assert np.all((a[1].data >= 0) & (a[1].data < 1))


def test_creation_functions():
    assert al.zeros(2, 3).shape == (2, 3) and al.zeros((2, 3)).shape == (2, 3)
    np.testing.assert_array_equal(al.ones(2).data, [1.0, 1.0])
    np.testing.assert_array_equal(al.full((2,), 7.0).data, [7.0, 7.0])
    np.testing.assert_array_equal(al.arange(1, 7, 2).data, [1, 3, 5])
    np.testing.assert_allclose(al.linspace(0, 1, 5).data, np.linspace(0, 1, 5))
    like = f32(2, 2)
    for t in (al.zeros_like(like), al.ones_like(like), al.full_like(like, 3.0), al.rand_like(like),
              al.randn_like(like)):
        assert t.shape == (2, 2) and t.dtype == np.float32 and not t.requires_grad
    w = al.randn(3, requires_grad=True)
    assert w.requires_grad and w.is_leaf
    np.testing.assert_array_equal(al.eye(3).data, np.eye(3))


# ----- PyTorch's dtype names, casts and `to` ---------------------------------------------
ALIASES = {"float32": np.float32, "float": np.float32, "float64": np.float64, "double": np.float64,
           "float16": np.float16, "half": np.float16, "int64": np.int64, "long": np.int64, "int32": np.int32,
           "int": np.int32, "int16": np.int16, "short": np.int16, "int8": np.int8, "uint8": np.uint8, "bool": np.bool_}


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_dtype_names_mean_what_they_mean_in_pytorch(name):
    assert np.dtype(getattr(al, name)) == np.dtype(ALIASES[name])
    assert al.zeros(2, dtype=getattr(al, name)).dtype == ALIASES[name]
    torch = pytest.importorskip("torch")
    assert np.dtype(ALIASES[name]) == torch.zeros(1, dtype=getattr(torch, name)).numpy().dtype


CASTS = {"float": np.float32, "double": np.float64, "half": np.float16, "long": np.int64, "int": np.int32,
         "bool": np.bool_}


@pytest.mark.parametrize("method", sorted(CASTS))
def test_cast_methods(method):
    x = al.tensor([1.5, -2.0, 0.0], requires_grad=True)
    y = getattr(x, method)()
    assert y.dtype == CASTS[method]
    if np.dtype(CASTS[method]).kind == "f":  # differentiable: the gradient comes back in x's dtype
        (y * y).sum().backward()
        assert x.grad.dtype == np.float64
        np.testing.assert_allclose(x.grad.data, 2 * x.data, rtol=1e-3)
    else:
        assert not y.requires_grad
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.tensor([1.5, -2.0, 0.0], dtype=torch.float64), method)()
    np.testing.assert_array_equal(y.data, theirs.numpy())


def test_to_takes_every_form_pytorch_has():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    assert x.to("cpu") is x and x.to(al.device("cpu")) is x and x.to(device=None) is x and x.to(al.float64) is x
    assert x.to(al.float32).dtype == np.float32 and x.to("cpu", al.float32).dtype == np.float32
    assert x.to(device="cpu", dtype=al.float16).dtype == np.float16
    assert x.to(al.zeros(1, dtype=al.int32)).dtype == np.int32  # to(other): other's dtype
    assert x.to(al.float32, non_blocking=True).dtype == np.float32
    copy = x.to("cpu", copy=True)
    assert copy is not x and copy.data is not x.data and copy.requires_grad
    assert x.type(al.float32).dtype == np.float32 and x.type("torch.IntTensor").dtype == np.int32
    assert x.type("al.DoubleTensor") is x
    y = x.to(al.float32) * 2.0
    y.sum().backward()
    assert x.grad.dtype == np.float64 and x.grad.tolist() == [2.0, 2.0]


def test_type_names_are_pytorchs():
    torch = pytest.importorskip("torch")
    for name in ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"):
        assert al.zeros(1, dtype=getattr(al, name)).type() == torch.zeros(1, dtype=getattr(torch, name)).type()
    with pytest.raises(TypeError, match="type\\(\\): invalid type 'torch.FooTensor'"):
        al.zeros(1).type("torch.FooTensor")


def test_device_class():
    cpu = al.device("cpu")
    assert cpu.type == "cpu" and cpu.index is None and repr(cpu) == "device(type='cpu')" and str(cpu) == "cpu"
    assert cpu == "cpu" and cpu == al.device(cpu) and cpu != "cuda" and cpu != "nonsense" and hash(cpu) == hash(cpu)
    cuda1 = al.device("cuda", 1)
    assert cuda1 == al.device("cuda:1") == "cuda:1" and repr(cuda1) == "device(type='cuda', index=1)"
    assert al.tensor([1.0]).device == "cpu" and al.tensor([1.0]).device == cpu and not al.tensor([1.0]).is_cuda
    with pytest.raises(RuntimeError, match="device type at start of device string: 'gpu'"):
        al.device("gpu")
    with pytest.raises(RuntimeError, match="invalid device string 'cuda:x'"):
        al.device("cuda:x")
    torch = pytest.importorskip("torch")
    assert repr(cpu) == repr(torch.device("cpu")) and repr(cuda1) == repr(torch.device("cuda", 1))


CREATORS = {
    "tensor": lambda **k: al.tensor([1.0, 2.0], **k), "as_tensor": lambda **k: al.as_tensor([1.0], **k),
    "zeros": lambda **k: al.zeros(2, **k), "ones": lambda **k: al.ones(2, **k), "empty": lambda **k: al.empty(2, **k),
    "full": lambda **k: al.full((2,), 3.0, **k), "eye": lambda **k: al.eye(2, **k),
    "arange": lambda **k: al.arange(3, **k), "linspace": lambda **k: al.linspace(0, 1, 3, **k),
    "zeros_like": lambda **k: al.zeros_like(al.ones(2), **k), "ones_like": lambda **k: al.ones_like(al.ones(2), **k),
    "full_like": lambda **k: al.full_like(al.ones(2), 2.0, **k), "rand": lambda **k: al.rand(2, **k),
    "randn": lambda **k: al.randn(2, **k), "randint": lambda **k: al.randint(0, 5, (2,), **k),
    "randperm": lambda **k: al.randperm(4, **k), "rand_like": lambda **k: al.rand_like(al.ones(2), **k),
    "randn_like": lambda **k: al.randn_like(al.ones(2), **k), "normal": lambda **k: al.normal(0.0, 1.0, (2,), **k),
}


@pytest.mark.parametrize("name", sorted(CREATORS))
def test_device_argument_of_every_creation_and_random_function(name):
    make = CREATORS[name]
    for device in (None, "cpu", "cpu:0", al.device("cpu")):
        assert make(device=device).device == "cpu"
    for device in ("cuda", "cuda:0", al.device("cuda"), "mps"):
        with pytest.raises(RuntimeError, match=r"is not available: autograd_lite runs on the CPU only") as info:
            make(device=device)
        assert "\n" not in str(info.value)


def test_cuda_module_backends_and_the_tutorial_device_idiom():
    assert al.cuda.is_available() is False and al.cuda.device_count() == 0
    al.cuda.manual_seed(0)
    al.cuda.manual_seed_all(0)  # seeding helpers call these: accepted
    assert al.backends.mps.is_available() is False
    al.backends.cudnn.deterministic, al.backends.cudnn.benchmark = True, False
    device = "cuda" if al.cuda.is_available() else "cpu"
    model = al.nn.Linear(3, 2).to(device)
    x = al.randn(4, 3).to(device)
    assert model(x).shape == (4, 2) and x.cpu() is x
    with pytest.raises(RuntimeError, match="cuda\\(\\): no CUDA device"):
        x.cuda()
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        x.to("cuda")
    with pytest.raises(RuntimeError, match="device 'cuda:0' is not available"):
        x.to(al.device("cuda:0"), al.float32)


# ----- the NumPy bridge --------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64, np.int32, np.uint8, np.bool_])
def test_from_numpy_shares_memory_both_ways_and_keeps_the_dtype(dtype):
    arr = np.zeros(3, dtype=dtype)
    t = al.from_numpy(arr)
    assert t.dtype == dtype and not t.requires_grad
    arr[0] = 1
    assert t.data[0] == 1
    if dtype != np.bool_:
        t.add_(al.tensor(np.ones(3, dtype=dtype)))
        assert arr[1] == 1  # an in-place op on the tensor writes the array
    assert np.shares_memory(t.numpy(), arr)


def test_from_numpy_refuses_what_a_tensor_cannot_hold():
    for bad in (np.array(["a", "b"]), np.array([1, "x"], dtype=object), np.array([1 + 2j])):
        with pytest.raises(TypeError, match="from_numpy\\(\\): can't convert np.ndarray of type"):
            al.from_numpy(bad)
    with pytest.raises(TypeError, match="from_numpy\\(\\): expected np.ndarray \\(got list\\)"):
        al.from_numpy([1.0, 2.0])
    torch = pytest.importorskip("torch")
    arr = np.arange(3.0)
    ours, theirs = al.from_numpy(arr), torch.from_numpy(arr)
    arr[2] = 7.0
    assert ours.tolist() == theirs.tolist() == [0.0, 1.0, 7.0]


def test_as_tensor_copies_only_when_it_must():
    arr = np.arange(4.0)
    assert al.as_tensor(arr).data is arr
    assert al.as_tensor(arr, dtype=al.float64).data is arr
    converted = al.as_tensor(arr, dtype=al.float32)
    assert converted.dtype == np.float32 and not np.shares_memory(converted.data, arr)
    assert al.as_tensor([1, 2]).dtype == np.int64 and al.as_tensor([1.5]).dtype == al.get_default_dtype()
    t = al.tensor([1.0, 2.0], requires_grad=True)
    assert al.as_tensor(t) is t
    cast = al.as_tensor(t, dtype=al.float32)
    cast.sum().backward()
    assert t.grad.tolist() == [1.0, 1.0]


def test_tolist_item_numpy_and_asarray():
    t = al.tensor([[1.5, 2.0]])
    assert t.tolist() == [[1.5, 2.0]] and al.tensor(3).tolist() == 3 and isinstance(al.tensor(3).item(), int)
    with pytest.raises(ValueError, match=r"item\(\): a Tensor with 2 elements cannot be converted to Scalar"):
        t.item()
    assert t.numpy() is t.data and np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    copied = np.array(t, copy=True)
    copied[0, 0] = 9.0
    assert t.data[0, 0] == 1.5
    w = al.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        w.numpy()
    assert w.detach().numpy() is w.data and w.numpy(force=True) is not w.data


def test_is_tensor_is_floating_point_element_size():
    assert al.is_tensor(al.ones(1)) and not al.is_tensor(np.ones(1))
    assert al.ones(1).is_floating_point() and not al.ones(1, dtype=al.long).is_floating_point()
    assert al.ones(1, dtype=al.float32).element_size() == 4
    assert al.finfo(al.float32).eps == np.finfo(np.float32).eps


def test_new_methods_follow_the_tensors_dtype():
    x = al.ones(2, dtype=al.float32)
    assert x.new_zeros(2, 3).dtype == np.float32 and x.new_zeros((2, 3)).shape == (2, 3)
    assert x.new_ones(3, dtype=al.int64).dtype == np.int64 and x.new_ones(3).tolist() == [1.0, 1.0, 1.0]
    assert x.new_full((2,), 7.0).tolist() == [7.0, 7.0] and x.new_empty(4).shape == (4,)
    t = x.new_tensor([1, 2], requires_grad=True)
    assert t.dtype == np.float32 and t.requires_grad and t.is_leaf
    with pytest.raises(RuntimeError, match="CPU only"):
        x.new_zeros(2, device="cuda")
    torch = pytest.importorskip("torch")
    tx = torch.ones(2, dtype=torch.float32)
    assert str(tx.new_zeros(2).dtype) == "torch.float32" and tx.new_tensor([1, 2]).dtype == torch.float32


def test_legacy_type_names_are_dtypes_constructors_and_isinstance_tests():
    dtype = al.FloatTensor  # the cs231n notebook's `dtype = torch.FloatTensor`
    x = al.randn(2, 3).type(dtype)
    assert x.dtype == np.float32 and x.type() == "torch.FloatTensor"
    assert isinstance(x, al.FloatTensor) and not isinstance(x, al.DoubleTensor) and isinstance(x, al.Tensor)
    model = al.nn.Linear(3, 2).type(dtype)
    assert model.weight.dtype == np.float32 and model(x).dtype == np.float32
    assert al.zeros(2, dtype=al.LongTensor).dtype == np.int64 and x.to(al.DoubleTensor).dtype == np.float64
    assert al.LongTensor([1, 2]).tolist() == [1, 2] and al.LongTensor([1, 2]).dtype == np.int64
    assert al.FloatTensor(2, 3).shape == (2, 3) and al.FloatTensor(2, 3).dtype == np.float32
    torch = pytest.importorskip("torch")
    for name in ("FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor", "BoolTensor"):
        ours, theirs = getattr(al, name)([1, 0]), getattr(torch, name)([1, 0])
        assert ours.type() == theirs.type() and ours.tolist() == theirs.tolist()
        assert isinstance(ours, getattr(al, name)) and isinstance(theirs, getattr(torch, name))
