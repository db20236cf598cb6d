"""Tests of wavetheory.theory.symbolic: exact charpoly, factors, eigenstructure, Jacobians (C3, C4, C5, C11)."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.polys.matrices import DomainMatrix

from wavetheory.strategies import linear_tasks, signed_selection_tasks
from wavetheory.cli import main
from wavetheory.theory.gradients import input_jacobians
from wavetheory.theory.symbolic import (
    LAM, E_block, Eigenvalue, block_polynomial_matrix, boundary_jacobian, boundary_jacobian_closed_form,
    c5_bound_without_waves, c5_with_waves, derive, eigen_structure, exact_lags, factor_charpoly,
    generic_charpoly, markov_parameters, symbolic_charpoly, symbolic_lags, symbolic_Phi, tanh_jacobian_at_zero, to_latex,
)
from wavetheory.theory.tasks import LinearHDS, fibonacci, random_signed_selection, repeat_copy
from wavetheory.theory.wave_operator import Phi, charpoly, compile_rnn, make_basis

lam = LAM
EPS = np.finfo(float).eps


# --------------------------------------------------------------------------- exact closed forms (C4)


@pytest.mark.parametrize("d, s", [(1, 1), (1, 5), (2, 3), (3, 4), (4, 8), (2, 16)])
def test_repeat_copy_and_fibonacci_charpolys(d, s):
    assert symbolic_charpoly(repeat_copy(d, s)) == sp.Poly((lam**s - 1) ** d, lam)
    assert symbolic_charpoly(fibonacci(d, s)) == sp.Poly((lam**s - sum(lam**k for k in range(s))) ** d, lam)


@pytest.mark.parametrize("d, s", [(1, 4), (2, 6), (3, 5)])
def test_repeat_copy_eigenvalues_are_roots_of_unity_semisimple(d, s):
    es = eigen_structure(repeat_copy(d, s))
    assert len(es) == s  # s distinct roots of unity
    for e in es:
        assert sp.simplify(e.value**s - 1) == 0
        assert (e.algebraic, e.geometric, e.jordan) == (d, d, (1,) * d)
    assert len({e.value for e in es}) == s


def test_fibonacci_factor_is_irreducible_with_rootof_eigenvalues():
    D = derive(fibonacci(1, 3))
    assert [(f.as_expr(), m) for f, m in D.factors] == [(lam**3 - lam**2 - lam - 1, 1)]
    vals = [e.value for e in D.eigenvalues]
    assert all(isinstance(v, sp.CRootOf) for v in vals)
    # trace of Phi = a_1 = 1; the roots are evaluated to 30 digits, so 1e-25 leaves 5 digits of margin
    assert abs(complex(sum(vals).evalf(30)) - 1.0) < 1e-25


def test_zero_boundary_is_nilpotent_of_index_s():
    es = eigen_structure(LinearHDS(np.zeros((5, 2, 2))))
    assert [(e.value, e.algebraic, e.geometric, e.jordan) for e in es] == [(0, 10, 2, (5, 5))]


def test_defective_eigenvalue_jordan_block():
    # x(t) = 2x(t-1) - x(t-2): charpoly (lam - 1)^2, one Jordan block of size 2
    es = eigen_structure(LinearHDS([[[2.0]], [[-1.0]]]))
    assert [(e.value, e.algebraic, e.geometric, e.jordan) for e in es] == [(1, 2, 1, (2,))]


def test_mixed_jordan_structure_needs_the_smith_form():
    # d = 2: one component doubles a repeat copy; the other x1(t) = 2 x1(t-1) - x1(t-2) + x0(t-2)
    lags = [[[0, 0], [0, 2]], [[1, 0], [1, -1]]]
    es = eigen_structure(exact_lags(lags))
    by_value = {e.value: e for e in es}
    assert by_value[1].algebraic == 3 and sum(by_value[1].jordan) == 3
    P = symbolic_Phi(exact_lags(lags))
    ranks = [((P - sp.eye(4)) ** k).rank() for k in range(4)]
    at_least = [ranks[k] - ranks[k + 1] for k in range(3)]  # blocks of size >= k+1
    expected = sorted((k + 1 for k in range(3) for _ in range(at_least[k] - (at_least[k + 1] if k < 2 else 0))), reverse=True)
    assert list(by_value[1].jordan) == expected
    assert by_value[1].geometric == 4 - ranks[1]


def test_symbolic_lags_charpoly_equals_generic_determinant():
    for d, s in [(1, 3), (2, 2), (3, 1)]:
        lags = symbolic_lags(d, s)
        assert symbolic_charpoly(lags) == generic_charpoly(lags)
    c, fs = factor_charpoly(symbolic_lags(1, 1))
    assert [(f.as_expr(), m) for f, m in fs] == [(lam - sp.Symbol("a1_00"), 1)]


def test_block_polynomial_matrix_and_E_block():
    lags = symbolic_lags(2, 2)
    assert block_polynomial_matrix(lags) == (lam**2 * sp.eye(2) - lam * lags[0] - lags[1]).applyfunc(sp.expand)
    assert E_block(2, 3, 2).T * symbolic_Phi(repeat_copy(2, 3)) * E_block(2, 3, 3) == sp.eye(2)


# --------------------------------------------------------------------------- property tests


@settings(max_examples=30)
@given(linear_tasks(integer=True, max_d=3, max_s=4))
def test_block_formula_equals_generic_and_numeric_charpoly(task):
    cp = symbolic_charpoly(task)
    assert cp == generic_charpoly(task)
    assert [int(c) for c in cp.all_coeffs()] == charpoly(task).astype(int).tolist()
    assert symbolic_Phi(task) == sp.Matrix(Phi(task).astype(int))


def _coefficient_tolerance(P: np.ndarray) -> np.ndarray:
    """Bound on |c_j(numpy) - c_j(exact)| for the charpoly coefficients rebuilt from numpy's eigenvalues.

    numpy's eigenvalues are exact for Phi + E with ||E||_2 <= delta = 10 n eps ||Phi||_2 (backward stable
    QR algorithm, constant 10 as safety); c_j is a sum of C(n, j) principal j-minors and
    |det(A + E) - det(A)| <= j ||E|| (||A|| + ||E||)^(j-1). Rebuilding coefficients from n roots
    (np.poly) adds at most n eps prod(1 + |z_i|). Clustered (defective) eigenvalues move by
    eps^(1/m), but symmetric functions of a cluster move by O(eps): this is why we compare polynomials.
    """
    n = P.shape[0]
    rho = max(np.linalg.norm(P, 2), 1.0)
    delta = 10 * n * EPS * rho
    z = np.linalg.eigvals(P)
    roots_term = n * EPS * np.prod(1 + np.abs(z))
    return np.array([math.comb(n, j) * j * (rho + delta) ** (j - 1) * delta + roots_term for j in range(n + 1)])


@settings(max_examples=30)
@given(st.one_of(linear_tasks(integer=True, max_d=3, max_s=4), signed_selection_tasks(max_d=3, max_s=4)))
def test_exact_eigenvalues_agree_with_numpy_through_the_polynomial(task):
    P = Phi(task)
    es = eigen_structure(task)
    assert all(1 <= e.geometric <= e.algebraic and sum(e.jordan) == e.algebraic for e in es)
    # exact: the eigenvalues' minimal polynomials with their algebraic multiplicities rebuild det(lam I - Phi)
    per_factor = {}
    for e in es:
        per_factor.setdefault(e.factor, []).append(e)
    assert all(len(v) == f.degree() and len({e.algebraic for e in v}) == 1 for f, v in per_factor.items())
    product = sp.Poly(1, lam)
    for f, v in per_factor.items():
        product *= f ** v[0].algebraic
    assert product == symbolic_charpoly(task)
    # numeric: numpy's eigenvalues rebuild the same polynomial within a perturbation bound.
    # (Evaluating CRootOf values numerically is not an option: sympy needs ~60 s per dense degree-12 factor.)
    numpy_coeffs = np.poly(np.linalg.eigvals(P))
    exact_coeffs = np.array([float(c) for c in product.all_coeffs()])
    assert np.all(np.abs(numpy_coeffs - exact_coeffs) <= _coefficient_tolerance(P)), (numpy_coeffs, exact_coeffs)


@pytest.mark.parametrize("d, s", [(1, 7), (3, 4), (2, 12)])
def test_repeat_copy_exact_eigenvalues_match_numpy(d, s):
    # Phi is a permutation matrix (normal): Bauer-Fike with condition 1 bounds numpy's error by
    # ||E|| <= 10 n eps ||Phi|| ~ 1e-13, so 1e-12 is a safe and still sharp tolerance
    ev = np.linalg.eigvals(Phi(repeat_copy(d, s)))
    for e in eigen_structure(repeat_copy(d, s)):
        z = complex(e.value.evalf(20))
        assert np.sum(np.abs(ev - z) < 1e-12) == e.algebraic == d


@settings(max_examples=30)
@given(signed_selection_tasks(max_d=3, max_s=5))
def test_signed_selection_factors_are_lambda_or_cyclotomic(task):
    _, fs = factor_charpoly(task)
    assert all(f.as_expr() == lam or f.is_cyclotomic for f, _ in fs)
    N = 2 * sp.ilcm(1, *range(1, task.s * task.d + 1))  # every cycle gives lam^L -+ 1, L <= sd: orders divide N
    for e in eigen_structure(task):  # eigenvalues: 0 or roots of unity, exactly
        assert e.value == 0 or sp.simplify(e.value**N) == 1


@settings(max_examples=25)
@given(linear_tasks(integer=True, max_d=2, max_s=3))
def test_geometric_multiplicity_equals_rank_deficiency_of_f_of_Phi(task):
    P = DomainMatrix.from_Matrix(symbolic_Phi(task)).convert_to(sp.QQ)
    n = P.shape[0]
    for e in {e.factor: e for e in eigen_structure(task)}.values():
        fP = DomainMatrix.zeros((n, n), sp.QQ)
        for c in e.factor.all_coeffs():
            fP = fP * P + DomainMatrix.eye(n, sp.QQ) * sp.QQ.from_sympy(c)
        assert (n - fP.rank()) == e.factor.degree() * e.geometric  # dim ker f(Phi) = deg f * g


# --------------------------------------------------------------------------- Jacobians (C3, C5, C11)


@settings(max_examples=25)
@given(linear_tasks(integer=True, max_d=2, max_s=4), st.integers(0, 9))
def test_markov_parameters_and_closed_form_jacobian(task, k):
    P, Es = symbolic_Phi(task), E_block(task.d, task.s, task.s)
    G = markov_parameters(task, k)
    assert G[k] == Es.T * P**k * Es
    assert boundary_jacobian(task, k) == P**k * Es == boundary_jacobian_closed_form(task, k)


@settings(max_examples=20)
@given(linear_tasks(integer=True, max_d=2, max_s=3), st.integers(0, 5), st.integers(0, 2**31))
def test_boundary_jacobian_in_any_basis_matches_numeric_products(task, k, seed):
    n = task.s * task.d
    Psi = make_basis("orthogonal", n, rng=seed)
    rnn = compile_rnn(task, Psi)
    J_num = input_jacobians(rnn.W_hh, rnn.W_uh, k)[k]
    J_exact = np.array(boundary_jacobian(task, k, Psi=sp.Matrix(Psi)), dtype=float)  # Psi entries are floats here
    # orthogonal Psi (cond 1): k products each with relative error ~ n eps, growth at most ||Phi||_2^k
    tol = 100 * (k + 1) * n * EPS * max(1.0, np.linalg.norm(Phi(task), 2)) ** k
    assert np.max(np.abs(J_num - J_exact)) <= tol


def test_c5_no_feedback_input_sits_intact():
    lags = [sp.zeros(2), sp.zeros(2), sp.Matrix([[0, 3], [1, 0]])]
    for k in range(3):
        res = c5_with_waves(lags, k)
        assert res["no_feedback"] and res["jacobian"] == E_block(2, 3, 3 - k) and res["lower"] == 1
        assert res["gram"] == sp.eye(2)
    mu = sp.Symbol("mu", positive=True)
    assert c5_bound_without_waves(4, mu) == sp.Symbol("g_out", positive=True) * sp.Symbol("w_uh", positive=True) * mu**4


def test_c5_with_feedback_gram_and_upper_bound():
    task = fibonacci(1, 3)
    res = c5_with_waves(task, 2)  # J = [1, 1, 2]^T: E_1 + E_2 G(1) + E_3 G(2)
    assert res["jacobian"] == sp.Matrix([1, 1, 2]) and res["gram"] == sp.Matrix([[6]])
    assert res["upper"] == sp.sqrt(6) and not res["no_feedback"]


def test_tanh_jacobian_at_zero_is_W_hh():
    W = sp.Matrix([[1, -2, 0], [sp.Rational(1, 2), 0, 3], [0, 1, 1]])
    assert tanh_jacobian_at_zero(W) == W


def test_latex_of_every_derived_object():
    D = derive(repeat_copy(1, 3))
    tex = to_latex(D)
    assert tex["charpoly"] == r"\det(\lambda I - \Phi) = \lambda^{3} - 1"
    assert tex["factors"] == r"\det(\lambda I - \Phi) = \left(\lambda - 1\right) \left(\lambda^{2} + \lambda + 1\right)"
    assert len(tex["eigenvalues"]) == 3 and r"e^{\frac{2 i \pi}{3}}" in "".join(tex["eigenvalues"])
    assert to_latex(symbolic_Phi(repeat_copy(1, 2))).startswith(r"\left[\begin{matrix}")
    assert to_latex(D.eigenvalues[0]) == "1" and to_latex(D.charpoly) == r"\lambda^{3} - 1"
    assert to_latex(c5_bound_without_waves(3)) == r"\|\partial C / \partial h\| \mu^{3} \|W_{uh}\|"
    assert isinstance(to_latex(c5_with_waves(repeat_copy(1, 2), 1))["jacobian"], str)


# --------------------------------------------------------------------------- exact conversion, bad input


def test_float_lags_are_converted_exactly_or_nsimplified():
    assert exact_lags([[[0.1]]])[0][0, 0] == sp.Rational(3602879701896397, 36028797018963968)
    assert exact_lags([[[0.1]]], rationalize="nsimplify")[0][0, 0] == sp.Rational(1, 10)
    assert exact_lags(LinearHDS([[[0.5, -2.0], [0.0, 1.0]]]))[0] == sp.Matrix([[sp.Rational(1, 2), -2], [0, 1]])


@pytest.mark.parametrize(
    "call, exc, word",
    [
        (lambda: exact_lags("x"), TypeError, "lags"),
        (lambda: exact_lags([]), TypeError, "lags"),
        (lambda: exact_lags([[[1, 2]]]), ValueError, "A_1"),
        (lambda: exact_lags([[[1]], [[1, 2], [3, 4]]]), ValueError, "A_2"),
        (lambda: exact_lags([[[1]]], rationalize="round"), ValueError, "rationalize"),
        (lambda: eigen_structure(symbolic_lags(1, 2)), ValueError, "numeric"),
        (lambda: derive(symbolic_lags(1, 2)), ValueError, "numeric"),
        (lambda: E_block(2, 3, 4), ValueError, "i"),
        (lambda: symbolic_lags(0, 2), ValueError, "d"),
    ],
)
def test_bad_input_names_the_argument(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


def test_import_wavetheory_does_not_import_sympy_until_used():
    code = (
        "import sys, wavetheory; assert 'sympy' not in sys.modules; "
        "assert wavetheory.symbolic_charpoly is not None; assert 'sympy' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_derive_is_deterministic_for_random_tasks():
    a = derive(random_signed_selection(3, 7, seed=5)).to_json()
    b = derive(random_signed_selection(3, 7, seed=5)).to_json()
    assert a == b


# --------------------------------------------------------------------------- CLI: derive


def _run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_derive_json_shape(capsys):
    rc, out, err = _run(capsys, "derive", "--task", "repeat-copy", "--d", "2", "--s", "3", "--json")
    assert rc == 0, err
    res = json.loads(out)
    assert res["charpoly"] == "lam**6 - 2*lam**3 + 1"
    assert res["factors"] == [["lam - 1", 2], ["lam**2 + lam + 1", 2]]
    assert [(e["algebraic"], e["geometric"]) for e in res["eigenvalues"]] == [(2, 2)] * 3
    assert {e["value"] for e in res["eigenvalues"]} == {"1", "exp(2*I*pi/3)", "exp(-2*I*pi/3)"}
    assert sp.sympify(res["charpoly"]) == sp.expand((lam**3 - 1) ** 2)


def test_cli_derive_latex_and_float_lags_file(capsys, tmp_path):
    path = tmp_path / "lags.json"
    path.write_text('{"lags": [[[0.5]], [[0.25]]]}')
    rc, out, err = _run(capsys, "derive", "--lags", str(path), "--json", "--latex")
    assert rc == 0, err
    res = json.loads(out)
    assert "exact binary" in res["note"] and res["charpoly"] == "lam**2 - lam/2 - 1/4"
    assert set(res["latex"]) == {"charpoly", "factors", "eigenvalues"}
    rc, out, _ = _run(capsys, "derive", "--task", "fibonacci", "--d", "1", "--s", "2")
    assert rc == 0 and "lam**2 - lam - 1" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["derive", "--task", "nope", "--d", "1", "--s", "2"], "unknown task"),
        (["derive", "--task", "fibonacci", "--d", "1"], "needs --d D and --s S"),
        (["derive", "--lags", "RAGGED"], "rectangular"),
        (["derive", "--lags", "MISSING"], "cannot read"),
        (["derive", "--task", "fibonacci", "--d", "1", "--s", "2", "--rationalize", "round"], "invalid choice"),
    ],
)
def test_cli_derive_bad_input_exits_2_with_one_line(capsys, tmp_path, argv, message):
    (tmp_path / "RAGGED.json").write_text('{"lags": [[[1, 2], [3]]]}')
    argv = [str(tmp_path / f"{a}.json") if a in ("RAGGED", "MISSING") else a for a in argv]
    rc, out, err = _run(capsys, *argv)
    assert rc == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in err


def test_eigenvalue_dataclass_is_frozen():
    e = eigen_structure(repeat_copy(1, 1))[0]
    assert isinstance(e, Eigenvalue) and e.value == 1
    with pytest.raises(AttributeError):
        e.algebraic = 3  # type: ignore[misc]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_derive_refuses_non_finite_lags_naming_them(bad):
    with pytest.raises(ValueError, match=r"^lags\[1\] \(A_2\): NaN or infinite entries"):
        derive([[[1.0]], [[bad]]])
    with pytest.raises(ValueError, match=r"^lags\[0\] \(A_1\): NaN or infinite entries"):
        exact_lags([np.array([[bad]])])


def test_compile_rnn_checks_hidden_like_any_size():
    task = repeat_copy(2, 2)
    with pytest.raises(TypeError, match="^hidden: expected an integer >= 1, got '8'"):
        compile_rnn(task, hidden="8")
    with pytest.raises(TypeError, match="^hidden: expected an integer"):
        compile_rnn(task, hidden=8.0)
    assert compile_rnn(task, hidden=6).hidden == 6
