"""Exact algebra of a small polynomial matrix M(lam) (d x d over Q[lam]), the engine behind C4.

The wave operator's spectrum lives in M(lam) = lam^s I - sum_k lam^(s-k) A_k (see symbolic.py and
proofs/lemma_geometric_multiplicity.py). This module holds the generic, task-free algebra:

* ``det_pieces``: det M as a product over the strongly connected diagonal blocks of M's
  off-diagonal pattern (a simultaneous permutation makes M block triangular), each by
  fraction-free Bareiss over the polynomial ring (SymPy DomainMatrix);
* ``factor_over_Q``: SymPy's ``factor_list`` with monic factors over Q;
* ``rank_mod``: rank over the field Q[lam]/(f) for an irreducible f (all roots of f at once);
* ``smith_exponents``: exponents of f in the invariant factors (Jordan block sizes);
* ``exact_roots``: roots of an irreducible f in closed form (roots of unity, radicals, CRootOf).
"""

from __future__ import annotations

import functools
import itertools

import sympy as sp
from sympy.polys.matrices import DomainMatrix
from sympy.utilities.iterables import strongly_connected_components

__all__ = [
    "diagonal_blocks", "det_poly", "det_pieces", "factor_over_Q",
    "factor_det", "rank_mod", "valuation", "smith_exponents", "cyclotomic_order", "exact_roots",
]


def diagonal_blocks(M: sp.Matrix) -> list[list[int]]:
    """Strongly connected components of the off-diagonal pattern of M (block triangular form)."""
    d = M.rows
    edges = [(i, j) for i in range(d) for j in range(d) if i != j and M[i, j] != 0]
    return [sorted(c) for c in strongly_connected_components((list(range(d)), edges))]


def det_poly(M: sp.Matrix, lam: sp.Symbol) -> sp.Poly:
    """det of a polynomial matrix by fraction-free Bareiss over its polynomial ring (DomainMatrix)."""
    dm = DomainMatrix.from_Matrix(M)
    return sp.Poly(dm.domain.to_sympy(dm.det()), lam)


def det_pieces(M: sp.Matrix, lam: sp.Symbol) -> list[sp.Poly]:
    """det M = product of the dets of M's diagonal blocks (one Poly per strongly connected block).

    >>> x = sp.Symbol("x")
    >>> [p.as_expr() for p in det_pieces(sp.Matrix([[x, 1], [0, x - 1]]), x)]
    [x - 1, x]
    """
    return [det_poly(M.extract(c, c), lam) for c in diagonal_blocks(M)]


def factor_over_Q(p: sp.Poly) -> tuple[sp.Expr, list[tuple[sp.Poly, int]]]:
    """(coefficient, [(irreducible factor, multiplicity)]) of p over Q, or over Z[symbols] if symbolic.

    SymPy's ``factor_list`` (Zassenhaus); numeric factors are made monic, with integer
    coefficients in ZZ when they have them.

    >>> x = sp.Symbol("x")
    >>> factor_over_Q(sp.Poly(x**3 - x / 4, x))
    (1, [(Poly(x, x, domain='ZZ'), 1), (Poly(x - 1/2, x, domain='QQ'), 1), (Poly(x + 1/2, x, domain='QQ'), 1)])
    """
    coeff, fl = p.factor_list()
    if not p.domain.is_Numerical:
        return coeff, fl
    out = []
    for f, m in fl:
        if f.LC() != 1:  # monic over Q: move the leading coefficient into coeff
            coeff, f = coeff * f.LC() ** m, f.monic()
        out.append((f.retract(), m))
    return coeff, out


def _sort_key(f: sp.Poly) -> tuple:
    return (f.degree(), [str(c) for c in f.all_coeffs()])


def factor_det(M: sp.Matrix, lam: sp.Symbol, pieces: list[sp.Poly] | None = None) -> tuple[sp.Expr, list[tuple[sp.Poly, int]]]:
    """Exact factorization of det M: each diagonal block factored once, equal factors merged, sorted.

    ``pieces`` (the output of ``det_pieces(M, lam)``) may be passed to avoid recomputing them.
    """
    coeff: sp.Expr = sp.Integer(1)
    merged: dict[sp.Poly, int] = {}
    cache: dict[sp.Poly, tuple] = {}
    for piece in det_pieces(M, lam) if pieces is None else pieces:
        if piece not in cache:
            cache[piece] = factor_over_Q(piece)
        c, fl = cache[piece]
        coeff = coeff * c
        for f, m in fl:
            merged[f] = merged.get(f, 0) + m
    return coeff, sorted(merged.items(), key=lambda fm: _sort_key(fm[0]))


def rank_mod(M: list[list[sp.Poly]], f: sp.Poly) -> int:
    """Rank of a polynomial matrix (rows of Polys over Q) over the field Q[lam]/(f), f irreducible.

    >>> x = sp.Symbol("x")
    >>> P = lambda e: sp.Poly(e, x, domain=sp.QQ)
    >>> rank_mod([[P(x**2 - 1), P(x - 1)], [P(x + 1), P(1)]], P(x - 1)), rank_mod([[P(x), P(1)], [P(1), P(x)]], P(x - 1))
    (1, 1)
    """
    # fraction-free elimination: row_r <- p row_r - c row_piv (mod f) multiplies row_r by the field
    # element p != 0, which keeps the rank and avoids inverses (gcdex on large degrees is slow)
    K = sp.ZZ if f.retract().domain.is_ZZ and f.LC() == 1 and all(v.retract().domain.is_ZZ for row in M for v in row) else sp.QQ
    f = f.set_domain(K)
    rows = [[v.set_domain(K).rem(f) for v in row] for row in M]
    rank, col, ncols = 0, 0, len(rows[0])
    while rank < len(rows) and col < ncols:
        piv = next((r for r in range(rank, len(rows)) if not rows[r][col].is_zero), None)
        if piv is None:
            col += 1
            continue
        rows[rank], rows[piv] = rows[piv], rows[rank]
        p = rows[rank][col]
        for r in range(rank + 1, len(rows)):
            if not rows[r][col].is_zero:
                c = rows[r][col]
                rows[r] = _primitive_row([(p * a - c * b).rem(f) for a, b in zip(rows[r], rows[rank])])
        rank, col = rank + 1, col + 1
    return rank


def _primitive_row(row: list[sp.Poly]) -> list[sp.Poly]:
    """Divide an integer row by the gcd of its coefficients (a non-zero scalar: rank unchanged)."""
    if not row[0].domain.is_ZZ:
        return row
    g = 0
    for v in row:
        g = sp.igcd(g, int(v.content())) if not v.is_zero else g
    return row if g in (0, 1) else [v.exquo_ground(g) for v in row]


def valuation(p: sp.Poly, f: sp.Poly) -> int:
    """The largest e with f^e | p (p != 0)."""
    e = 0
    while True:
        q, r = p.div(f)
        if not r.is_zero:
            return e
        p, e = q, e + 1


def smith_exponents(M: sp.Matrix, f: sp.Poly, lam: sp.Symbol, minors: dict | None = None) -> tuple[int, ...]:
    """Positive exponents of f in the invariant factors of M, largest first (Jordan block sizes).

    v_f(D_k) - v_f(D_{k-1}) with D_k the gcd of the k x k minors; ``minors`` caches the minors
    between calls for the same M.
    """
    minors = {} if minors is None else minors
    d, prev, sizes = M.rows, 0, []
    fq = f.set_domain(sp.QQ)
    for k in range(1, d + 1):
        if k not in minors:
            minors[k] = [p for R in itertools.combinations(range(d), k) for C in itertools.combinations(range(d), k)
                         if not (p := det_poly(M.extract(list(R), list(C)), lam)).is_zero]
        v = min(valuation(p.set_domain(sp.QQ), fq) for p in minors[k])
        if v > prev:
            sizes.append(v - prev)
        prev = v
    return tuple(sorted(sizes, reverse=True))


@functools.lru_cache(maxsize=1024)
def cyclotomic_order(f: sp.Poly) -> int | None:
    """m with f = Phi_m (the m-th cyclotomic polynomial), or None; uses phi(m) >= sqrt(m/2).

    >>> x = sp.Symbol("x")
    >>> cyclotomic_order(sp.Poly(x**2 - x + 1, x)), cyclotomic_order(sp.Poly(x**2 - 2, x))
    (6, None)
    """
    f = f.retract()
    if f.LC() != 1 or not f.domain.is_ZZ or not f.is_cyclotomic:
        return None
    n = f.degree()
    for m in range(1, 2 * n * n + 3):
        if sp.totient(m) == n and sp.Poly(sp.cyclotomic_poly(m, f.gen), f.gen) == f:
            return m
    return None  # pragma: no cover - is_cyclotomic guarantees a hit


@functools.lru_cache(maxsize=1024)
def exact_roots(f: sp.Poly) -> list[sp.Expr]:
    """All roots of the irreducible f in closed form: rationals, exp(2 pi i k/m), radicals, or CRootOf.

    >>> x = sp.Symbol("x")
    >>> exact_roots(sp.Poly(x**2 + x + 1, x))
    [exp(2*I*pi/3), exp(-2*I*pi/3)]
    """
    if f.degree() == 1:
        return [-f.nth(0) / f.nth(1)]
    m = cyclotomic_order(f)
    if m is not None:
        return [sp.exp(2 * sp.pi * sp.I * sp.Rational(k, m)) for k in range(m) if sp.gcd(k, m) == 1]
    if f.degree() <= 2:
        return sorted(sp.roots(f, multiple=True), key=sp.default_sort_key)
    return [_rootof(f, i) for i in range(f.degree())]


def _rootof(f: sp.Poly, i: int) -> sp.Expr:
    """CRootOf(f, i) for a monic irreducible integer f, without re-factoring f for every index.

    The public constructor calls ``factor_list`` on each construction (0.1 s per root of a dense
    degree-64 factor); ``_new`` builds the identical object (same poly and index, equal under ==)
    lazily; roots are isolated only when evaluated. Falls back to the public constructor.
    """
    f = f.retract()
    if f.domain.is_ZZ and f.LC() == 1 and hasattr(sp.CRootOf, "_new"):
        return sp.CRootOf._new(f, i)
    return sp.CRootOf(f.as_expr(), i)  # pragma: no cover - other SymPy versions
