"""Exact (SymPy) theory of the wave operator Phi: spectrum, Jordan structure, Jacobians (C3, C4, C5, C11).

The wave operator of a linear boundary condition is the block companion matrix

    Phi = S + E_s [A_s ... A_1]                                  (sd x sd, THEORY.md section 3)

and everything about its spectrum is carried by the d x d polynomial matrix

    M(lam) = lam^s I - sum_{k=1..s} lam^(s-k) A_k:

    det(lam I - Phi) = det M(lam)                                (C4, proofs/c4_block_determinant.py)
    dim ker(lam I - Phi) = dim ker M(lam)                        (proofs/lemma_geometric_multiplicity.py)
    lam I - Phi ~ diag(I_{(s-1)d}, M(lam)) (unimodular), so the Jordan block sizes of an eigenvalue
    are the exponents of its minimal polynomial in the invariant factors of M (same proof file).

So the hot path never forms the sd x sd determinant: it computes det M over Q[lam] (fraction-free
Bareiss on polynomial entries, after splitting M into strongly connected diagonal blocks),
factors over Q, and finds geometric multiplicities as d - rank M over the field Q[lam]/(f).
Lags may be integer, rational, float (converted exactly) or SymPy symbols (charpoly and factors).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import sympy as sp

from .._validate import positive_int
from .polymatrix import det_pieces, exact_roots, factor_det, rank_mod, smith_exponents
from .tasks import LinearHDS

__all__ = [
    "LAM", "exact_lags", "symbolic_lags", "symbolic_Phi", "E_block", "block_polynomial_matrix",
    "symbolic_charpoly", "generic_charpoly", "factor_charpoly", "Eigenvalue", "eigen_structure",
    "Derivation", "derive", "markov_parameters", "Phi_power", "boundary_jacobian",
    "boundary_jacobian_closed_form", "c5_bound_without_waves", "c5_with_waves",
    "tanh_jacobian_at_zero", "to_latex",
]

LAM = sp.Symbol("lam")
Lags = Sequence[sp.Matrix]


# --------------------------------------------------------------------------- exact lag operators


def _exact_number(v: float, rationalize: str) -> sp.Expr:
    if float(v).is_integer():
        return sp.Integer(int(v))
    return sp.nsimplify(v, rational=True) if rationalize == "nsimplify" else sp.Rational(v)


def exact_lags(task: LinearHDS | Sequence[Any], rationalize: str = "exact") -> list[sp.Matrix]:
    """The lag operators [A_1, ..., A_s] as exact SymPy matrices (section 1).

    Floats become rationals: ``rationalize="exact"`` keeps the exact binary value
    (``sympy.Rational(0.1) = 3602879701896397/36028797018963968``), ``"nsimplify"`` the simplest
    nearby rational (1/10). Symbolic entries are kept.

    >>> exact_lags([[[0.5]], [[2]]])
    [Matrix([[1/2]]), Matrix([[2]])]
    """
    if rationalize not in ("exact", "nsimplify"):
        raise ValueError(f"rationalize: expected 'exact' or 'nsimplify', got {rationalize!r}")
    if isinstance(task, LinearHDS):
        return [sp.Matrix(task.d, task.d, [_exact_number(v, rationalize) for v in a.ravel()]) for a in task.lags]
    if isinstance(task, (str, bytes)) or not isinstance(task, (Sequence, np.ndarray)) or len(task) == 0:
        raise TypeError("lags: expected a LinearHDS or a non-empty list [A_1, ..., A_s] of d x d matrices")
    out = []
    for k, a in enumerate(task):
        try:
            m = sp.Matrix(a)
        except (TypeError, ValueError, sp.SympifyError) as exc:
            raise ValueError(f"lags[{k}] (A_{k + 1}): expected a d x d matrix ({exc})") from None
        if any(v.has(sp.nan, sp.oo, -sp.oo, sp.zoo) or (isinstance(v, sp.Float) and not math.isfinite(float(v))) for v in m):
            raise ValueError(f"lags[{k}] (A_{k + 1}): NaN or infinite entries")
        m = m.applyfunc(lambda v: _exact_number(float(v), rationalize) if isinstance(v, sp.Float) else v)
        out.append(m)
    d = out[0].rows
    for k, m in enumerate(out):
        if m.shape != (d, d) or d == 0:
            raise ValueError(f"lags[{k}] (A_{k + 1}): expected shape ({d}, {d}), got {m.shape}")
    return out


_lags = exact_lags  # every public function accepts a LinearHDS, nested lists, arrays or SymPy matrices


def symbolic_lags(d: int, s: int, name: str = "a") -> list[sp.Matrix]:
    """Fully symbolic lags: (A_k)_{ij} = Symbol(f"{name}{k}_{i}{j}") for k = 1..s (0-based i, j).

    >>> symbolic_lags(1, 2)
    [Matrix([[a1_00]]), Matrix([[a2_00]])]
    """
    if d < 1 or s < 1:
        raise ValueError(f"d, s: expected integers >= 1, got d = {d}, s = {s}")
    return [sp.Matrix(d, d, lambda i, j: sp.Symbol(f"{name}{k}_{i}{j}")) for k in range(1, s + 1)]


def E_block(d: int, s: int, i: int) -> sp.Matrix:
    """Block selector E_i (sd x d): identity in block row i (1-based), C3."""
    if not 1 <= i <= s:
        raise ValueError(f"i: expected 1 <= i <= s = {s}, got {i}")
    out = sp.zeros(s * d, d)
    out[(i - 1) * d : i * d, :] = sp.eye(d)
    return out


def symbolic_Phi(task: LinearHDS | Lags) -> sp.Matrix:
    """Exact wave operator Phi = S + E_s [A_s ... A_1] (sd x sd), C3/C4.

    >>> symbolic_Phi(symbolic_lags(1, 2))
    Matrix([
    [    0,     1],
    [a2_00, a1_00]])
    """
    A = _lags(task)
    s, d = len(A), A[0].rows
    out = sp.zeros(s * d, s * d)
    for i in range(s - 1):
        out[i * d : (i + 1) * d, (i + 1) * d : (i + 2) * d] = sp.eye(d)
    for i in range(s):  # block column i + 1 of the boundary row holds A_{s-i}
        out[(s - 1) * d :, i * d : (i + 1) * d] = A[s - 1 - i]
    return out


def block_polynomial_matrix(task: LinearHDS | Lags, lam: sp.Symbol = LAM) -> sp.Matrix:
    """M(lam) = lam^s I - sum_k lam^(s-k) A_k (d x d), whose determinant is det(lam I - Phi) (C4).

    >>> block_polynomial_matrix(symbolic_lags(1, 2))
    Matrix([[-a1_00*lam - a2_00 + lam**2]])
    """
    A = _lags(task)
    s, d = len(A), A[0].rows

    def entry(i: int, j: int) -> sp.Expr:
        terms = [-A[k - 1][i, j] * lam ** (s - k) for k in range(1, s + 1) if A[k - 1][i, j] != 0]
        return sp.expand(sp.Add(lam**s if i == j else sp.Integer(0), *terms))

    return sp.Matrix(d, d, entry)


# --------------------------------------------------------------------------- characteristic polynomial


def symbolic_charpoly(task: LinearHDS | Lags, lam: sp.Symbol = LAM) -> sp.Poly:
    """det(lam I - Phi) through the block formula det(lam^s I - sum_k lam^(s-k) A_k) (C4).

    Cost: d x d determinants over Q[lam] (never the sd x sd one).

    >>> from wavetheory.theory.tasks import repeat_copy
    >>> symbolic_charpoly(repeat_copy(2, 3)).as_expr()
    lam**6 - 2*lam**3 + 1
    """
    pieces = det_pieces(block_polynomial_matrix(task, lam), lam)
    out = pieces[0]
    for p in pieces[1:]:
        out = out * p
    return out


def generic_charpoly(task: LinearHDS | Lags, lam: sp.Symbol = LAM) -> sp.Poly:
    """Reference road: SymPy's generic ``Matrix.charpoly`` of the dense sd x sd Phi (slow, tests only)."""
    return sp.Poly(symbolic_Phi(task).charpoly(lam).as_expr(), lam)


def factor_charpoly(task: LinearHDS | Lags, lam: sp.Symbol = LAM) -> tuple[sp.Expr, list[tuple[sp.Poly, int]]]:
    """Exact factorization of det(lam I - Phi) over Q (or Z[symbols]): (coefficient, [(factor, mult)]).

    Each diagonal block of M is factored separately (``polymatrix.factor_over_Q``) and equal
    factors are merged; for signed-selection tasks the blocks are cycles and factor into powers
    of lam and cyclotomic polynomials (C4).

    >>> from wavetheory.theory.tasks import repeat_copy
    >>> c, fs = factor_charpoly(repeat_copy(1, 4))
    >>> c, [(f.as_expr(), m) for f, m in fs]
    (1, [(lam - 1, 1), (lam + 1, 1), (lam**2 + 1, 1)])
    """
    return factor_det(block_polynomial_matrix(task, lam), lam)


# --------------------------------------------------------------------------- eigenvalues and Jordan structure


@dataclass(frozen=True)
class Eigenvalue:
    """One exact eigenvalue of Phi: its minimal polynomial ``factor``, multiplicities, Jordan block sizes."""

    value: sp.Expr
    factor: sp.Poly
    algebraic: int
    geometric: int
    jordan: tuple[int, ...]


def eigen_structure(task: LinearHDS | Lags, lam: sp.Symbol = LAM) -> list[Eigenvalue]:
    """Exact eigenvalues of Phi with algebraic and geometric multiplicities and Jordan blocks (C4).

    geometric = dim ker(lam I - Phi) = d - rank M(lam0), computed over Q[lam]/(f) for the
    minimal polynomial f of lam0; Jordan sizes from the invariant factors of M (only computed
    when 1 < geometric < algebraic; otherwise they follow). Numeric (rational) lags only.

    >>> from wavetheory.theory.tasks import repeat_copy
    >>> [(e.value, e.algebraic, e.geometric, e.jordan) for e in eigen_structure(repeat_copy(2, 2))]
    [(1, 2, 2, (1, 1)), (-1, 2, 2, (1, 1))]
    """
    A = _lags(task)
    if any(a.free_symbols for a in A):
        raise ValueError("task: eigen_structure needs numeric lags (got symbolic entries); use factor_charpoly")
    M = block_polynomial_matrix(A, lam)
    return _eigen_structure(M, factor_det(M, lam)[1], lam)


def _eigen_structure(M: sp.Matrix, factors: list[tuple[sp.Poly, int]], lam: sp.Symbol) -> list[Eigenvalue]:
    d = M.rows
    Mp = [[sp.Poly(v, lam, domain=sp.QQ) for v in M.row(i)] for i in range(d)]
    minors: dict[int, list[sp.Poly]] = {}
    out = []
    for f, a in factors:
        g = 1 if a == 1 else d - rank_mod(Mp, f)  # 1 <= g <= a
        jordan = (1,) * a if g == a else (a,) if g == 1 else smith_exponents(M, f, lam, minors)
        if len(jordan) != g or sum(jordan) != a:  # the Smith-form lemma guarantees both
            raise RuntimeError(f"inconsistent Jordan structure for {f.as_expr()}: {jordan}, g = {g}, a = {a}")
        out += [Eigenvalue(r, f, a, g, jordan) for r in exact_roots(f)]
    return out


# --------------------------------------------------------------------------- the derivation (CLI payload)


@dataclass(frozen=True)
class Derivation:
    """Everything exact about a task's spectrum: charpoly, factors over Q, eigenvalues (C4)."""

    d: int
    s: int
    charpoly: sp.Poly
    coefficient: sp.Expr
    factors: tuple[tuple[sp.Poly, int], ...]
    eigenvalues: tuple[Eigenvalue, ...]

    def to_json(self) -> dict:
        """{"charpoly", "factors": [[f, m], ...], "eigenvalues": [{"value", "algebraic", "geometric", "jordan"}]}."""
        return {
            "d": self.d,
            "s": self.s,
            "charpoly": str(self.charpoly.as_expr()),
            "factors": [[str(f.as_expr()), m] for f, m in self.factors],
            "eigenvalues": [
                {"value": str(e.value), "algebraic": e.algebraic, "geometric": e.geometric, "jordan": list(e.jordan)}
                for e in self.eigenvalues
            ],
        }

    def to_latex(self) -> dict:
        """LaTeX of every derived object (charpoly, factorization, eigenvalues); lam prints as \\lambda."""
        fac = " ".join(rf"\left({_tex(f)}\right)" + (f"^{{{m}}}" if m > 1 else "") for f, m in self.factors)
        return {
            "charpoly": rf"\det(\lambda I - \Phi) = {_tex(self.charpoly)}",
            "factors": rf"\det(\lambda I - \Phi) = {fac or '1'}",
            "eigenvalues": [
                rf"{_tex(e.value)}\ (\text{{alg}}\ {e.algebraic},\ \text{{geo}}\ {e.geometric},\ "
                rf"\text{{Jordan}}\ {list(e.jordan)})"
                for e in self.eigenvalues
            ],
        }


def derive(task: LinearHDS | Lags, lam: sp.Symbol = LAM) -> Derivation:
    """The exact spectral derivation of a task: det(lam I - Phi), its factors over Q, eigenvalues (C4).

    >>> from wavetheory.theory.tasks import repeat_copy
    >>> derive(repeat_copy(1, 2)).to_json()["factors"]
    [['lam - 1', 1], ['lam + 1', 1]]
    """
    A = _lags(task)
    if any(a.free_symbols for a in A):
        raise ValueError("task: derive needs numeric lags (got symbolic entries); use factor_charpoly")
    M = block_polynomial_matrix(A, lam)
    pieces = det_pieces(M, lam)
    cp = functools.reduce(lambda p, q: p * q, pieces)
    coeff, factors = factor_det(M, lam, pieces)
    return Derivation(M.rows, len(A), cp, coeff, tuple(factors), tuple(_eigen_structure(M, factors, lam)))


# --------------------------------------------------------------------------- Jacobian products (C3, C5, C11)


def markov_parameters(task: LinearHDS | Lags, n_max: int) -> list[sp.Matrix]:
    """G(0..n_max): G(0) = I, G(n) = sum_{k=1..min(n,s)} A_k G(n-k); G(n) = E_s^T Phi^n E_s (C5, C12, C16).

    The exact road (SymPy; symbolic lags allowed) to ``wave_operator.markov_parameters``, the float one.

    >>> from wavetheory.theory.tasks import fibonacci
    >>> [g[0, 0] for g in markov_parameters(fibonacci(1, 2), 6)]
    [1, 1, 2, 3, 5, 8, 13]
    """
    A = _lags(task)
    n_max = positive_int(n_max, "n_max", minimum=0)
    G = [sp.eye(A[0].rows)]
    for n in range(1, n_max + 1):
        G.append(sum((A[k - 1] * G[n - k] for k in range(1, min(n, len(A)) + 1)), sp.zeros(A[0].rows)))
    return G


def Phi_power(task: LinearHDS | Lags, k: int) -> sp.Matrix:
    """Phi^k (sd x sd), exact."""
    return symbolic_Phi(task) ** k


def boundary_jacobian(task: LinearHDS | Lags, k: int, Psi: sp.Matrix | None = None) -> sp.Matrix:
    """dh(t+k)/dx(t) = W_hh^k W_uh = Psi Phi^k E_s for the linear RNN in basis Psi (C3, C5), (n x d)."""
    A = _lags(task)
    s, d = len(A), A[0].rows
    J = Phi_power(A, k) * E_block(d, s, s)
    return J if Psi is None else sp.Matrix(Psi) * J


def boundary_jacobian_closed_form(task: LinearHDS | Lags, k: int) -> sp.Matrix:
    """Phi^k E_s = sum_{i=1..s} E_i G(k+i-s) (G(n) = 0 for n < 0); = E_{s-k} for k < s without feedback (C5)."""
    A = _lags(task)
    s, d = len(A), A[0].rows
    G = markov_parameters(A, k)
    out = sp.zeros(s * d, d)
    for i in range(1, s + 1):
        if k + i - s >= 0:
            out += E_block(d, s, i) * G[k + i - s]
    return out


MU, GRAD_OUT, W_UH_NORM = sp.symbols("mu g_out w_uh", positive=True)


def c5_bound_without_waves(k: int | sp.Expr, mu: sp.Expr = MU) -> sp.Expr:
    """||dC/dx(1)|| <= ||dC/dh(1+k)|| ||W_uh|| mu^k, mu >= ||J_sigma W_hh|| (C5, no wave structure)."""
    return GRAD_OUT * W_UH_NORM * mu**k


def c5_with_waves(task: LinearHDS | Lags, k: int) -> dict[str, Any]:
    """The wave-basis Jacobian J = Phi^k E_s and its exact norm bounds, free of mu^k (C5).

    J contains the identity block E_{s-k} for k < s, so 1 <= ||J||_2 <= sqrt(1 + sum_{m<=k} ||G(m)||_F^2);
    with no feedback (A_1 = ... = A_{s-1} = 0) J = E_{s-k} exactly. Returns the exact objects.
    """
    A = _lags(task)
    s = len(A)
    J = boundary_jacobian(A, k)
    G = markov_parameters(A, k)
    upper = sp.sqrt(1 + sum((g.norm() ** 2 for g in G[1:]), sp.Integer(0)))
    return {
        "jacobian": J,
        "gram": (J.T * J).applyfunc(sp.expand),
        "lower": sp.Integer(1) if k < s else None,
        "upper": sp.simplify(upper),
        "no_feedback": all(a.is_zero_matrix for a in A[:-1]),
        "bound_without_waves": c5_bound_without_waves(k),
    }


def tanh_jacobian_at_zero(W_hh: sp.Matrix) -> sp.Matrix:
    """d/dh tanh(W_hh h) at the fixed point h = 0 (which it is: tanh(0) = 0); equals W_hh (C11).

    >>> w = sp.Matrix(2, 2, sp.symbols("w:4"))
    >>> tanh_jacobian_at_zero(w) == w
    True
    """
    W = sp.Matrix(W_hh)
    h = sp.Matrix(sp.symbols(f"h0:{W.cols}"))
    F = (W * h).applyfunc(sp.tanh)
    zero = {v: 0 for v in h}
    if F.subs(zero) != sp.zeros(W.rows, 1):  # pragma: no cover - tanh(0) = 0
        raise RuntimeError("0 is not a fixed point")
    return F.jacobian(h).subs(zero)


def _tex(obj: Any) -> str:
    expr = obj.as_expr() if isinstance(obj, sp.Poly) else obj
    names = {LAM: r"\lambda", MU: r"\mu", GRAD_OUT: r"\|\partial C / \partial h\|", W_UH_NORM: r"\|W_{uh}\|"}
    return sp.latex(expr, symbol_names=names)


def to_latex(obj: Any) -> Any:
    """LaTeX of a derived object: Derivation -> dict of strings, Eigenvalue/Poly/Matrix/Expr -> str.

    >>> print(to_latex(sp.Poly(LAM**2 - 1, LAM)))
    \\lambda^{2} - 1
    """
    if isinstance(obj, Derivation):
        return obj.to_latex()
    if isinstance(obj, Eigenvalue):
        return _tex(obj.value)
    if isinstance(obj, dict):
        return {k: to_latex(v) for k, v in obj.items()}
    return _tex(obj)
