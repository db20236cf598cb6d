"""The authors' task-subspace metrics, implemented from their definition, on compiled networks (C7, C8)."""

from __future__ import annotations

import numpy as np
import pytest

from wavetheory.learning.task_subspace import task_subspace
from wavetheory.theory.tasks import repeat_copy
from wavetheory.theory.wave_operator import compile_rnn, make_basis
from wavetheory.thresholds import BASIS_EXACT

TASK = repeat_copy(2, 3)


def test_task_subspace_on_a_compiled_network():
    # identity basis: W_hh = Phi, its top-sd left singular vectors span the wave coordinates, W_sub is similar to Phi
    r = task_subspace(compile_rnn(TASK).W_hh, TASK)
    assert r["spectral_error_deg"] <= BASIS_EXACT and r["n_W"] == r["n_Phi"] == 6
    # an orthogonal basis rotates W_sub away from Phi entry-wise (Frobenius) but not in its spectrum
    r = task_subspace(compile_rnn(TASK, make_basis("orthogonal", 6, 0)).W_hh, TASK)
    assert r["spectral_error_deg"] <= 1e-6 and r["frobenius"] > 0.1
    with pytest.raises(ValueError, match="W_hh"):
        task_subspace(np.eye(3), TASK)
