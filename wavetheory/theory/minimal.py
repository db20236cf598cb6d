"""The smallest linear RNN that solves a two-phase task at every horizon, exactly (THEORY.md C16).

A linear RNN h(t) = W h(t-1) + B u(t), y(t) = C h(t), h(-1) = 0, reads x(0..s-1) and then zeros, so
for t >= s it outputs sum_{tau<s} C W^(t-tau) B x(tau) with t - tau >= 1. For an LTI-realizable task
(C12) it solves every horizon iff its Markov parameters match the task's from lag 1 on:

    C W^k B = G_k = E_s^T Phi^k E_s     for every k >= 1;  C B = G_0 is never read (free).

So the smallest hidden size is a minimal *partial* realization problem with one free block X = C B
(proofs/c16_minimal_memory.py):

    n_min = min_X rank Hank(X, G_1, G_2, ...) = 2 rank H_1 - rank H_2 = rank H_1 + dim ker Abar,

H_1 = [G_{i+j+1}], H_2 = [G_{i+j+2}] (block Hankel, i, j >= 0) and (Abar, bbar, cbar) a minimal
realization of the shifted sequence F_j = G_{j+1} = cbar Abar^j bbar (size rank H_1, rank Abar =
rank H_2). A minimal RNN is W = [[Abar, 0], [kappa, 0]], B = [bbar; 0], C = [c_1, c_2] with kappa the
projection onto ker Abar along a complement Y and c_1 Abar + c_2 kappa = cbar: each Jordan chain of
Abar at 0 gains one state. n_min = rank H_1 iff Abar is invertible iff the map P induced by A_s on
R^d / K (K = the never-read subspace, ``TaskStructure``) is invertible; then n_min = s (d - dim K).

Everything is exact: lags become rationals (``symbolic.exact_lags``), matrices are SymPy
DomainMatrices over QQ, and the realization is certified by C W^k B = G_k for k = 1..n + sd, which
implies every k >= 1 (Cayley-Hamilton on the joint realization of size n + sd).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

from .eigenstructure import jordan_blocks
from .polymatrix import exact_roots, factor_over_Q
from .realizability import is_realizable
from .symbolic import Eigenvalue, exact_lags, symbolic_Phi
from .tasks import LinearHDS
from .wave_operator import LinearRNN, continuation_map

__all__ = [
    "Z", "exact_markov", "hankel_rank", "shifted_realization", "MinimalRealization", "minimal_realization",
    "min_state_dim", "exact_spectrum", "eigenvalue_json", "TaskStructure", "task_structure", "is_diagonalizable",
]

Z = sp.Symbol("z")
DM = DomainMatrix


def _check(task: object) -> LinearHDS:
    if not isinstance(task, LinearHDS):
        raise TypeError(f"task: expected a LinearHDS, got {type(task).__name__}")
    return task


def _qq(M: sp.Matrix) -> DM:
    return DM.from_Matrix(M).convert_to(QQ)


def _eye(n: int) -> DM:
    return DM.eye(n, QQ)


def _zeros(r: int, c: int) -> DM:
    return DM.zeros((r, c), QQ)


def _hstack(blocks: list[DM], rows: int) -> DM:
    blocks = [b for b in blocks if b.shape[1]]
    return blocks[0].hstack(*blocks[1:]) if blocks else _zeros(rows, 0)


def _vstack(blocks: list[DM], cols: int) -> DM:
    blocks = [b for b in blocks if b.shape[0]]
    return blocks[0].vstack(*blocks[1:]) if blocks else _zeros(0, cols)


def _mul(A: DM, B: DM) -> DM:
    """A B, also when the inner dimension is 0 (DomainMatrix refuses empty products of some shapes)."""
    return _zeros(A.shape[0], B.shape[1]) if A.shape[1] == 0 or 0 in B.shape or A.shape[0] == 0 else A * B


def _equal(A: DM, B: DM) -> bool:
    """A == B entrywise (DomainMatrix ``==`` also compares the sparse/dense storage)."""
    return A.shape == B.shape and (0 in A.shape or (A - B).is_zero_matrix)


def _column_basis(M: DM) -> DM:
    """The pivot columns of M (a basis of its column space; (rows, 0) when M = 0)."""
    _, piv = M.rref()
    return M.extract(list(range(M.shape[0])), list(piv)) if piv else _zeros(M.shape[0], 0)


def _row_basis(M: DM) -> DM:
    """The non-zero rows of rref(M) (a basis of its row space; (0, cols) when M = 0)."""
    R, piv = M.rref()
    return R.extract(list(range(len(piv))), list(range(M.shape[1]))) if piv else _zeros(0, M.shape[1])


def _left_inverse(T: DM) -> DM:
    """(T^T T)^-1 T^T for T of full column rank (exact)."""
    if T.shape[1] == 0:
        return _zeros(0, T.shape[0])
    return (T.transpose() * T).inv() * T.transpose()


def _right_inverse(L: DM) -> DM:
    """L^T (L L^T)^-1 for L of full row rank (exact)."""
    if L.shape[0] == 0:
        return _zeros(L.shape[1], 0)
    return L.transpose() * (L * L.transpose()).inv()


def _sympy(M: DM) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(*M.shape, [QQ.to_sympy(v) for v in M.to_Matrix()]) if 0 not in M.shape else sp.ImmutableMatrix.zeros(*M.shape)


def _float(M: DM | sp.MatrixBase) -> np.ndarray:
    M = M.to_Matrix() if isinstance(M, DM) else M
    return np.array(M.tolist(), dtype=float).reshape(M.shape)


# --------------------------------------------------------------------------- the task's exact data


def exact_markov(task: LinearHDS, n_max: int) -> list[DM]:
    """G_0..G_n_max over QQ (d x d each), G_n = E_s^T Phi^n E_s, from the exact impulse response (C16).

    Read from ``wave_operator.continuation_map(..., exact=True)`` (the one impulse response of the
    package), so G_0 = I and G_n = sum_{k<=min(n,s)} A_k G_{n-k}.

    >>> from wavetheory.theory.tasks import fibonacci
    >>> [g.to_Matrix()[0, 0] for g in exact_markov(fibonacci(1, 2), 5)]
    [1, 1, 2, 3, 5, 8]
    """
    task = _check(task)
    s, d = task.s, task.d
    out = [_eye(d)]
    if n_max < 1:
        return out
    K = continuation_map(task, n_max, exact=True)[(s - 1) * d :]  # (d, n_max d): [j, (n-1) d + m] = G_n[m, j]
    for n in range(1, n_max + 1):
        blk = K[:, (n - 1) * d : n * d].T
        out.append(DM([[QQ(v.numerator, v.denominator) for v in row] for row in blk], (d, d), QQ))
    return out


def hankel_rank(task: LinearHDS, offset: int, blocks: int | None = None) -> int:
    """rank [G_{i+j+offset}]_{i, j < N} (exact), N = ``blocks`` (default sd: the rank of the infinite Hankel).

    The Hankel road of C16: rank H_1 = hankel_rank(task, 1), rank H_2 = hankel_rank(task, 2). With N >= sd
    block rows and columns the truncation has the rank of the infinite matrix (Cayley-Hamilton on Phi).

    >>> from wavetheory.theory.tasks import repeat_copy
    >>> hankel_rank(repeat_copy(2, 3), 1), hankel_rank(repeat_copy(2, 3), 2)
    (6, 6)
    """
    task = _check(task)
    N = task.s * task.d if blocks is None else int(blocks)
    G = exact_markov(task, 2 * N + offset)
    rows = [_hstack([G[offset + i + j] for j in range(N)], task.d) for i in range(N)]
    return _vstack(rows, N * task.d).rank()


@functools.lru_cache(maxsize=256)
def _shifted(task: LinearHDS) -> tuple[DM, DM, DM]:
    s, d = task.s, task.d
    Phi = _qq(symbolic_Phi(exact_lags(task)))
    n = s * d
    Es = _vstack([_zeros((s - 1) * d, d), _eye(d)], d)
    b, c = Phi * Es, Es.transpose()
    # reachable subspace of (Phi, Phi E_s): the column space of its Krylov matrix
    cols, v = [], b
    for _ in range(n):
        cols.append(v)
        v = Phi * v
    T = _column_basis(_hstack(cols, n))  # (n, nV), full column rank
    Ti = _left_inverse(T)
    A_V, b_V, c_V = _mul(Ti, Phi * T) if T.shape[1] else _zeros(0, 0), _mul(Ti, b), _mul(c, T)
    # quotient by the unobservable part: L = a basis of the row space of the observability matrix
    nV = T.shape[1]
    rows, w = [], c_V
    for _ in range(nV):
        rows.append(w)
        w = _mul(w, A_V)
    L = _row_basis(_vstack(rows, nV)) if nV else _zeros(0, 0)  # (r, nV), full row rank
    Li = _right_inverse(L)
    return _mul(L, _mul(A_V, Li)), _mul(L, b_V), _mul(c_V, Li)


def shifted_realization(task: LinearHDS) -> tuple[sp.ImmutableMatrix, sp.ImmutableMatrix, sp.ImmutableMatrix]:
    """A minimal realization (Abar, bbar, cbar) of F_j = G_{j+1}: cbar Abar^j bbar = G_{j+1}, j >= 0 (C16).

    The Kalman reduction of (Phi, Phi E_s, E_s^T): restrict to the reachable subspace, then quotient by
    the unobservable one. Its size is rank H_1 and rank Abar = rank H_2 (Ho-Kalman). Any task (realizable
    or not): this is the strictly proper part the network must reproduce.
    """
    return tuple(_sympy(M) for M in _shifted(_check(task)))  # type: ignore[return-value]


def _kernel_projection(Ab: DM) -> tuple[DM, DM, DM]:
    """(Y, Kb, kappa): a complement Y of ker Abar (standard vectors), a basis Kb of ker Abar, kappa along Y."""
    r = Ab.shape[0]
    Kb = Ab.nullspace().transpose() if r else _zeros(0, 0)  # (r, g) columns span ker Abar
    Kb = Kb if Kb.shape[1] and not Kb.is_zero_matrix else _zeros(r, 0)
    g = Kb.shape[1]
    Ycols: list[DM] = []
    for j in range(r):
        e = DM([[QQ(int(q == j))] for q in range(r)], (r, 1), QQ)
        if _hstack([Kb] + Ycols + [e], r).rank() == g + len(Ycols) + 1:
            Ycols.append(e)
    Y = _hstack(Ycols, r)
    basis_inv = _hstack([Y, Kb], r).inv() if r else _zeros(0, 0)
    kappa = basis_inv.extract(list(range(r - g, r)), list(range(r))) if g else _zeros(0, r)
    return Y, Kb, kappa


# --------------------------------------------------------------------------- the minimal realization


@dataclass(frozen=True)
class MinimalRealization:
    """An exact minimal linear RNN (W, B, C) of a realizable two-phase task and its Hankel data (C16).

    ``n`` = n_min = ``rank_H1`` + ``kernel`` (``kernel`` = dim ker Abar = rank H_1 - rank H_2);
    ``X`` = C B, the free block this realization chose; ``verified_k``: C W^k B = G_k was checked
    exactly for k = 1..verified_k (= n + sd, which certifies every k >= 1). Matrices are exact
    (``sympy.ImmutableMatrix``); ``linear_rnn()`` gives the float network.
    """

    n: int
    rank_H1: int
    rank_H2: int
    W: sp.ImmutableMatrix
    B: sp.ImmutableMatrix
    C: sp.ImmutableMatrix
    X: sp.ImmutableMatrix
    Abar: sp.ImmutableMatrix
    verified_k: int

    @property
    def kernel(self) -> int:
        """dim ker Abar: the states added to rank H_1, one per Jordan chain of Abar at 0."""
        return self.rank_H1 - self.rank_H2

    def linear_rnn(self) -> LinearRNN:
        """The realization as float64 weights in torch.nn.RNN conventions (W_hh = W, W_uh = B, W_hy = C)."""
        return LinearRNN(_float(self.W), _float(self.B), _float(self.C))

    def to_json(self) -> dict[str, Any]:
        return {"min_state_dim": self.n, "rank_H1": self.rank_H1, "rank_H2": self.rank_H2, "kernel": self.kernel,
                "verified_k": self.verified_k, "W": [[str(v) for v in row] for row in self.W.tolist()]}


def _markov_of(W: DM, B: DM, C: DM, k_max: int) -> list[DM]:
    out, P = [], B
    for _ in range(k_max + 1):
        out.append(_mul(C, P))
        P = _mul(W, P)
    return out


@functools.lru_cache(maxsize=256)
def _minimal(task: LinearHDS) -> MinimalRealization:
    s, d = task.s, task.d
    Ab, bb, cb = _shifted(task)
    r1 = Ab.shape[0]
    Y, Kb, kappa = _kernel_projection(Ab)
    g = Kb.shape[1]
    if g:  # c_1 (Abar Y) = cbar Y (Abar is injective on Y), c_2 = (cbar - c_1 Abar) on ker Abar
        c1 = _mul(_mul(cb, Y), _left_inverse(_mul(Ab, Y))) if Y.shape[1] else _zeros(d, r1)
        c2 = _mul(cb - _mul(c1, Ab), Kb)
        W = _vstack([_hstack([Ab, _zeros(r1, g)], r1), _hstack([kappa, _zeros(g, g)], g)], r1 + g)
        B, C = _vstack([bb, _zeros(g, d)], d), _hstack([c1, c2], d)
    else:  # Abar invertible: W = Abar, B = bbar, C = cbar Abar^-1
        W, B, C = Ab, bb, _mul(cb, Ab.inv()) if r1 else _zeros(d, 0)
    n = r1 + g
    K = n + s * d
    G = exact_markov(task, K)
    Gw = _markov_of(W, B, C, K)
    if not all(_equal(Gw[k], G[k]) for k in range(1, K + 1)):  # pragma: no cover - the construction is a theorem
        raise RuntimeError("minimal realization: C W^k B != G_k (construction failed)")
    r2 = r1 - g
    return MinimalRealization(n, r1, r2, _sympy(W), _sympy(B), _sympy(C), _sympy(Gw[0]), _sympy(Ab), K)


def minimal_realization(task: LinearHDS) -> MinimalRealization:
    """An exact smallest linear RNN solving the two-phase task at every horizon (C16).

        n_min = 2 rank H_1 - rank H_2,   W = [[Abar, 0], [kappa, 0]],   C W^k B = G_k (k >= 1)

    Raises ValueError when the task is not LTI-realizable (C12: then no linear RNN of any size solves it).

    >>> from wavetheory.theory.tasks import repeat_copy, signed_selection
    >>> minimal_realization(repeat_copy(3, 5)).n, minimal_realization(signed_selection("x0(t-3), x0(t-1)")).n
    (15, 3)
    """
    task = _check(task)
    if not is_realizable(task):
        raise ValueError("task: not LTI-realizable at every horizon (C12: some A_i A_k != 0 with k < s); "
                         "no linear RNN of any size solves it, so n_min is undefined")
    return _minimal(task)


def min_state_dim(task: LinearHDS) -> int | None:
    """n_min = 2 rank H_1 - rank H_2, the smallest hidden size of a linear RNN solving every horizon; None if not realizable (C16).

    >>> from wavetheory.theory.tasks import LinearHDS, fibonacci
    >>> min_state_dim(LinearHDS([[[0, 0], [1, 0]], [[0, 0], [0, 0]]])), min_state_dim(fibonacci(1, 2))
    (2, None)
    """
    task = _check(task)
    return minimal_realization(task).n if is_realizable(task) else None


# --------------------------------------------------------------------------- exact spectrum and Jordan structure


def exact_spectrum(W: sp.MatrixBase) -> list[Eigenvalue]:
    """The eigenvalues of a rational matrix with multiplicities and Jordan blocks, exactly (C15, C16).

    charpoly factored over Q (``polymatrix.factor_over_Q``); for an irreducible factor f of degree e
    and multiplicity a, every root has the Jordan blocks of the rank sequence

        r_k = a - (n - rank f(W)^k) / e      (``eigenstructure.jordan_blocks``)

    >>> [(e.value, e.jordan) for e in exact_spectrum(sp.Matrix([[0, 1], [0, 0]]))]
    [(0, (2,))]
    """
    M = _qq(sp.Matrix(W))
    n = M.shape[0]
    if n == 0:
        return []
    cp = sp.Poly([QQ.to_sympy(c) for c in M.charpoly()], Z)
    out = []
    for f, a in factor_over_Q(cp)[1]:
        fq = [QQ.from_sympy(c) for c in f.all_coeffs()]
        F = M.eval_poly(fq)
        ranks, P = [a], _eye(n)
        for _ in range(a):
            P = P * F
            ranks.append(a - (n - P.rank()) // f.degree())
            if ranks[-1] == ranks[-2] or ranks[-1] == 0:
                break
        blocks = jordan_blocks(ranks)
        out += [Eigenvalue(r, f, a, len(blocks), blocks) for r in exact_roots(f)]
    return out


def eigenvalue_json(e: Eigenvalue) -> dict[str, Any]:
    """One exact eigenvalue as JSON: exact value, float [re, im], factor over Q, multiplicities, Jordan blocks."""
    z = complex(sp.N(e.value, 30))
    return {"value": str(e.value), "numeric": [z.real, z.imag], "factor": str(e.factor.as_expr()),
            "algebraic": e.algebraic, "geometric": e.geometric, "jordan": list(e.jordan)}


def is_diagonalizable(W: sp.MatrixBase) -> bool:
    """True iff the rational matrix W is diagonalizable over C (every Jordan block has size 1), exactly.

    >>> is_diagonalizable(sp.Matrix([[0, -1], [1, 0]])), is_diagonalizable(sp.Matrix([[1, 1], [0, 1]]))
    (True, False)
    """
    return all(max(e.jordan, default=1) == 1 for e in exact_spectrum(W))


# --------------------------------------------------------------------------- structure of a realizable task


@dataclass(frozen=True)
class TaskStructure:
    """A realizable task in adapted coordinates R^d = K' + K (K = the intersection of ker A_i, never read) (C16).

        x'(t) = P x'(t - s),   x_K(t) = sum_j Q_j x'(t - j),   P = the map A_s induces on R^d / K

    ``d_prime`` = d - dim K; n_min = s d' when P is invertible, n_min > rank H_1 when P is singular.
    """

    dim_K: int
    d_prime: int
    P: sp.ImmutableMatrix
    P_invertible: bool
    P_diagonalizable: bool

    def to_json(self) -> dict[str, Any]:
        return {"dim_K": self.dim_K, "d_prime": self.d_prime, "P": [[str(v) for v in r] for r in self.P.tolist()],
                "P_invertible": self.P_invertible, "P_diagonalizable": self.P_diagonalizable}


def task_structure(task: LinearHDS) -> TaskStructure:
    """The never-read subspace K, d' = d - dim K and the induced map P of a realizable task, exactly (C16).

    >>> from wavetheory.theory.tasks import signed_selection
    >>> st = task_structure(signed_selection("x0(t-3), x0(t-1)"))
    >>> st.dim_K, st.d_prime, st.P.tolist(), st.P_invertible
    (1, 1, [[1]], True)
    """
    task = _check(task)
    if not is_realizable(task):
        raise ValueError("task: not LTI-realizable (C12); the adapted coordinates need A_i A_k = 0 for k < s")
    d = task.d
    A = [_qq(a) for a in exact_lags(task)]
    L = _vstack(A, d)  # ker L = K
    Kb = L.nullspace().transpose() if not L.is_zero_matrix else _eye(d)
    Kb = Kb if Kb.shape[1] and not Kb.is_zero_matrix else _zeros(d, 0)
    comp: list[DM] = []
    for j in range(d):
        e = DM([[QQ(int(q == j))] for q in range(d)], (d, 1), QQ)
        if _hstack(comp + [Kb, e], d).rank() == len(comp) + Kb.shape[1] + 1:
            comp.append(e)
    T = _hstack(comp + [Kb], d)  # columns: K' then K
    dp = len(comp)
    P = (T.inv() * A[-1] * T).extract(list(range(dp)), list(range(dp))) if dp else _zeros(0, 0)
    Ps = _sympy(P)
    return TaskStructure(d - dp, dp, Ps, dp == 0 or P.rank() == dp, is_diagonalizable(Ps))
