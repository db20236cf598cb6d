"""Hypothesis strategies for the domain: sizes, lag operators, tasks, bases, histories, boundaries, networks.

Public, for your own property tests (see the documentation's "Property-test your own claim"):
sizes ``ds``, ``ss``; ``lag_stacks``; tasks ``linear_tasks``, ``signed_selection_tasks``,
``realizable_tasks``, ``authors_tasks`` (and their ``authors_ids``); ``bases``; ``histories``;
``tanh_boundaries``; ``sbc_params``; networks ``compiled_networks`` and ``perturbed_networks``.
Sizes are drawn first and small, so hypothesis shrinks a failure to the smallest d and s.

Importing this module makes hypothesis print a numpy array of a falsifying example in short: up to
``SHORT_ARRAY_ENTRIES`` entries in full, a larger one as its corners with its shape and dtype (numpy's own
summary), 6 significant digits; rerun the reported example to see the whole array.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.vendor import pretty

from wavetheory.theory.tasks import Binding, LinearHDS, authors_task, signed_selection
from wavetheory.theory.wave_operator import LinearRNN, compile_rnn, make_basis

SHORT_ARRAY_ENTRIES = 36  # a 6 x 6 matrix prints whole; a larger array by its corners


def _short_array(obj: np.ndarray, printer, cycle: bool) -> None:
    """Hypothesis' printer for numpy arrays: numpy's summary beyond SHORT_ARRAY_ENTRIES entries, shape noted."""
    with np.printoptions(threshold=SHORT_ARRAY_ENTRIES, edgeitems=2, precision=6, linewidth=100):
        text = np.array_repr(obj)
    if obj.size > SHORT_ARRAY_ENTRIES:
        text += f"  # shape {obj.shape}, {obj.dtype}"
    for i, line in enumerate(text.splitlines()):
        if i:
            printer.break_()
        printer.text(line)


pretty.for_type_by_name("numpy", "ndarray", _short_array)

# small sizes keep dense sd x sd checks cheap while covering d = 1 and s = 1 edge cases
ds = st.integers(min_value=1, max_value=4)
ss = st.integers(min_value=1, max_value=6)
seeds = st.integers(min_value=0, max_value=2**32 - 1)


@st.composite
def lag_stacks(draw, d=None, s=None, integer: bool = False, scale: float = 1.0):
    """An (s, d, d) array of lag operators; integer entries in [-2, 2] or floats in [-scale, scale]."""
    d = draw(ds) if d is None else d
    s = draw(ss) if s is None else s
    seed = draw(seeds)
    rng = np.random.default_rng(seed)
    if integer:
        lags = rng.integers(-2, 3, size=(s, d, d)).astype(float)
        # sparsify so that many lags are exactly zero (the structured paths skip them)
        lags *= rng.random((s, 1, 1)) < 0.6
    else:
        lags = rng.uniform(-scale, scale, size=(s, d, d)) / np.sqrt(d * s)
    return lags


@st.composite
def linear_tasks(draw, integer: bool = False, only_last_lag: bool = False, max_d: int = 4, max_s: int = 6):
    """A LinearHDS with random lags (optionally only A_s non-zero, the C3/C12 case)."""
    d = draw(st.integers(1, max_d))
    s = draw(st.integers(1, max_s))
    lags = draw(lag_stacks(d=d, s=s, integer=integer))
    if only_last_lag:
        lags[:-1] = 0
    return LinearHDS(lags)


@st.composite
def signed_selection_tasks(draw, max_d: int = 4, max_s: int = 6):
    """A random variable-binding task (signed partial selection lags)."""
    d = draw(st.integers(1, max_d))
    s = draw(st.integers(1, max_s))
    bindings = [
        Binding(draw(st.integers(0, d - 1)), draw(st.integers(1, s)), draw(st.sampled_from([-1, 1])))
        for _ in range(d)
    ]
    return signed_selection(bindings, s=s)


@st.composite
def bases(draw, n: int, kinds=("identity", "orthogonal", "invertible")):
    """A change of basis Psi (n x n) of one of the given kinds."""
    return make_basis(draw(st.sampled_from(kinds)), n, rng=draw(seeds))


@st.composite
def histories(draw, d: int, s: int, batch: int | None = None, pm_one: bool = False):
    """An initial history (B, s, d): random +-1 (the task's inputs) or Gaussian."""
    b = draw(st.integers(1, 4)) if batch is None else batch
    rng = np.random.default_rng(draw(seeds))
    if pm_one:
        return rng.choice([-1.0, 1.0], size=(b, s, d))
    return rng.standard_normal((b, s, d))


@st.composite
def tanh_boundaries(draw, d: int, s: int):
    """A random nonlinear HDS map in lag order: f(past) = tanh(W vec(past) + b), W (d, s*d)."""
    rng = np.random.default_rng(draw(seeds))
    W = rng.standard_normal((d, s * d)) / np.sqrt(s * d)
    b = rng.standard_normal(d) * 0.1

    def f(past: np.ndarray) -> np.ndarray:  # past (..., s, d) -> (..., d)
        return np.tanh(past.reshape(past.shape[:-2] + (s * d,)) @ W.T + b)

    return f


@st.composite
def sbc_params(draw, s: int, residual=None, layernorm=None, positional=None, max_d: int = 5, max_heads: int = 3):
    """Random self-attention boundary weights (C6) for a window of s columns.

    Sizes d, n_heads, d_k, d_v and the variant flags are drawn (or fixed when given); weights from
    ``random_sbc`` (bounded generation), plus a random window-relative positional code when
    ``positional``.
    """
    from wavetheory.theory.attention import SBCParams, random_sbc

    d = draw(st.integers(1, max_d))
    nh = draw(st.integers(1, max_heads))
    d_k, d_v = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    flags = {
        name: draw(st.booleans()) if value is None else value
        for name, value in (("residual", residual), ("layernorm", layernorm), ("positional", positional))
    }
    seed = draw(seeds)
    p = random_sbc(d, nh, d_k, d_v, seed=seed, residual=flags["residual"], layernorm=flags["layernorm"])
    if not flags["positional"]:
        return p
    rng = np.random.default_rng(seed + 1)
    d_p = draw(st.integers(1, 3))
    pos = rng.standard_normal((s, d_p))
    # Q, K, V now read [h_i; p_i]: extend them with random position columns of the same scale
    ext = [np.concatenate([W, rng.standard_normal(W.shape[:2] + (d_p,)) * np.std(W)], axis=2) for W in (p.Q, p.K, p.V)]
    return SBCParams(Q=ext[0], K=ext[1], V=ext[2], W_O=p.W_O, pos=pos, residual=p.residual, layernorm=p.layernorm)


@st.composite
def realizable_tasks(draw, max_d: int = 4, max_s: int = 5):
    """An integer task satisfying C12's condition A_i A_k = 0 (k < s) with short lags possibly non-zero.

    Construction: a non-empty set L of "leaf" components is never read (zero columns in every A_k);
    short lags A_k, k < s, write only into L (non-zero rows only in L); A_s is free elsewhere.
    Then Im A_k is in span(e_L), which every A_i annihilates.
    """
    d = draw(st.integers(1, max_d))
    s = draw(st.integers(1, max_s))
    rng = np.random.default_rng(draw(seeds))
    leaf = rng.random(d) < 0.5
    leaf[rng.integers(d)] = True
    lags = rng.integers(-2, 3, size=(s, d, d)).astype(float)
    lags[:, :, leaf] = 0.0  # nobody reads a leaf
    lags[:-1, ~leaf, :] = 0.0  # short lags write only into leaves
    return LinearHDS(lags)


@st.composite
def authors_ids(draw, d: int | None = None, s: int | None = None, max_d: int = 4, max_s: int = 4):
    """A valid authors' task ID and its size, ``((id1, id2, id3), d, s)`` (theory.task_ids).

    id1 sets d distinct bits below s d, id2's base-d digit i is below d - i, id3 has d bits: every
    member of the family C(s d, d) d! 2^d can be drawn.
    """
    d = draw(st.integers(1, max_d)) if d is None else d
    s = draw(st.integers(1, max_s)) if s is None else s
    rows = draw(st.lists(st.integers(0, s * d - 1), min_size=d, max_size=d, unique=True))
    id2 = sum(draw(st.integers(0, d - 1 - i)) * d**i for i in range(d))
    return (sum(1 << r for r in rows), id2, draw(st.integers(0, 2**d - 1))), d, s


@st.composite
def authors_tasks(draw, max_d: int = 4, max_s: int = 4):
    """A task of the authors' family (a signed selection reading d distinct sources), built from ``authors_ids``."""
    ids, d, s = draw(authors_ids(max_d=max_d, max_s=max_s))
    return authors_task(*ids, d, s)


@st.composite
def compiled_networks(draw, task: LinearHDS, kinds=("identity", "orthogonal", "invertible"), max_extra: int = 3):
    """The wave RNN of ``task`` (C3) in a drawn basis, with 0..max_extra unused hidden dimensions.

    W_hh = Psi diag(Phi, 0) Psi^-1, W_uh = Psi E_s, W_hy = E_s^T Psi^-1 (``compile_rnn``).
    """
    n = task.s * task.d + draw(st.integers(0, max_extra))
    return compile_rnn(task, draw(bases(n, kinds)))


@st.composite
def perturbed_networks(draw, rnn: LinearRNN, max_scale: float = 1e-2):
    """``rnn`` with every weight matrix perturbed by Gaussian noise of relative size eps <= max_scale.

    W -> W + eps ||W||_F / sqrt(size) N(0, 1): the setting of a partly trained network near a solution.
    """
    eps = draw(st.floats(0.0, max_scale))
    rng = np.random.default_rng(draw(seeds))

    def noisy(W: np.ndarray) -> np.ndarray:
        return W + eps * np.linalg.norm(W) / np.sqrt(W.size) * rng.standard_normal(W.shape)

    return LinearRNN(noisy(rnn.W_hh), noisy(rnn.W_uh), noisy(rnn.W_hy))
