"""Tests of wavetheory.theory.nonlinear_tasks: the nonlinear copy tasks on +-1 values (C14)."""

import numpy as np
import pytest

from wavetheory.theory.nonlinear_tasks import NONLINEAR_KINDS, nonlinear_copy
from wavetheory.theory.tasks import rollout


@pytest.mark.parametrize("kind", NONLINEAR_KINDS)
@pytest.mark.parametrize("k", [1, 2, 4])
def test_each_kind_follows_its_definition_written_per_component(kind, k):
    """A second road: the boundary written with explicit component loops, x_j(t-s) and the (j+1, j+2 mod d) of x(t-k)."""
    d, s = 3, 4
    hist = np.random.default_rng(k).choice([-1.0, 1.0], size=(6, s, d))
    x = np.concatenate([hist, rollout(nonlinear_copy(d, s, k, kind), hist, 8)], axis=1)
    for t in range(s, x.shape[1]):
        for j in range(d):
            old, a, b = x[:, t - s, j], x[:, t - k, (j + 1) % d], x[:, t - k, (j + 2) % d]
            want = {"product": old * a, "triple": old * a * b, "majority": np.where(old + a + b > 0, 1.0, -1.0)}[kind]
            np.testing.assert_array_equal(x[:, t, j], want)


@pytest.mark.parametrize("kind, parity", [("product", 1.0), ("triple", -1.0), ("majority", -1.0)])
def test_parity_under_sign_flip(kind, parity):
    past = np.random.default_rng(1).choice([-1.0, 1.0], size=(16, 4, 3))
    task = nonlinear_copy(3, 4, k=2, kind=kind)
    np.testing.assert_array_equal(task.f(-past), parity * task.f(past))


def test_names_encode_kind_and_lag_and_bad_arguments_are_named():
    assert nonlinear_copy(2, 3, k=2, kind="triple").name == "triple-copy-k2"
    for kwargs, exc, name in (({"k": 0}, ValueError, "k"), ({"k": 5}, ValueError, "k"), ({"k": 1.5}, TypeError, "k"),
                              ({"kind": "xor"}, ValueError, "kind"), ({"d": 0}, ValueError, "d"),
                              ({"s": 0}, ValueError, "s")):
        with pytest.raises(exc, match=f"^{name}: "):
            nonlinear_copy(**{"d": 3, "s": 4, **kwargs})
