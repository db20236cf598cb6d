"""Tests of wavetheory.theory.polymatrix: block determinants, factorization over Q, ranks mod f, exact roots."""

import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from wavetheory.theory.polymatrix import (
    _rootof, det_pieces, det_poly, exact_roots, factor_over_Q, rank_mod, smith_exponents,
)

x = sp.Symbol("x")
int_polys = st.lists(st.integers(-3, 3), min_size=2, max_size=18).map(lambda c: sp.Poly([1] + c, x))


@settings(max_examples=25)
@given(int_polys, int_polys, st.integers(1, 3))
def test_factor_over_Q_matches_sympy(f, g, m):
    p = f * g**m
    c, fl = factor_over_Q(p)
    prod = sp.Poly(c, x)
    for h, k in fl:
        prod *= h**k
    assert prod == p
    ref = {(h.monic().retract(), k) for h, k in p.factor_list()[1]}
    assert set(fl) == ref


@settings(max_examples=25)
@given(st.integers(1, 3), st.integers(0, 2**31))
def test_block_determinant_and_rank_mod_against_sympy(d, seed):
    rng = np.random.default_rng(seed)
    mask = rng.random((d, d)) < 0.5
    M = sp.Matrix(d, d, lambda i, j: sp.Poly(list(rng.integers(-2, 3, 3)), x).as_expr() * int(mask[i, j] or i == j) + (x**3 if i == j else 0))
    pieces = det_pieces(M, x)
    prod = sp.Poly(1, x)
    for p in pieces:
        prod *= p
    assert prod == sp.Poly(M.det(method="berkowitz"), x) == det_poly(M, x)
    Mp = [[sp.Poly(v, x, domain=sp.QQ) for v in M.row(i)] for i in range(d)]
    for f, _ in factor_over_Q(prod)[1]:
        if f.degree() == 1:  # a rational root r: rank over Q[x]/(x - r) is the rank of M(r)
            r = -f.nth(0)
            assert rank_mod(Mp, f) == M.subs(x, r).rank()
        else:  # the Smith exponents add up to the multiplicity of f in det M
            assert sum(smith_exponents(M, f, x)) == sum(k for h, k in factor_over_Q(prod)[1] if h == f)


def test_rootof_shortcut_equals_the_public_constructor():
    f = sp.Poly(x**5 - x - 1, x)
    assert [_rootof(f, i) for i in range(5)] == [sp.CRootOf(f.as_expr(), i) for i in range(5)]
    assert exact_roots(sp.Poly(x**4 + 1, x)) == [sp.exp(sp.I * sp.pi * k / 4) for k in (1, 3, -3, -1)]
    assert exact_roots(sp.Poly(x**2 - 2, x)) == [-sp.sqrt(2), sp.sqrt(2)]
