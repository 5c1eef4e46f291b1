"""`al.save(obj, path)` / `al.load(path)`: state dicts in a NumPy `.npz` file, with no pickled code.

The file holds one array per tensor or ndarray, named by its key path in the nested
object ("model/layers.0.weight", "optimizer/state/0/exp_avg"), plus one JSON text entry
describing the structure: dicts (str or int keys), lists, tuples, numbers, strings,
bools and None. Loading uses `np.load(allow_pickle=False)` and `json`, so a file can
never run code. Writing goes to a temporary file in the same folder that replaces the
target only when complete (`os.replace`), so a crash mid-save leaves the old file.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

from .tensor import Tensor

_MAGIC = "__autograd_lite__"
_FORMAT = 1


class CheckpointError(ValueError):
    """The file is not a readable autograd_lite checkpoint."""


def _encode(obj: Any, path: str, arrays: dict[str, np.ndarray]) -> Any:
    """The JSON description of obj; arrays are moved into `arrays` under their key path."""
    if isinstance(obj, (Tensor, np.ndarray)):
        key = path or "value"
        if key in arrays or key == _MAGIC:
            key = f"{key}#{len(arrays)}"
        data = obj.data if isinstance(obj, Tensor) else obj
        if data.dtype.kind not in "biufc":
            raise TypeError(f"al.save: array at {path!r} has dtype {data.dtype}; only numeric arrays are stored")
        arrays[key] = data  # (not ascontiguousarray: it turns 0-d arrays into 1-d)
        return {"tensor" if isinstance(obj, Tensor) else "array": key}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"al.save: dict keys must be str or int, got {k!r} at {path!r}")
            items.append([k, _encode(v, f"{path}/{k}" if path else str(k), arrays)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, f"{path}/{i}" if path else str(i), arrays) for i, v in enumerate(obj)]}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    hint = " (save model.state_dict(), not the model)" if hasattr(obj, "state_dict") else ""
    raise TypeError(f"al.save stores tensors, arrays, numbers, strings and dicts/lists of them; "
                    f"got {type(obj).__name__} at {path or 'the top level'!r}{hint}")


def _decode(node: Any, arrays: Any, where: str) -> Any:
    if not isinstance(node, dict) or len(node) != 1:
        raise CheckpointError(f"al.load: {where}: malformed structure entry {node!r}")
    (kind, value), = node.items()
    if kind in ("tensor", "array"):
        if value not in arrays:
            raise CheckpointError(f"al.load: {where}: the array {value!r} is missing from the file")
        data = arrays[value]
        return Tensor._make(data) if kind == "tensor" else data
    if kind == "dict":
        return {k: _decode(v, arrays, where) for k, v in value}
    if kind == "list":
        return [_decode(v, arrays, where) for v in value]
    if kind == "tuple":
        return tuple(_decode(v, arrays, where) for v in value)
    if kind == "value":
        return value
    raise CheckpointError(f"al.load: {where}: unknown entry kind {kind!r}")


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write obj (a state dict, or nested dicts/lists of them) to path atomically.

    The file is written exactly at `path` (no suffix is added); `.npz` or `.ckpt` are good names.
    """
    path = os.fspath(path)
    arrays: dict[str, np.ndarray] = {}
    structure = _encode(obj, "", arrays)
    header = json.dumps({"format": _FORMAT, "structure": structure})
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-" + os.path.basename(path) + "-", dir=folder)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; the checkpoint is an ordinary file
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **{_MAGIC: np.array(header)}, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


def load(path: str | os.PathLike) -> Any:
    """Read what `save` wrote: tensors come back as Tensors, arrays as ndarrays. Never runs code."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"al.load: no such file: {path!r}")
    try:
        npz = np.load(path, allow_pickle=False)
        if not hasattr(npz, "files"):
            raise CheckpointError(f"al.load: {path!r} holds a single NumPy array, not an autograd_lite "
                                  "checkpoint (written by al.save)")
        with npz:
            if _MAGIC not in npz.files:
                raise CheckpointError(f"al.load: {path!r} is a NumPy .npz file but not an autograd_lite "
                                      f"checkpoint (no {_MAGIC!r} entry); read it with np.load instead")
            header = json.loads(str(npz[_MAGIC]))
            arrays = {name: npz[name] for name in npz.files if name != _MAGIC}
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, json.JSONDecodeError) as e:
        raise CheckpointError(f"al.load: {path!r} is not a readable autograd_lite checkpoint "
                              f"(corrupted, truncated or another format): {e}") from None
    version = header.get("format") if isinstance(header, dict) else None
    if version != _FORMAT or "structure" not in header:
        raise CheckpointError(f"al.load: {path!r} has an unknown checkpoint format {version!r} "
                              f"(this version reads format {_FORMAT})")
    return _decode(header["structure"], arrays, path)
