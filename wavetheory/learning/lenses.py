"""Where the network lives: the lenses that read the operator off any registered cell (C7, C8, C10, C11, C14, C16).

Beyond W_hh (the linearization at 0, which biases or saturation make the wrong place to look):

* fixed and slow points (``fixed_points``) with the Jacobian's spectrum at each, matched to Phi's;
* the operating point: the Jacobian averaged along the recall phase (``substrate.operating_point``);
* the operator from activity alone: Hankel DMD of the hidden states (``theory.dmd``), delays = s,
  rank = n_min (C16) by default;
* the Lyapunov spectrum along trajectories (``lyapunov``), the s*d leading exponents;
* the authors' task-subspace metrics of W_hh (``task_subspace``).

All on the same fresh two-phase sequences (``seed``); ``record_states`` records a torch module's hidden
states with a forward hook for DMD on a network of any kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..theory.dmd import DMD, DMDMatch, default_rank, dmd, match_dmd
from ..theory.tasks import LinearHDS
from ..theory.two_phase import two_phase_batch
from .dynamics import state_map
from .fixed_points import FixedPoint, find_fixed_points
from .lyapunov import lyapunov_spectrum
from .spectrum_match import SpectrumMatch, match_spectrum, persistence_radius
from .substrate import operating_point
from .task_subspace import task_subspace

__all__ = ["Lenses", "read_lenses", "network_dmd", "record_states"]


@dataclass(frozen=True)
class Lenses:
    """The lens readings of one network: fixed points, operating point, DMD, Lyapunov exponents, task subspace."""

    fixed_points: list[FixedPoint]
    operating_point: SpectrumMatch | None
    dmd: DMD
    dmd_match: DMDMatch
    lyapunov: np.ndarray
    lyapunov_floor: float  # log(persistence radius): an exponent above it keeps > 1% over s steps
    task_subspace: dict[str, Any]
    operating_jacobian: np.ndarray = field(repr=False, default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "fixed_points": [p.to_json() for p in self.fixed_points],
            "operating_point": {"eig_match": None if self.operating_point is None else self.operating_point.summary()},
            "dmd": {"delays": self.dmd.delays, "rank": self.dmd.rank, "rank_requested": self.dmd.rank_requested,
                    "eig_match": self.dmd_match.summary()},
            "lyapunov": [float(v) for v in self.lyapunov],
            "lyapunov_floor": self.lyapunov_floor,
            "task_subspace": self.task_subspace,
        }


def network_dmd(states: np.ndarray, task: LinearHDS, delays: int | None = None, rank: int | None = None,
                burn_in: int | None = None) -> tuple[DMD, DMDMatch]:
    """Hankel DMD of hidden states (B, s + horizon, m) recorded on two-phase sequences, matched to Phi's nonzero spectrum.

    Reads the recall phase after ``burn_in`` further steps (default s*d, when the nilpotent part of Phi -- Jordan
    blocks at 0 of size at most s*d -- has died out): times t >= s - 1 + burn_in. delays = s and rank = n_min (C16)
    by default.
    """
    states = np.asarray(states, dtype=np.float64)
    burn_in = task.s * task.d if burn_in is None else int(burn_in)
    D = dmd(states[:, task.s - 1 + burn_in :], task.s if delays is None else delays,
            default_rank(task) if rank is None else rank)
    return D, match_dmd(D.eigenvalues, task)


def record_states(module: Any, inputs: np.ndarray) -> np.ndarray:
    """The hidden states (B, T, H) of the one torch.nn.RNN / GRU / LSTM inside ``module``, recorded by a forward hook.

    ``module(inputs)`` is called once (batch-first float inputs (B, T, d)); the recurrent layer must be batch_first.
    """
    import torch

    layers = [m for m in module.modules() if isinstance(m, torch.nn.RNNBase)]
    if len(layers) != 1:
        raise ValueError(f"module: expected one torch.nn.RNN/GRU/LSTM, found {len(layers)}")
    if not layers[0].batch_first:
        raise ValueError("module: the recurrent layer must be batch_first=True")
    seen: list[torch.Tensor] = []
    hook = layers[0].register_forward_hook(lambda m, args, out: seen.append(out[0].detach()))
    try:
        with torch.no_grad():
            p = next(layers[0].parameters())
            module(torch.as_tensor(np.asarray(inputs), dtype=p.dtype))
    finally:
        hook.remove()
    return seen[0].double().cpu().numpy()


def read_lenses(net: Any, task: LinearHDS, nonlinearity: str = "tanh", seed: int = 0, delays: int | None = None,
                rank: int | None = None, x: np.ndarray | None = None, batch: int = 64, n_init: int = 32) -> Lenses:
    """Every lens on one network (any registered cell) and task, on ``batch`` fresh two-phase sequences of horizon s d + 2 s.

    ``x``: the input held for the fixed points (default 0, the recall phase); ``delays``, ``rank``: DMD's
    (default s and n_min). Fixed points start from ``n_init`` states of those trajectories.
    """
    s, sd = task.s, task.s * task.d
    sm = state_map(net, nonlinearity)
    u, _ = two_phase_batch(task, batch, sd + 2 * s, seed)
    states = sm.rollout(u).numpy()
    points = find_fixed_points(net, task, states=states, x=x, n_init=n_init, nonlinearity=nonlinearity, seed=seed)
    J = operating_point(net, u, s, nonlinearity)
    op = match_spectrum(J, task) if sm.n >= sd else None
    D, Dm = network_dmd(states[..., : sm.hidden], task, delays, rank)
    lyap = lyapunov_spectrum(net, u[: min(batch, 16)], k=min(sm.n, sd), nonlinearity=nonlinearity)
    W = getattr(net, "W_hh")
    sub = task_subspace(W, task) if W.shape[0] >= sd else {}
    return Lenses(points, op, D, Dm, lyap, float(np.log(persistence_radius(s))), sub, J)
