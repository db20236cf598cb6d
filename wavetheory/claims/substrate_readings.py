"""The networks behind C7-C10 and what is read from each: typed readings of W_hh, the operating point and gradients.

Two configurations, each trained over the run's seeds (``substrate_families``): the paper's (repeat copy d = 8,
s = 10, hidden 128, the authors' task and hyper-parameters) and a small one (repeat copy d = 3, s = 4). Each
trained network is read next to the same network at initialization and the null model (``analysis.null_model``:
a random orthogonal W_hh of the trained norm with the same W_uh and W_hy), in the worker right after training
(``substrate_reading``), into dataclasses that keep complex arrays: ``OperatorReading`` (one operator: W_hh or
the trajectory-averaged Jacobian), ``LensReading`` (the lenses of issue 22: the Jacobian at a fixed point and DMD of
the activity), ``NetworkReading`` (one network), ``SubstrateReading`` (one seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..learning.config import TrainConfig
from ..theory.tasks import LinearHDS, repeat_copy
from ..thresholds import SOLVED_ACCURACY
from .claim import Plan
from .trained_runs import TRAIN_TARGET, Family, describe

__all__ = ["CONFIGS", "OperatorReading", "LensReading", "NetworkReading", "SubstrateReading", "substrate_families",
           "read_operator", "lens_reading", "network_reading", "substrate_reading", "JACOBIAN_BATCH", "FIXED_POINT_STARTS"]

# name -> (d, s, TrainConfig fields): the paper's configuration (the authors' task, hidden 128 and the trainer's
# defaults) and a small second one; both stop at TRAIN_TARGET
CONFIGS: dict[str, tuple[int, int, dict[str, Any]]] = {
    "paper": (8, 10, {"target": TRAIN_TARGET}),
    "small": (3, 4, {"steps": 3000, "target": TRAIN_TARGET}),
}

# sequences over which the operating-point Jacobian and the gradients are averaged (output phase of the final horizon)
JACOBIAN_BATCH = 64
# DMD_RANK_NOTE: the lenses' DMD rank is n_min (C16); it is passed as the number of Phi's nonzero eigenvalues, the
# dimension of the span the recall-phase activity keeps once the nilpotent part has died out, which equals n_min = s*d
# for repeat copy (Phi a block permutation; tests/claims/test_substrate_readings.py) and costs a matrix power, where the
# exact n_min (theory.minimal) takes 4-9 s (measured) at d = 8, s = 10 on first use in each process
# candidates of the fixed-point finder, drawn from those sequences' states (the lenses' default is 32: ~0.5-1.5 s
# per hidden-128 network on one core, measured)
FIXED_POINT_STARTS = 32


def substrate_families(plan: Plan) -> dict[str, Family]:
    """C7-C10's networks: one family per configuration of ``CONFIGS``, over the plan's seeds."""
    out = {}
    for name, (d, s, config) in CONFIGS.items():
        task, first = repeat_copy(d, s), TrainConfig(seed=plan.seeds[0], **config)
        out[f"substrate-{name}"] = Family(task, config, plan.seeds, describe(task, first, plan.seeds),
                                          substrate_reading, {"d": d, "s": s, "hidden": first.hidden})
    return out


@dataclass(frozen=True)
class OperatorReading:
    """One operator of one network (W_hh or the operating-point Jacobian) against Phi (C7, C8).

    ``match_mean``, ``angle_max``, ``modulus_mean``: the s*d leading eigenvalues matched to Phi's
    (``spectrum_match``); ``extra_max``: the largest modulus among the other (extra) eigenvalues; the readout power
    basis's ``free_column`` and ``boundary_row`` errors (C8).
    """

    eigenvalues: np.ndarray  # (H,) complex
    match_mean: float
    angle_max: float
    modulus_mean: float
    extra_max: float
    n_extra: int
    free_column: float
    boundary_row: float


@dataclass(frozen=True)
class LensReading:
    """C7/C8 through the lenses of issue 22 (readings outside C7.1's wording, declared as limits).

    ``fixed_point``: the ``OperatorReading`` of the Jacobian at the fixed point read, by a rule fixed before any run:
    with the recall-phase input 0, among the points the finder returns with residual <= ``fixed_points.FIXED`` (true
    fixed points, not slow ones), the first stable one (spectral radius < 1) in the finder's order, i.e. the smallest
    residual; None when no fixed point is stable. ``n_fixed``, ``n_stable``: how many were found, how many stable;
    ``fp_residual``, ``fp_norm``: the point read. ``dmd_match``, ``dmd_max``: mean / max distance of Phi's nonzero
    spectrum to the eigenvalues of a Hankel DMD of the hidden states (delays s, rank n_min of C16 = the number of Phi's
    nonzero eigenvalues for repeat copy, DMD_RANK_NOTE; recall phase after s*d steps), the DMD spectrum padded with
    zeros up to the size of Phi's nonzero spectrum where the recording's numerical rank is smaller (the operator read
    from the activity is 0 off the recorded span); None when the recording is too short; ``dmd_rank``: the rank used.
    """

    fixed_point: OperatorReading | None
    n_fixed: int
    n_stable: int
    fp_residual: float | None
    fp_norm: float | None
    dmd_match: float | None  # None: the recording is too short for s delays after the burn-in
    dmd_max: float | None
    dmd_rank: int


@dataclass(frozen=True)
class NetworkReading:
    """One network (trained, at initialization or the null model): its operators, waves and gradients (C7-C10)."""

    W: OperatorReading
    J: OperatorReading
    wave_r2: float | None
    grad: np.ndarray  # (2s,) ||dh(1+k)/dx(1)|| along trajectories, k = 1..2s (autograd, C10)
    grad_linear: np.ndarray  # (2s,) ||W_hh^k W_uh||: the linearization at 0 (C10's second reading)
    lens: LensReading | None = None  # the lenses (C7.1 / C8.1 limits); None in readings made before they existed


@dataclass(frozen=True)
class SubstrateReading:
    """One seed: the training outcome and the three networks' readings."""

    accuracy: float
    steps: int
    target_step: int | None
    horizon: int
    trained: NetworkReading
    init: NetworkReading
    null: NetworkReading

    @property
    def solved(self) -> bool:
        return self.accuracy >= SOLVED_ACCURACY

    def of(self, who: str) -> NetworkReading:
        return {"trained": self.trained, "init": self.init, "null": self.null}[who]


def read_operator(W: np.ndarray, readout: np.ndarray, task: LinearHDS) -> OperatorReading:
    """The C7/C8 reading of one operator: spectrum matched to Phi's, extra moduli, power-basis errors."""
    from ..learning.power_basis import boundary_row_error, free_column_error, operator_in_power_basis
    from ..learning.spectrum_match import match_spectrum

    m = match_spectrum(W, task)
    s = m.summary()
    return OperatorReading(np.linalg.eigvals(W), float(s["mean"]), float(s["angle_max"]), float(s["modulus_mean"]),
                           float(np.max(np.abs(m.extra))) if m.extra.size else 0.0, int(m.extra.size),
                           float(free_column_error(W, readout, task)),
                           float(boundary_row_error(operator_in_power_basis(W, readout, task), task)))


def lens_reading(net: Any, task: LinearHDS, inputs: np.ndarray, readout: np.ndarray, seed: int) -> LensReading:
    """C7.1 / C8.1 through the lenses: the Jacobian at the fixed point read (``LensReading``) and DMD of the states.

        J* = dF/dh at h* = F(h*, 0), h* stable with the smallest residual;   DMD(h(t), t >= s - 1 + s d; delays s, rank n_min)
    """
    from ..learning.fixed_points import find_fixed_points
    from ..learning.lenses import network_dmd
    from ..theory.dmd import match_dmd, nonzero_spectrum

    states = net.run(inputs, "tanh")[1]
    points = [p for p in find_fixed_points(net, task, states=states, n_init=FIXED_POINT_STARTS, seed=seed)
              if p.kind == "fixed"]
    stable = [p for p in points if p.stable]
    fp = stable[0] if stable else None
    dmd, target = (None, None, 0), nonzero_spectrum(task).size
    if states.shape[1] - (task.s - 1 + task.s * task.d) > task.s:  # a pair of embedded states after the burn-in
        D, _ = network_dmd(states, task, rank=target)  # = n_min for repeat copy (DMD_RANK_NOTE)
        pad = max(0, target - D.eigenvalues.size)  # every target eigenvalue gets a partner
        m = match_dmd(np.concatenate([D.eigenvalues, np.zeros(pad, complex)]), task).summary()
        dmd = (float(m["mean"]), float(m["max"]), int(D.rank))
    return LensReading(None if fp is None else read_operator(fp.jacobian, readout, task), len(points), len(stable),
                       None if fp is None else fp.residual, None if fp is None else float(np.linalg.norm(fp.state)), *dmd)


def network_reading(net: Any, task: LinearHDS, inputs: np.ndarray, seed: int) -> NetworkReading:
    """Every C7-C10 measurement of one Elman network on the output phase of ``inputs`` (and the lenses of C7/C8)."""
    from ..learning.analysis import analyze
    from ..learning.gradient_flow import gradient_flow
    from ..learning.power_basis import truncated_pinv
    from ..learning.substrate import mean_jacobian

    readout = truncated_pinv(net.W_hy)[0]
    a = analyze(net, task, None, seed=seed)
    return NetworkReading(read_operator(net.W_hh, readout, task),
                          read_operator(mean_jacobian(net, inputs, task.s), readout, task), a.wave_r2,
                          np.asarray(gradient_flow(net, task, inputs, 2 * task.s), dtype=float),
                          np.asarray(a.grad_after, dtype=float), lens_reading(net, task, inputs, readout, seed))


def substrate_reading(result: Any) -> SubstrateReading:
    """C7-C10 readings of a TrainResult: the trained network, its initialization and its null model."""
    from ..learning.analysis import null_model
    from ..theory.two_phase import two_phase_batch

    task, seed = result.task, result.config.seed
    inputs, _ = two_phase_batch(task, JACOBIAN_BATCH, result.config.horizons[-1], np.random.default_rng([seed, 7]))
    nets = {"trained": result.rnn, "init": result.init, "null": null_model(result.rnn, np.random.default_rng([seed, 8]))}
    read = {k: network_reading(net, task, inputs, seed) for k, net in nets.items()}
    return SubstrateReading(result.accuracy, result.steps, result.target_step, result.config.horizons[-1], **read)
