"""Numerical eigenstructure of the wave operator Phi: spectra, Jordan chains, conditioning (C4, C7).

Four measurements, each checked against an exact road:

* ``match_eigenvalues``: pair two spectra (theory vs numbers, or theory vs a learned W_hh)
  with a minimum-cost assignment (scipy.optimize.linear_sum_assignment);
* ``rank_sequence`` / ``jordan_blocks`` / ``jordan_structure``: the Jordan structure read off
  the ranks r_k = rank (M - lambda I)^k (the number of Jordan blocks of size >= k is
  r_{k-1} - r_k);
* ``selection_jordan_structure``: the *exact* spectrum and Jordan structure of Phi for a signed
  (partial) selection task, by combinatorics of the map "cell p reads cell f(p)" (no floats);
* ``eigenvector_condition``, ``eigenvalue_condition_numbers``, ``departure_from_normality``,
  ``cluster_spread``: how well the numbers can see that structure (eps^(1/m) spread of a
  Jordan block of size m, condition of eigenvector bases as s grows).

Why the selection structure is exact. For a signed selection task every row p of Phi holds one
entry sigma_p = +-1 at column f(p) (or none): transport rows read the next column, boundary rows
read the bound cell. So (Phi^k h)(p) = (signs) h(f^k(p)), rows of Phi^k are signed unit rows and

    rank Phi^k = |f^k(cells)|                                             (image sizes of the map)

which fixes the Jordan blocks at 0 (the trees of the functional graph). On the cycles C of f,
Phi restricted to range Phi^N (N >= sd) is conjugate to the signed permutation of C (the
restriction g -> g|_C is injective there), hence diagonalizable: a cycle of length L with sign
product sigma contributes the L simple roots of lambda^L = sigma, and every eigenvalue on the
unit circle is semisimple. The proof is proofs/c4_jordan_rank_sequence.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .tasks import LinearHDS
from .._validate import as_float_array
from .wave_operator import boundary_row

__all__ = [
    "EigenvalueMatch",
    "match_eigenvalues",
    "rank_sequence",
    "jordan_blocks",
    "JordanData",
    "jordan_structure",
    "selection_map",
    "selection_jordan_structure",
    "structure_eigenvalues",
    "eigenvector_condition",
    "eigenvalue_condition_numbers",
    "departure_from_normality",
    "cluster_spread",
]

# Default relative rank tolerance: singular values below RANK_RTOL * max(1, ||M||_2) count as zero.
# Justification (measured over 900 random selection tasks, d <= 4, s <= 6, at their exact
# eigenvalues, in every step of the staircase below): singular values that are zero in exact
# arithmetic came out <= 6e-16 (identity basis), 6e-15 (orthogonal), 1e-10 (cond < 1e3 basis),
# relative to max(1, ||M||); the non-zero ones >= 3e-2, 5e-2 and 6e-6 (bounded below by the
# distance of lambda to the other eigenvalues over the basis condition). 1e-8 sits geometrically
# in the middle of the worst gap; tests/test_eigenstructure.py checks the exact structures.
RANK_RTOL = 1e-8


# --------------------------------------------------------------------------- matching spectra


@dataclass(frozen=True)
class EigenvalueMatch:
    """A pairing a[index_a[i]] <-> b[index_b[i]] with distances |a - b|, sorted by index_a.

    Every element of the shorter array is matched to a distinct element of the longer one.
    """

    index_a: np.ndarray  # (m,) int
    index_b: np.ndarray  # (m,) int
    distance: np.ndarray  # (m,) float
    size_a: int
    size_b: int

    @property
    def max_distance(self) -> float:
        """The largest distance of a matched pair (0.0 for empty inputs)."""
        return float(self.distance.max()) if self.distance.size else 0.0

    @property
    def unmatched_b(self) -> np.ndarray:
        """Indices of b left without a partner (e.g. the padding eigenvalues of a learned W_hh)."""
        return np.setdiff1d(np.arange(self.size_b), self.index_b)

    @property
    def unmatched_a(self) -> np.ndarray:
        """Indices of a left without a partner (only when a is the longer array)."""
        return np.setdiff1d(np.arange(self.size_a), self.index_a)


def match_eigenvalues(a: np.ndarray, b: np.ndarray, partial: bool = False) -> EigenvalueMatch:
    """Match two multisets of eigenvalues minimizing the total distance sum |a_i - b_pi(i)| (C4, C7).

    Equal lengths by default (a ValueError otherwise). With ``partial=True`` and len(a) = m <= len(b)
    = n (theory a, learned or numeric b) each a_i gets a distinct b_j; the n - m left over are
    ``unmatched_b``. With m > n the roles swap (n pairs). Multiplicities are respected because each
    element is used at most once.

    >>> m = match_eigenvalues(np.array([1.0, -1.0]), np.array([-0.9, 0.01, 1.1]), partial=True)
    >>> m.index_b.tolist(), m.distance.round(6).tolist(), m.unmatched_b.tolist()
    ([2, 0], [0.1, 0.1], [1])
    """
    from scipy.optimize import linear_sum_assignment

    a = np.asarray(a, dtype=complex).ravel()
    b = np.asarray(b, dtype=complex).ravel()
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("a, b: eigenvalues must be finite")
    if a.size != b.size and not partial:
        raise ValueError(f"a, b: {a.size} and {b.size} eigenvalues; pass partial=True to match the shorter into the longer")
    cost = np.abs(a[:, None] - b[None, :])  # (m, n)
    rows, cols = linear_sum_assignment(cost)  # rectangular: min(m, n) pairs, rows sorted
    return EigenvalueMatch(rows, cols, cost[rows, cols], a.size, b.size)


# --------------------------------------------------------------------------- Jordan structure from ranks


def rank_sequence(M: np.ndarray, lam: complex, k_max: int | None = None, rtol: float = RANK_RTOL) -> np.ndarray:
    """Ranks r_k = rank (M - lam I)^k for k = 0, 1, ... until they stop changing (or k_max).

    Computed without forming powers (whose non-zero singular values shrink like sep^k): with
    B = M - lam I and N_{k-1} an orthonormal basis of ker B^{k-1},

        ker B^k = { x : B x in ker B^{k-1} } = ker (I - N_{k-1} N_{k-1}^*) B,

    so each step is one SVD of an n x n matrix whose singular values live on the scale of B.
    A singular value is zero when below ``rtol * max(1, ||M||_2)`` (see RANK_RTOL).

    >>> rank_sequence(np.array([[0.0, 1.0], [0.0, 0.0]]), 0.0).tolist()
    [2, 1, 0]
    """
    M = as_float_array(M, "M", ndim=2) if not np.iscomplexobj(M) else np.asarray(M)
    n = M.shape[0]
    if M.shape != (n, n):
        raise ValueError(f"M: expected a square matrix, got shape {M.shape}")
    k_max = n if k_max is None else int(k_max)
    tol = rtol * max(1.0, float(np.linalg.norm(M, 2)) if n else 1.0)
    B = M.astype(complex) - complex(lam) * np.eye(n)
    ranks = [n]
    N = np.zeros((n, 0), dtype=complex)  # basis of ker B^0 = {0}
    for _ in range(k_max):
        P = B - N @ (N.conj().T @ B)  # (I - N N^*) B
        _, sv, Vh = np.linalg.svd(P)
        nullity = int(np.sum(sv <= tol))
        N = Vh[n - nullity :].conj().T if nullity else np.zeros((n, 0), dtype=complex)
        ranks.append(n - nullity)
        if ranks[-1] == ranks[-2]:
            break
    return np.array(ranks)


def jordan_blocks(ranks: np.ndarray) -> tuple[int, ...]:
    """Jordan block sizes (descending) from a rank sequence r_0 = n, r_1, r_2, ... (C4).

    #blocks of size >= k is r_{k-1} - r_k; #blocks of size exactly k is
    r_{k-1} - 2 r_k + r_{k+1} (the sequence is extended by its last value).

    >>> jordan_blocks([5, 2, 1, 1])
    (2, 1, 1)
    """
    r = [int(x) for x in ranks] + [int(ranks[-1])] * 2
    ge = [r[k - 1] - r[k] for k in range(1, len(r))]  # ge[k-1] = #blocks of size >= k
    if any(g < 0 for g in ge) or any(ge[i] < ge[i + 1] for i in range(len(ge) - 1)):
        raise ValueError(f"ranks: not a valid rank sequence of powers (differences must not increase): {list(ranks)}")
    out: list[int] = []
    for k in range(len(ge), 0, -1):
        exact = ge[k - 1] - (ge[k] if k < len(ge) else 0)
        out += [k] * exact
    return tuple(out)


@dataclass(frozen=True)
class JordanData:
    """One eigenvalue with its Jordan block sizes; ``turn`` = exact angle / 2pi (None for 0)."""

    value: complex
    blocks: tuple[int, ...]
    turn: Fraction | None = None

    @property
    def multiplicity(self) -> int:
        """Algebraic multiplicity (sum of the block sizes)."""
        return int(sum(self.blocks))

    @property
    def geometric(self) -> int:
        """Geometric multiplicity (number of blocks)."""
        return len(self.blocks)


def jordan_structure(M: np.ndarray, eigenvalues: np.ndarray, rtol: float = RANK_RTOL) -> list[JordanData]:
    """Numerical Jordan structure of M at the given *distinct* eigenvalues (C4).

    Give the distinct eigenvalues exactly (theory) or as cluster means (the mean of a cluster
    split by eps^(1/m) is accurate to O(eps)); the individual split eigenvalues of a defective
    cluster would each report the whole block. Blocks come from ``rank_sequence``.
    """
    return [JordanData(complex(lam), jordan_blocks(rank_sequence(M, lam, rtol=rtol))) for lam in np.ravel(eigenvalues)]


# --------------------------------------------------------------------------- exact: signed selection tasks


def selection_map(task: LinearHDS) -> tuple[np.ndarray, np.ndarray]:
    """The map of a signed (partial) selection task: row p of Phi is sign[p] * e_{f[p]}^T.

    Returns (f, sign), shape (sd,) each; f[p] = -1 and sign[p] = 0 where row p of Phi is zero.
    Raises ValueError when some row of the boundary [A_s ... A_1] has more than one non-zero
    or an entry other than 0, +1, -1.
    """
    if not isinstance(task, LinearHDS):
        raise TypeError(f"task: expected a LinearHDS, got {type(task).__name__}")
    row = boundary_row(task)  # (d, sd)
    if not np.all(np.isin(row, (-1.0, 0.0, 1.0))) or np.any(np.count_nonzero(row, axis=1) > 1):
        raise ValueError("task: expected a signed selection task (each A_k row has at most one entry +-1)")
    d, s = task.d, task.s
    n = s * d
    f = np.full(n, -1)
    sign = np.zeros(n, dtype=int)
    f[: n - d] = np.arange(d, n)  # transport: h_i reads h_{i+1}
    sign[: n - d] = 1
    for r in range(d):
        nz = np.flatnonzero(row[r])
        if nz.size:
            f[n - d + r], sign[n - d + r] = nz[0], int(row[r, nz[0]])
    return f, sign


def selection_jordan_structure(task: LinearHDS) -> list[JordanData]:
    """Exact eigenvalues and Jordan blocks of Phi for a signed selection task (C4).

    Zero: blocks from rank Phi^k = |f^k(cells)|. Unit circle: a cycle of f of length L with
    sign product sigma gives lambda = exp(2 pi i (2j + [sigma < 0]) / (2L)), j = 0..L-1, all
    semisimple (blocks of size 1). Sorted by turn, zero first.

    >>> from wavetheory import signed_selection
    >>> [(str(j.turn), j.blocks) for j in selection_jordan_structure(signed_selection("x0(t-1)", s=3))]
    [('None', (2,)), ('0', (1,))]
    """
    f, sign = selection_map(task)
    n = f.size
    # rank sequence at 0: sizes of the images of the iterates (undefined chains drop out)
    ranks = [n]
    alive = np.arange(n)  # cells p whose chain f^k(p) is defined, mapped to f^k(p)
    while True:
        alive = f[alive]
        alive = alive[alive >= 0]
        ranks.append(np.unique(alive).size)
        if ranks[-1] == ranks[-2]:
            break
    # cycles: walk from every cell; a cell is on a cycle if f^L(p) = p for some L <= n
    turns: dict[Fraction, int] = {}
    seen = np.zeros(n, dtype=bool)
    for p in range(n):
        if seen[p]:
            continue
        path, q = [], p
        while q >= 0 and not seen[q] and q not in path:
            path.append(q)
            q = f[q]
        if q >= 0 and q in path:  # a new cycle: path[path.index(q):]
            cycle = path[path.index(q) :]
            L = len(cycle)
            neg = int(np.prod(sign[cycle]) < 0)
            for j in range(L):
                t = Fraction(2 * j + neg, 2 * L) % 1
                turns[t] = turns.get(t, 0) + 1
        seen[path] = True
    out = []
    zero_blocks = jordan_blocks(ranks)
    if zero_blocks:
        out.append(JordanData(0j, zero_blocks, None))
    for t in sorted(turns):
        out.append(JordanData(complex(np.exp(2j * np.pi * float(t))), (1,) * turns[t], t))
    return out


def structure_eigenvalues(structure: list[JordanData]) -> np.ndarray:
    """All eigenvalues with multiplicity (complex array) from a list of JordanData."""
    vals = [j.value for j in structure for _ in range(j.multiplicity)]
    return np.array(vals, dtype=complex)


# --------------------------------------------------------------------------- conditioning


def eigenvector_condition(M: np.ndarray) -> float:
    """2-norm condition number of the (unit-column) eigenvector matrix V of np.linalg.eig.

    kappa(V) bounds the eigenvalue perturbation (Bauer-Fike: |d lambda| <= kappa(V) ||dM||); it is
    1 for a normal matrix with distinct eigenvalues and infinite (1/eps numerically) for a
    defective one. For a repeated semisimple eigenvalue LAPACK's basis of the eigenspace need not
    be orthonormal, so kappa(V) may exceed the best value 1 (see ``departure_from_normality``).
    """
    M = np.asarray(M)
    _, V = np.linalg.eig(M)
    return float(np.linalg.cond(V))


def eigenvalue_condition_numbers(M: np.ndarray) -> np.ndarray:
    """Wilkinson condition numbers kappa_i = 1 / |y_i^* x_i| (unit left/right eigenvectors), sorted
    like ``np.linalg.eig``'s eigenvalues of scipy.linalg.eig."""
    from scipy.linalg import eig

    _, Y, X = eig(np.asarray(M), left=True, right=True)
    Y = Y / np.linalg.norm(Y, axis=0)
    X = X / np.linalg.norm(X, axis=0)
    with np.errstate(divide="ignore"):
        return 1.0 / np.abs(np.sum(Y.conj() * X, axis=0))


def departure_from_normality(M: np.ndarray) -> float:
    """Henrici's departure from normality ||N||_F, M = Q (D + N) Q^* (complex Schur form).

    Zero exactly when M is normal (e.g. the permutation matrix Phi of repeat copy); it is the
    gap between ||M^k|| and rho^k in Gelfand's formula (C5).
    """
    from scipy.linalg import schur

    T, _ = schur(np.asarray(M, dtype=complex), output="complex")
    return float(np.linalg.norm(np.triu(T, 1)))


def cluster_spread(M: np.ndarray, center: complex, count: int) -> float:
    """max |lambda_i - center| over the ``count`` eigenvalues of M closest to ``center``.

    A semisimple eigenvalue of multiplicity m stays within O(eps ||M||) under rounding; a Jordan
    block of size m splits into m eigenvalues on a circle of radius ~ (eps ||M||)^(1/m).
    """
    ev = np.linalg.eigvals(np.asarray(M))
    if not 1 <= count <= ev.size:
        raise ValueError(f"count: expected 1 <= count <= {ev.size}, got {count}")
    return float(np.sort(np.abs(ev - center))[count - 1])
