"""Diagonal linear recurrences (LRU, S4D) on the two-phase tasks: which tasks they solve, with how many states (C15).

A diagonal complex recurrence with a real readout,

    h(t) = Lambda h(t-1) + B u(t),   y(t) = Re(C h(t)),   Lambda = diag(lambda_1..lambda_m) in C,

run on the two-phase protocol of C12 solves a task at every horizon iff (proofs/c15_diagonal_recurrences.py)

    the task is LTI-realizable (C12) and its minimal realization W of C16 is diagonalizable over C
    <=> the map P that A_s induces on R^d / K is invertible and diagonalizable (``minimal.TaskStructure``).

Then n_min = rank H_1 and the fewest complex states is

    n_complex = sum_{z real} ceil(m_z / 2) + sum_{Im z > 0} m_z        (m_z = multiplicity of z in W):

a state with a real eigenvalue contributes Re(c b^T), of rank <= 2; a conjugate pair {z, conj z} needs m_z
states at z or conj z (any mix). Learned spectra are therefore compared with the target *folded* to
Im >= 0 (``target_states``). Repeat copy: z^s = 1, each d times, n_complex = ceil(d/2)(1 + [s even]) +
d floor((s-1)/2). The LRU/S4D parametrizations keep |lambda| < 1, so unit-modulus targets are only
approached, never reached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from .._validate import as_batch
from .gated import Linearization
from .minimal import eigenvalue_json, exact_spectrum, minimal_realization, task_structure
from .realizability import is_realizable
from .symbolic import Eigenvalue
from .tasks import LinearHDS

__all__ = ["DiagonalProfile", "diagonal_profile", "complex_state_count", "fold_spectrum", "target_states",
           "DiagonalRecurrence", "diagonal_realization"]

# an eigenvalue with |Im z| below this is real: exact roots evaluate to 30 digits, so real ones have Im = 0 exactly
_REAL_TOL = 1e-12


def _is_real(z: complex) -> bool:
    return abs(z.imag) <= _REAL_TOL


def complex_state_count(eigenvalues: list[Eigenvalue]) -> int:
    """Fewest complex states of a diagonal recurrence with a Re() readout: sum ceil(m/2) over real z + sum m over Im z > 0 (C15).

    ``eigenvalues``: the exact eigenvalues of a diagonalizable, invertible minimal W (``minimal.exact_spectrum``).

    >>> from wavetheory.theory.minimal import exact_spectrum
    >>> complex_state_count(exact_spectrum(sp.diag(1, 1, 1, -1)))  # ceil(3/2) + ceil(1/2)
    3
    """
    total = 0
    for e in eigenvalues:
        z = complex(sp.N(e.value, 30))
        if e.value == 0:
            raise ValueError("eigenvalues: 0 contributes nothing to a diagonal recurrence for k >= 1 (W not minimal)")
        if _is_real(z):
            total += math.ceil(e.algebraic / 2)
        elif z.imag > 0:
            total += e.algebraic
    return total


@dataclass(frozen=True)
class DiagonalProfile:
    """What C15 says of a task: realizable (C12), n_min (C16), diagonal-realizable, complex states, target spectrum.

    ``eigenvalues`` is the exact spectrum of the minimal W (with Jordan blocks); ``reason`` says why a
    diagonal recurrence fails (or "minimal W diagonalizable"). ``n_complex_states`` is None unless
    ``diagonalizable``.
    """

    realizable: bool
    min_state_dim: int | None
    rank_H1: int | None
    diagonalizable: bool
    n_complex_states: int | None
    eigenvalues: tuple[Eigenvalue, ...] = field(repr=False)
    reason: str

    def to_json(self) -> dict[str, Any]:
        targets = target_states(self).tolist() if self.diagonalizable else []
        return {"realizable": self.realizable, "min_state_dim": self.min_state_dim, "rank_H1": self.rank_H1,
                "diagonal_realizable": self.diagonalizable, "n_complex_states": self.n_complex_states,
                "target_states": [[z.real, z.imag] for z in targets], "reason": self.reason,
                "minimal_spectrum": [eigenvalue_json(e) for e in self.eigenvalues]}


def diagonal_profile(task: LinearHDS) -> DiagonalProfile:
    """The C15 profile of a task: can a diagonal complex recurrence solve it, and with how many states (C15, C16).

    diagonal-realizable <=> realizable and the minimal W is diagonalizable (checked exactly on W, and
    equal to "P invertible and diagonalizable", ``minimal.task_structure``).

    >>> from wavetheory.theory.tasks import repeat_copy, signed_selection
    >>> p = diagonal_profile(repeat_copy(3, 8)); (p.min_state_dim, p.diagonalizable, p.n_complex_states)
    (24, True, 13)
    >>> diagonal_profile(signed_selection("x1(t-2), x2(t-2), x2(t-2)")).reason
    'P singular: the minimal W has Jordan chains at 0 (n_min > rank H_1), a response of finite duration'
    """
    if not isinstance(task, LinearHDS):
        raise TypeError(f"task: expected a LinearHDS, got {type(task).__name__}")
    if not is_realizable(task):
        return DiagonalProfile(False, None, None, False, None, (), "not LTI-realizable (C12): no linear recurrence of any size")
    mr = minimal_realization(task)
    eig = tuple(exact_spectrum(mr.W))
    diag = all(max(e.jordan) == 1 for e in eig)
    st = task_structure(task)
    if diag != (st.P_invertible and st.P_diagonalizable):  # pragma: no cover - Theorem 3, 4 <=> 5
        raise RuntimeError("diagonal_profile: W diagonalizable disagrees with P invertible and diagonalizable")
    if diag:
        return DiagonalProfile(True, mr.n, mr.rank_H1, True, complex_state_count(list(eig)), eig, "minimal W diagonalizable")
    why = ("P singular: the minimal W has Jordan chains at 0 (n_min > rank H_1), a response of finite duration"
           if not st.P_invertible else "P not diagonalizable: the minimal W has a Jordan block at a nonzero eigenvalue")
    return DiagonalProfile(True, mr.n, mr.rank_H1, False, None, eig, why)


def fold_spectrum(values: np.ndarray, multiplicities: np.ndarray) -> np.ndarray:
    """One eigenvalue per complex state, folded to Im >= 0: a real z of multiplicity m ceil(m/2) times, a pair m times (C15).

    ``values`` are distinct eigenvalues of a real matrix (both members of each conjugate pair, or only one;
    members with Im < 0 are skipped), ``multiplicities`` their counts. Sorted by angle.

    >>> fold_spectrum(np.array([1, 1j, -1j, -1]), np.array([3, 2, 2, 1])).tolist()
    [(1+0j), (1+0j), 1j, 1j, (-1+0j)]
    """
    out: list[complex] = []
    for z, m in zip(np.asarray(values, dtype=complex), np.asarray(multiplicities, dtype=int)):
        if _is_real(z):
            out += [complex(z.real, 0.0)] * math.ceil(m / 2)
        elif z.imag > 0:
            out += [z] * int(m)
    return np.array(sorted(out, key=lambda w: (round(float(np.angle(w)), 12), abs(w))), dtype=complex)


def target_states(profile: DiagonalProfile) -> np.ndarray:
    """The eigenvalues a minimal diagonal recurrence must hold, folded to Im >= 0, one per complex state (C15).

    A real z of multiplicity m appears ceil(m/2) times, a pair {z, conj z} m times (as the member with
    Im > 0) (``fold_spectrum``). Shape (n_complex_states,), sorted by angle.

    >>> from wavetheory.theory.tasks import repeat_copy
    >>> np.round(target_states(diagonal_profile(repeat_copy(1, 4))), 12).tolist()
    [(1+0j), 1j, (-1+0j)]
    """
    if not profile.diagonalizable:
        raise ValueError(f"profile: the task is not diagonal-realizable ({profile.reason})")
    return fold_spectrum(np.array([complex(sp.N(e.value, 30)) for e in profile.eigenvalues]),
                         np.array([e.algebraic for e in profile.eigenvalues]))


@dataclass(frozen=True)
class DiagonalRecurrence:
    """A complex diagonal recurrence: lam (m,), B (m, d), C (d, m); h(t) = lam h(t-1) + B u(t), y = Re(C h) (C15).

    ``cell`` names where it came from ("diagonal", or a trained "lru" / "s4d" read by ``from_lru`` /
    ``from_s4d``). Its exact real form (``linearization``) has the state [Re h; Im h] (2m) and

        W_hh = [[Re L, -Im L], [Im L, Re L]],  W_uh = [Re B; Im B],  W_hy = [Re C, -Im C],  L = diag(lam),

    whose spectrum is lam together with conj(lam).
    """

    lam: np.ndarray
    B: np.ndarray
    C: np.ndarray
    cell: str = "diagonal"

    def __post_init__(self) -> None:
        lam = np.asarray(self.lam, dtype=complex)
        B, C = np.asarray(self.B, dtype=complex), np.asarray(self.C, dtype=complex)
        if lam.ndim != 1 or B.ndim != 2 or B.shape[0] != lam.shape[0] or C.shape != (B.shape[1], lam.shape[0]):
            raise ValueError(f"lam, B, C: expected shapes (m,), (m, d), (d, m), got {lam.shape}, {B.shape}, {C.shape}")
        if not (np.all(np.isfinite(lam)) and np.all(np.isfinite(B)) and np.all(np.isfinite(C))):
            raise ValueError("lam, B, C: expected finite values")
        for name, v in (("lam", lam), ("B", B), ("C", C)):
            object.__setattr__(self, name, v)

    @classmethod
    def from_lru(cls, nu_log, theta_log, gamma_log, B_re, B_im, C_re, C_im) -> "DiagonalRecurrence":
        """The LRU of Orvieto et al. (2023): lam = exp(-exp(nu_log) + i exp(theta_log)), B = exp(gamma_log) (B_re + i B_im)."""
        lam = np.exp(-np.exp(np.asarray(nu_log, float)) + 1j * np.exp(np.asarray(theta_log, float)))
        B = np.exp(np.asarray(gamma_log, float))[:, None] * (np.asarray(B_re, float) + 1j * np.asarray(B_im, float))
        return cls(lam, B, np.asarray(C_re, float) + 1j * np.asarray(C_im, float), "lru")

    @classmethod
    def from_s4d(cls, A_re_log, A_im, log_dt, B_re, B_im, C_re, C_im) -> "DiagonalRecurrence":
        """S4D (Gu et al. 2022) by zero-order hold: A = -exp(A_re_log) + i A_im, lam = exp(dt A), B = (lam - 1) / A (B_re + i B_im)."""
        A = -np.exp(np.asarray(A_re_log, float)) + 1j * np.asarray(A_im, float)
        lam = np.exp(np.exp(np.asarray(log_dt, float)) * A)
        B = ((lam - 1.0) / A)[:, None] * (np.asarray(B_re, float) + 1j * np.asarray(B_im, float))
        return cls(lam, B, np.asarray(C_re, float) + 1j * np.asarray(C_im, float), "s4d")

    def states(self, inputs: np.ndarray) -> np.ndarray:
        """Complex states h(t), (B, T, m) for inputs (B, T, d) or (T, m) for (T, d); h(-1) = 0."""
        u, single = as_batch(inputs, "inputs", "(T, d)")
        if u.shape[-1] != self.B.shape[1]:
            raise ValueError(f"inputs: expected last dimension d = {self.B.shape[1]}, got {u.shape[-1]}")
        h = np.zeros((u.shape[0], self.lam.shape[0]), dtype=complex)
        hs = np.empty(u.shape[:2] + (self.lam.shape[0],), dtype=complex)
        for t in range(u.shape[1]):
            h = self.lam * h + u[:, t] @ self.B.T
            hs[:, t] = h
        return hs[0] if single else hs

    def run(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Outputs y = Re(C h) and the real-form states [Re h, Im h] ((B, T, d), (B, T, 2m); or unbatched)."""
        hs = self.states(inputs)
        return (hs @ self.C.T).real, np.concatenate([hs.real, hs.imag], axis=-1)

    def linearization(self) -> Linearization:
        """The exact real form (a LinearRNN of size 2m) that carries this recurrence as its ``network``."""
        L = np.diag(self.lam)
        W_hh = np.block([[L.real, -L.imag], [L.imag, L.real]])
        return Linearization(W_hh, np.concatenate([self.B.real, self.B.imag]), np.concatenate([self.C.real, -self.C.imag], axis=1),
                             network=self)


def diagonal_realization(task: LinearHDS, rtol: float = 1e-9) -> DiagonalRecurrence:
    """A diagonal recurrence with exactly n_complex states that solves the task (float64), C15.

    From the minimal W = V diag(z) V^-1: residues M_z = C V_z V_z^+ B (G_k = sum_z M_z z^k, k >= 1).
    A real z takes one state per two rank-one terms p q^T (c = p_1 + i p_2, b = q_1 - i q_2 gives
    Re(c b^T) = p_1 q_1^T + p_2 q_2^T); a pair takes rank(M_z) states at z with sum c b^T = 2 M_z.
    ``rtol``: singular values of M_z below rtol * max(1, sigma_max) count as zero (the residues of a
    rational W are O(1); the eigen-decomposition leaves O(1e-15 cond(V)) noise).
    """
    prof = diagonal_profile(task)
    if not prof.diagonalizable:
        raise ValueError(f"task: not solvable by a diagonal recurrence ({prof.reason})")
    rnn = minimal_realization(task).linear_rnn()
    ev, V = np.linalg.eig(rnn.W_hh)
    Vi = np.linalg.inv(V)
    lam, Bs, Cs = [], [], []
    for e in prof.eigenvalues:
        z = complex(sp.N(e.value, 30))
        if z.imag < -_REAL_TOL:
            continue
        idx = np.argsort(np.abs(ev - z))[: e.algebraic]
        Mz = rnn.W_hy @ V[:, idx] @ Vi[idx] @ rnn.W_uh
        U, S, Vt = np.linalg.svd(Mz.real if _is_real(z) else 2 * Mz)
        r = int(np.sum(S > rtol * max(1.0, S[0])))
        P, Q = U[:, :r] * S[:r], Vt[:r].T
        if _is_real(z):
            for q in range(0, r, 2):
                pair = q + 1 < r
                lam.append(complex(z.real, 0.0))
                Cs.append(P[:, q] + (1j * P[:, q + 1] if pair else 0))
                Bs.append(Q[:, q] - (1j * Q[:, q + 1] if pair else 0))
        else:
            for q in range(r):
                lam.append(z)
                Cs.append(P[:, q].astype(complex))
                Bs.append(Q[:, q])
    d = task.d
    return DiagonalRecurrence(np.array(lam), np.array(Bs).reshape(len(lam), d), np.array(Cs).T.reshape(d, len(lam)))
