"""Hankel DMD recovers Phi's nonzero spectrum from the activity of compiled networks, in any basis (C7, C16)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wavetheory.strategies import authors_tasks, compiled_networks, signed_selection_tasks
from wavetheory.theory.dmd import default_rank, dmd, hankel, match_dmd, nonzero_spectrum
from wavetheory.theory.minimal import min_state_dim
from wavetheory.theory.tasks import repeat_copy, signed_selection
from wavetheory.theory.two_phase import two_phase_batch
from wavetheory.theory.wave_operator import compile_rnn, make_basis
from wavetheory.thresholds import BASIS_EXACT


def _recall_states(rnn, task, batch=48):
    """Hidden states of the recall phase once Phi's nilpotent part has died out (sd steps: its largest Jordan block)."""
    sd = task.s * task.d
    u, _ = two_phase_batch(task, batch, sd + 2 * task.s + 2, 0)
    return rnn.run(u, "linear")[1][:, task.s - 1 + sd :]


@settings(max_examples=40, deadline=None)
@given(data=st.data(), family=st.sampled_from(["signed", "authors"]))
def test_dmd_recovers_phis_nonzero_spectrum_exactly_in_any_basis(data, family):
    task = data.draw(signed_selection_tasks(max_d=3, max_s=4) if family == "signed" else authors_tasks(max_d=3, max_s=4))
    rnn = data.draw(compiled_networks(task))
    D = dmd(_recall_states(rnn, task), delays=task.s, rank=default_rank(task))
    m = match_dmd(D.eigenvalues, task).summary()
    target = nonzero_spectrum(task)
    # every nonzero eigenvalue of Phi is read, nothing else: exact up to rounding through cond(Psi) < 1e3 (BASIS_EXACT)
    assert m["n_target"] == target.size == m["n_matched"] and m["n_extra"] == 0
    assert target.size == 0 or m["max"] <= BASIS_EXACT
    assert D.rank <= default_rank(task)  # the data's rank is at most n_min (C16)


def test_defaults_are_the_theorys_delays_and_rank():
    task = signed_selection("x0(t-3), x0(t-1)")
    assert default_rank(task) == min_state_dim(task) == 3 and task.s * task.d == 6
    rnn = compile_rnn(task, make_basis("invertible", 8, 2))
    D = dmd(_recall_states(rnn, task), delays=task.s, rank=default_rank(task))
    assert D.rank == 3 and D.delays == 3


def test_truncation_below_the_data_rank_misses_eigenvalues():
    """A control: rank 2 on repeat copy's 6-dimensional dynamics cannot carry the spectrum."""
    task = repeat_copy(2, 3)
    rnn = compile_rnn(task, make_basis("orthogonal", 6, 0))
    m = match_dmd(dmd(_recall_states(rnn, task), delays=1, rank=2).eigenvalues, task).summary()
    assert m["n_matched"] == 2 < m["n_target"] == 6


def test_hankel_layout_and_errors():
    a = np.arange(8.0).reshape(4, 2)
    z = hankel(a, 2)
    assert z.shape == (1, 3, 4) and z[0, 0].tolist() == [2.0, 3.0, 0.0, 1.0]
    with pytest.raises(ValueError, match="delays"):
        hankel(a, 4)
    with pytest.raises(ValueError, match="states"):
        hankel(np.zeros(3), 1)
    with pytest.raises(ValueError, match="rank"):
        dmd(a, 1, rank=0)
