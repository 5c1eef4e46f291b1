"""glibc's malloc thresholds fixed at import (autograd_lite/_malloc.py): freed memory is reused, not
faulted in again; the user's own malloc settings win. Each case runs in a fresh interpreter, since
glibc's settings are per process."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or not os.path.exists("/proc/self/environ"),
                                reason="glibc's malloc on Linux only")

# Allocate, free and allocate again a 20 MiB array (a step's activation, then the next step's): how much the
# resident set shrank when the first was freed (MiB given back to the OS), and the page faults of the second
# allocation's first touch.
PROBE = """
import json, os, resource, numpy as np
import autograd_lite, autograd_lite._malloc as m
def resident_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
a = np.ones(20 << 17); a += 1  # 20 MiB of float64, touched
held = resident_mib()
del a
given_back = held - resident_mib()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
b = np.ones(20 << 17)
print(json.dumps({"tuned": m.tuned, "given_back": given_back,
                  "faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before}))
"""


def run_probe(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k not in (
        "GLIBC_TUNABLES", "AUTOGRAD_LITE_MALLOC")}
    out = subprocess.run([sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def test_freed_memory_is_reused_not_faulted_in_again() -> None:
    result = run_probe()
    if not result["tuned"]:
        pytest.skip("not glibc")
    assert result["given_back"] < 2  # the heap kept the freed block
    assert result["faults"] < 20


def test_glibc_settings_from_the_environment_win() -> None:
    # glibc's adaptive thresholds (AUTOGRAD_LITE_MALLOC=system) and fixed low ones alike give the 20 MiB
    # back to the OS, so the next step faults it in again (thousands of 4 KiB pages, or ~10 where NumPy's arrays
    # get huge pages: the resident set is what tells, not the fault count)
    for env in ({"MALLOC_TRIM_THRESHOLD_": "131072", "MALLOC_MMAP_THRESHOLD_": "131072"},
                {"AUTOGRAD_LITE_MALLOC": "system"}):
        untouched = run_probe(**env)
        assert not untouched["tuned"]
        assert untouched["given_back"] > 15, env
    assert not run_probe(GLIBC_TUNABLES="glibc.malloc.trim_threshold=131072")["tuned"]
