"""Fixtures shared by the test modules."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al


@pytest.fixture
def restore_default_dtype():
    """Put the default dtype back to float64 after a test that changes it."""
    yield
    al.set_default_dtype(np.float64)
