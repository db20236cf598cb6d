"""Diagonal state-space cells for the trainer: the LRU and S4D (C15), trained on the same two-phase tasks.

Both are the diagonal complex recurrence of ``theory.diagonal_recurrence`` (no nonlinearity, no bias):

    h(t) = Lambda h(t-1) + B u(t),   y(t) = Re(C h(t)),   h(-1) = 0,      Lambda = diag(lambda) (N complex states)

and differ in how Lambda and B are parametrized:

* ``LRU`` (Orvieto et al. 2023, "Resurrecting recurrent neural networks for long sequences"):
  lambda = exp(-exp(nu_log) + i exp(theta_log)), B = exp(gamma_log) (B_re + i B_im), C = C_re + i C_im, with
  their initialization: |lambda|^2 uniform on the ring [r_min^2, r_max^2], phase uniform on [0, max_phase],
  B ~ N(0, 1/(2d)) per part, C ~ N(0, 1/N) per part, gamma = sqrt(1 - |lambda|^2) (the normalization).
  We use their defaults r_min = 0, r_max = 1, max_phase = 2 pi; their feed-through D u(t) is left out
  (the output phase has no input, so it cannot help);
* ``S4D`` (Gu et al. 2022, "On the parameterization and initialization of diagonal state space models"):
  continuous A = -exp(A_re_log) + i A_im, one learned step dt = exp(log_dt) per state, zero-order hold
  lambda = exp(dt A), B = (lambda - 1) / A (B_re + i B_im); S4D-Lin initialization A = -1/2 + i pi n,
  log dt uniform on [log 1e-3, log 1e-1]. With d inputs (S4D's SISO B = 1 would feed every input alike)
  B starts like the LRU's, C ~ N(0, 1/2) per part (S4D's complex normal).

Both keep |lambda| < 1 by construction, so unit-modulus targets (repeat copy) are approached, never
reached. The recurrence runs as a loop over time in real arithmetic (re, im parts); ``diagonal()`` is the
numpy object (``DiagonalRecurrence.from_lru`` / ``from_s4d``, the same formulas) read by ``analysis``.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..theory.diagonal_recurrence import DiagonalRecurrence
from ..theory.gated import Linearization
from .cells import CELLS, copy_parameters

__all__ = ["LRU", "S4D", "LRU_RING", "S4D_STEP"]

LRU_RING = (0.0, 1.0, 2 * math.pi)  # (r_min, r_max, max_phase): the defaults of Orvieto et al. (2023)
S4D_STEP = (1e-3, 1e-1)  # dt_min, dt_max of S4D's log-uniform step initialization


def _numpy(p: torch.Tensor) -> np.ndarray:
    return p.detach().cpu().double().numpy()


class _Diagonal(torch.nn.Module):
    """The shared recurrence and readout; subclasses define ``_lambda_B`` and the parameter names ``KEYS``."""

    KEYS: tuple[str, ...] = ()
    cell = "diagonal"

    def __init__(self, d: int, hidden: int) -> None:
        super().__init__()
        self.d, self.hidden = d, hidden
        self.C_re = torch.nn.Parameter(torch.randn(d, hidden) / math.sqrt(hidden))
        self.C_im = torch.nn.Parameter(torch.randn(d, hidden) / math.sqrt(hidden))

    def _lambda_B(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def forward(self, inputs: torch.Tensor, s: int) -> torch.Tensor:
        """Outputs of the output phase: inputs (B, s + horizon, d) -> y (B, horizon, d)."""
        lr, li, B_re, B_im = self._lambda_B()  # (N,), (N,), (N, d), (N, d)
        drive_re, drive_im = inputs @ B_re.T, inputs @ B_im.T  # (B, T, N)
        hr = torch.zeros(inputs.shape[0], self.hidden, dtype=inputs.dtype, device=inputs.device)
        hi = torch.zeros_like(hr)
        out = []
        for t in range(inputs.shape[1]):
            hr, hi = lr * hr - li * hi + drive_re[:, t], lr * hi + li * hr + drive_im[:, t]
            if t >= s:
                out.append(hr @ self.C_re.T - hi @ self.C_im.T)  # Re(C h), (B, d)
        return torch.stack(out, dim=1)  # (B, horizon, d)

    def weights(self) -> dict[str, np.ndarray]:
        """The raw parameters as float64 arrays (the keys of the weights file)."""
        return {k: _numpy(getattr(self, k)) for k in self.KEYS}

    def set_weights(self, **arrays: np.ndarray) -> None:
        copy_parameters([(getattr(self, k), arrays[k]) for k in self.KEYS], self.KEYS)

    def diagonal(self) -> DiagonalRecurrence:
        raise NotImplementedError

    def linearization(self) -> Linearization:
        """The exact real form (2N states) with the diagonal recurrence as its network."""
        return self.diagonal().linearization()


class LRU(_Diagonal):
    """The linear recurrent unit (Orvieto et al. 2023) with a real readout, N = ``hidden`` complex states (C15)."""

    KEYS = CELLS["lru"].keys
    cell = "lru"

    def __init__(self, d: int, hidden: int, ring: tuple[float, float, float] = LRU_RING) -> None:
        super().__init__(d, hidden)
        r_min, r_max, max_phase = ring
        u1 = torch.rand(hidden).clamp(1e-6, 1 - 1e-6)  # (0, 1): keeps every log finite
        u2 = torch.rand(hidden).clamp_min(1e-6)
        nu_log = torch.log(-0.5 * torch.log(u1 * (r_max**2 - r_min**2) + r_min**2))
        theta_log = torch.log(max_phase * u2)
        modulus = torch.exp(-torch.exp(nu_log))
        self.nu_log = torch.nn.Parameter(nu_log)
        self.theta_log = torch.nn.Parameter(theta_log)
        self.gamma_log = torch.nn.Parameter(torch.log(torch.sqrt(1 - modulus**2)))
        self.B_re = torch.nn.Parameter(torch.randn(hidden, d) / math.sqrt(2 * d))
        self.B_im = torch.nn.Parameter(torch.randn(hidden, d) / math.sqrt(2 * d))

    def _lambda_B(self):
        modulus, phase = torch.exp(-torch.exp(self.nu_log)), torch.exp(self.theta_log)
        gamma = torch.exp(self.gamma_log)[:, None]
        return modulus * torch.cos(phase), modulus * torch.sin(phase), gamma * self.B_re, gamma * self.B_im

    def diagonal(self) -> DiagonalRecurrence:
        return DiagonalRecurrence.from_lru(**self.weights())


class S4D(_Diagonal):
    """A diagonal S4 layer (S4D-Lin) discretized by zero-order hold with learned steps, N = ``hidden`` states (C15)."""

    KEYS = CELLS["s4d"].keys
    cell = "s4d"

    def __init__(self, d: int, hidden: int, step: tuple[float, float] = S4D_STEP) -> None:
        super().__init__(d, hidden)
        lo, hi = math.log(step[0]), math.log(step[1])
        self.A_re_log = torch.nn.Parameter(torch.full((hidden,), math.log(0.5)))
        self.A_im = torch.nn.Parameter(math.pi * torch.arange(hidden, dtype=torch.float32))
        self.log_dt = torch.nn.Parameter(lo + (hi - lo) * torch.rand(hidden))
        self.B_re = torch.nn.Parameter(torch.randn(hidden, d) / math.sqrt(2 * d))
        self.B_im = torch.nn.Parameter(torch.randn(hidden, d) / math.sqrt(2 * d))
        with torch.no_grad():  # S4D's C: complex standard normal, variance 1/2 per part
            self.C_re.copy_(torch.randn(d, hidden) / math.sqrt(2))
            self.C_im.copy_(torch.randn(d, hidden) / math.sqrt(2))

    def _lambda_B(self):
        a, b, dt = -torch.exp(self.A_re_log), self.A_im, torch.exp(self.log_dt)
        modulus, phase = torch.exp(dt * a), dt * b
        lr, li = modulus * torch.cos(phase), modulus * torch.sin(phase)
        den = a**2 + b**2  # (lambda - 1) / A = (lambda - 1) conj(A) / |A|^2
        fr, fi = ((lr - 1) * a + li * b) / den, (li * a - (lr - 1) * b) / den
        return lr, li, fr[:, None] * self.B_re - fi[:, None] * self.B_im, fr[:, None] * self.B_im + fi[:, None] * self.B_re

    def diagonal(self) -> DiagonalRecurrence:
        return DiagonalRecurrence.from_s4d(**self.weights())
