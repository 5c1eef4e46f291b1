"""`al.save(obj, path)` / `al.load(path)`: state dicts in a NumPy `.npz` file, with no pickled code.

The file holds one array per tensor or ndarray, named by its key path in the nested
object ("model/layers.0.weight", "optimizer/state/0/exp_avg") when that path is a plain
printable name, else "array#N", plus one JSON text entry describing the structure:
dicts (str or int keys), lists, tuples, numbers, strings, bools and None. Every string key
round-trips (the keys live in the JSON, not in the zip's entry names), "allow_pickle",
"file" and keys holding NUL or lone surrogates included. Loading uses
`np.load(allow_pickle=False)` and `json`, so a file can never run code, and checks the
structure before building anything: a malformed one raises `CheckpointError`.

Writing goes to a temporary file `.tmp-<name>-XXXXXXXX` in the target's folder that replaces
the target only when complete (`os.replace`), so a crash mid-save leaves the old file. The
writer holds a lock on its temporary file; temporary files of the same target whose writer
died (killed mid-save) are removed by the next save. Saving through a symlink writes the
symlink's target; an existing target keeps its permission bits.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from typing import Any

import numpy as np

from .tensor import Tensor

try:  # POSIX advisory locks tell a live writer's temporary file from a dead one's
    import fcntl
except ImportError:  # pragma: no cover - Windows: stale temporary files are left alone
    fcntl = None  # type: ignore[assignment]

_MAGIC = "__autograd_lite__"
_FORMAT = 1
MAX_DEPTH = 100  # nesting levels of dicts/lists/tuples; deeper structures are refused on save and load
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*")


class CheckpointError(ValueError):
    """The file is not a readable autograd_lite checkpoint."""


def _entry_name(path: str, arrays: dict[str, np.ndarray]) -> str:
    """The zip entry name for the array at key path `path`: the path itself when it is a plain name."""
    plain = (_SAFE_NAME.fullmatch(path) is not None and len(path) <= 200 and path != _MAGIC
             and ".." not in path.split("/") and path not in arrays)
    if plain:
        return path
    n = len(arrays)
    while f"array#{n}" in arrays:
        n += 1
    return f"array#{n}"


def _encode(obj: Any, path: str, arrays: dict[str, np.ndarray], depth: int = 0) -> Any:
    """The JSON description of obj; arrays are moved into `arrays` under their entry names."""
    if depth > MAX_DEPTH:
        raise ValueError(f"al.save: the object is nested more than {MAX_DEPTH} levels deep (at {path[:80]!r}...)")
    if isinstance(obj, (Tensor, np.ndarray)):
        key = _entry_name(path or "value", arrays)
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
            items.append([k, _encode(v, f"{path}/{k}" if path else str(k), arrays, depth + 1)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, f"{path}/{i}" if path else str(i), arrays, depth + 1) for i, v in enumerate(obj)]}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    hint = " (save model.state_dict(), not the model)" if hasattr(obj, "state_dict") else ""
    raise TypeError(f"al.save stores tensors, arrays, numbers, strings and dicts/lists of them; "
                    f"got {type(obj).__name__} at {path or 'the top level'!r}{hint}")


def _decode(node: Any, arrays: dict[str, np.ndarray], where: str, depth: int = 0) -> Any:
    """Rebuild the object described by `node`, checking every entry's form (CheckpointError otherwise)."""
    def bad(what: str) -> CheckpointError:
        return CheckpointError(f"al.load: {where}: malformed structure: {what}")

    if depth > MAX_DEPTH:
        raise bad(f"nested more than {MAX_DEPTH} levels deep")
    if not isinstance(node, dict) or len(node) != 1:
        raise bad(f"entry {str(node)[:80]!r} is not a one-key object")
    (kind, value), = node.items()
    if kind in ("tensor", "array"):
        if not isinstance(value, str):
            raise bad(f"array name {str(value)[:80]!r} is not a string")
        if value not in arrays:
            raise CheckpointError(f"al.load: {where}: the array {value!r} is missing from the file")
        data = arrays[value]
        return Tensor._make(data) if kind == "tensor" else data
    if kind == "dict":
        if not isinstance(value, list):
            raise bad("a dict entry is not a list of [key, value] pairs")
        out = {}
        for item in value:
            if (not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], (str, int))
                    or isinstance(item[0], bool)):
                raise bad(f"dict item {str(item)[:80]!r} is not a [str or int key, value] pair")
            out[item[0]] = _decode(item[1], arrays, where, depth + 1)
        return out
    if kind in ("list", "tuple"):
        if not isinstance(value, list):
            raise bad(f"a {kind} entry is not a list")
        items = [_decode(v, arrays, where, depth + 1) for v in value]
        return items if kind == "list" else tuple(items)
    if kind == "value":
        if value is not None and not isinstance(value, (bool, int, float, str)):
            raise bad(f"value {str(value)[:80]!r} is not a number, string, bool or None")
        return value
    raise bad(f"unknown entry kind {str(kind)[:80]!r}")


def _write_npz(f: Any, arrays: dict[str, np.ndarray]) -> None:
    """np.savez's format, but with any entry names (np.savez takes them as keyword arguments)."""
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, array in arrays.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as out:
                np.lib.format.write_array(out, np.asanyarray(array), allow_pickle=False)


def _remove_stale_temporaries(folder: str, prefix: str) -> None:
    """Delete temporary files of earlier saves of this target whose writer died (no lock held on them)."""
    if fcntl is None:
        return
    pattern = re.compile(re.escape(prefix) + r"[a-z0-9_]{8}")
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not pattern.fullmatch(name):
            continue
        stale = os.path.join(folder, name)
        try:
            fd = os.open(stale, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while a live save holds it
            os.remove(stale)
        except OSError:
            pass
        finally:
            os.close(fd)


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write obj (a state dict, or nested dicts/lists of them) to path atomically.

    The file is written exactly at `path` (no suffix is added); `.npz` or `.ckpt` are good names.
    Every string or int key round-trips; anything that cannot be stored raises TypeError or
    ValueError before a byte is written. A symlink's target is written, keeping its mode.
    """
    path = os.fspath(path)
    arrays: dict[str, np.ndarray] = {}
    try:
        structure = _encode(obj, "", arrays)
    except RecursionError:
        raise ValueError(f"al.save: the object is nested too deeply (more than {MAX_DEPTH} levels)") from None
    header = json.dumps({"format": _FORMAT, "structure": structure}, ensure_ascii=True)
    target = os.path.realpath(path)  # through symlinks: replace the file, not the link
    folder, base = os.path.split(target)
    if os.path.isdir(target):
        raise IsADirectoryError(f"al.save: {path!r} is a folder; name a file inside it")
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"al.save: the folder {folder!r} does not exist (create it first)")
    prefix = ".tmp-" + base + "-"
    _remove_stale_temporaries(folder, prefix)
    try:
        mode = os.stat(target).st_mode & 0o7777  # an existing file keeps its permissions
    except OSError:
        mode = 0o666 & ~_umask()  # mkstemp makes it private; a new checkpoint is an ordinary file
    fd, tmp = tempfile.mkstemp(prefix=prefix, dir=folder)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # marks the file as being written (released when closed)
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as f:
            _write_npz(f, {_MAGIC: np.array(header), **arrays})
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


def load(path: str | os.PathLike) -> Any:
    """Read what `save` wrote: tensors come back as Tensors, arrays as ndarrays. Never runs code.

    Raises FileNotFoundError (no such file), PermissionError (unreadable) or CheckpointError
    (not a checkpoint, corrupted, truncated, or a malformed structure).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"al.load: no such file: {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"al.load: {path!r} is a folder, not a checkpoint file")
    try:
        with open(path, "rb"):
            pass
    except PermissionError as e:
        raise PermissionError(f"al.load: cannot read {path!r}: {e.strerror or 'permission denied'}") from None
    try:
        npz = np.load(path, allow_pickle=False)
        if not hasattr(npz, "files"):
            raise CheckpointError(f"al.load: {path!r} holds a single NumPy array, not an autograd_lite "
                                  "checkpoint (written by al.save)")
        with npz:
            if _MAGIC not in npz.files:
                raise CheckpointError(f"al.load: {path!r} is a NumPy .npz file but not an autograd_lite "
                                      f"checkpoint (no {_MAGIC!r} entry); read it with np.load instead")
            magic = npz[_MAGIC]
            if magic.dtype.kind != "U" or magic.ndim != 0:
                raise CheckpointError(f"al.load: {path!r}: the {_MAGIC!r} entry is not a text header")
            header = json.loads(str(magic))
            arrays = {name: npz[name] for name in npz.files if name != _MAGIC}
    except CheckpointError:
        raise
    except PermissionError as e:
        raise PermissionError(f"al.load: cannot read {path!r}: {e.strerror or 'permission denied'}") from None
    except RecursionError:
        raise CheckpointError(f"al.load: {path!r}: malformed structure: nested too deeply") from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, json.JSONDecodeError) as e:
        raise CheckpointError(f"al.load: {path!r} is not a readable autograd_lite checkpoint "
                              f"(corrupted, truncated or another format): {e}") from None
    version = header.get("format") if isinstance(header, dict) else None
    if version != _FORMAT or "structure" not in header:
        raise CheckpointError(f"al.load: {path!r} has an unknown checkpoint format {version!r} "
                              f"(this version reads format {_FORMAT})")
    try:
        return _decode(header["structure"], arrays, path)
    except RecursionError:
        raise CheckpointError(f"al.load: {path!r}: malformed structure: nested too deeply") from None
