"""Fresh two-phase batches in torch, the sign accuracy, and seeded evaluations (THEORY.md section 1).

Every training batch is fresh, so a batch's accuracy is an unbiased estimate on unseen sequences;
evaluation batches come from generators derived from (seed, step), so a resumed run sees the same.
"""

from __future__ import annotations

import numpy as np
import torch

from ..theory.tasks import HDS, LinearHDS
from ..theory.two_phase import two_phase_batch
from ..theory.wave_operator import continuation_map
from .models import ElmanRNN, GatedRNN

__all__ = ["TwoPhaseData", "right_sign", "sign_accuracy", "evaluate", "FINAL_EVAL", "EVAL_CHUNK"]

FINAL_EVAL = 10**9  # step key of the final evaluation batch (never a training step)
EVAL_CHUNK = 512  # sequences per forward pass of an evaluation


class TwoPhaseData:
    """Fresh two-phase batches (C12 protocol): inputs (B, s + horizon, d), targets (B, horizon, d).

    Linear tasks are generated in torch: the targets are linear in the +-1 history, so
    targets = history_flat @ G_h with the impulse responses G_h (sd, horizon * d) computed once
    per horizon by the wave memory (``simulate`` on the unit histories). General HDS tasks use
    ``two_phase_batch`` (numpy).
    """

    def __init__(self, task: LinearHDS | HDS, device: torch.device, dtype: torch.dtype = torch.float32) -> None:
        self.task, self.device, self.dtype = task, device, dtype
        self._G: dict[int, torch.Tensor] = {}

    def impulse_responses(self, horizon: int) -> torch.Tensor:
        """G_h (sd, horizon * d): row i*d + j is the continuation of the history e_(i, j)."""
        if horizon not in self._G:
            G = continuation_map(self.task, horizon)  # (sd, horizon * d)
            self._G[horizon] = torch.as_tensor(G, dtype=self.dtype, device=self.device)
        return self._G[horizon]

    def batch(
        self, B: int, horizon: int, gen: torch.Generator, np_rng: np.random.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        s, d = self.task.s, self.task.d
        if isinstance(self.task, LinearHDS):
            hist = torch.randint(0, 2, (B, s, d), generator=gen).to(self.dtype) * 2 - 1  # (B, s, d)
            hist = hist.to(self.device)
            targets = (hist.reshape(B, s * d) @ self.impulse_responses(horizon)).reshape(B, horizon, d)
            inputs = torch.cat([hist, hist.new_zeros(B, horizon, d)], dim=1)  # (B, s + horizon, d)
            return inputs, targets
        u, y = two_phase_batch(self.task, B, horizon, np_rng)
        return (torch.as_tensor(u, dtype=self.dtype, device=self.device),
                torch.as_tensor(y, dtype=self.dtype, device=self.device))


def right_sign(y: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Where y has the sign of the target (sign(y) sign(t) > 0; no product y t, which underflows in float32)."""
    return (torch.sign(y) * torch.sign(targets)) > 0


def sign_accuracy(y: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction of output components with the right sign, over components whose target is not 0."""
    nonzero = targets != 0
    return float(right_sign(y, targets)[nonzero].float().mean()) if bool(nonzero.any()) else 1.0


def _derived_generators(seed: int, step: int) -> tuple[torch.Generator, np.random.Generator]:
    """Generators for an evaluation at ``step``: a pure function of (seed, step), resume-safe."""
    child = int(np.random.SeedSequence([seed, step, 0xE7A1]).generate_state(1, dtype=np.uint64)[0] >> 1)
    return torch.Generator().manual_seed(child), np.random.default_rng(child)


@torch.no_grad()
def evaluate(model: ElmanRNN | GatedRNN, data: TwoPhaseData, horizon: int, batch: int, seed: int, step: int = FINAL_EVAL) -> tuple[float, float]:
    """(loss, sign accuracy) on ``batch`` fresh sequences at ``horizon`` (generators from seed, step).

    The sequences are drawn at once and run through the model ``EVAL_CHUNK`` at a time (the hidden states
    of 4096 sequences of 110 steps would take 230 MB): the counts of right signs add up exactly.
    """
    gen, np_rng = _derived_generators(seed, step)
    inputs, targets = data.batch(batch, horizon, gen, np_rng)
    squared, right, counted = 0.0, 0, 0
    for i in range(0, batch, EVAL_CHUNK):
        y, t = model(inputs[i:i + EVAL_CHUNK], data.task.s), targets[i:i + EVAL_CHUNK]
        squared += float(torch.sum((y - t) ** 2))
        nonzero = t != 0
        right += int(right_sign(y, t)[nonzero].sum())
        counted += int(nonzero.sum())
    return squared / targets.numel(), right / counted if counted else 1.0
