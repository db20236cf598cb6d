"""The measurements of the C14 study (THEORY.md C14); ``gated_study`` runs them and turns them into checks.

1. ``linearization_part``: GRU/LSTM Jacobians in closed form (gated.jacobian) against torch.autograd
   through torch's own cells, with and without biases, at 0 and at random points; the LSTM spectrum
   identity eig(J) = eig((1/2) I + (1/4) W_hg) + {0}^H.
2. ``compiled_part``: Elman tanh (C11), GRU and LSTM whose linearization is Psi Phi Psi^-1 for repeat
   copy (d = 3, s = 4, orthogonal basis of size H), also with random gate weights: the relative error
   of y/eps at input amplitude eps (log-log slope: 2 for odd cell maps, 1 with gate weights) and the
   sign accuracy at the task's +-1 inputs (eps = 1) at horizon 100, bias-free (gates at 1/2: the leak
   z * h, f * c must be cancelled by the candidate's -2 I, which only the linear regime does) and with
   gate biases b that close the leak (same linearization).
3. ``gated_reading`` (a pool measure, one trained network): Elman, GRU, LSTM trained on repeat copy, read
   through their linearization at 0 (analysis.analyze: spectrum vs Phi, phi_error, robust reading, waves), plus per-lag linear
   decodability of their states, linear transport, the one-step gap to the linearized step and the
   Jacobian at the operating point (averaged over the visited states).
4. ``nonlinear_reading`` (a pool measure): Elman RNNs on an odd nonlinear task (majority) and on the even two-bit product,
   which a bias-free tanh RNN cannot represent (odd network, even target: an exact accuracy bound).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..theory.gated import (CELLS, GATES, GatedWeights, amplitude_errors, autograd_jacobian, compile_gated, jacobian,
                    linearize, network_run)
from ..learning.substrate import lag_decoding, mean_jacobian, root_structure, trajectory, transport_decoding
from ..stats import log_slope
from ..thresholds import SOLVED_ACCURACY
from ..theory.tasks import HDS, LinearHDS, repeat_copy
from ..theory.wave_operator import LinearRNN, Phi, compile_rnn, make_basis

__all__ = ["linearization_part", "compiled_part", "gated_reading", "nonlinear_reading", "even_fraction"]

D, S = 3, 4  # repeat copy d = 3, s = 4: the project's headline task
HORIZON = 100  # the default curriculum's final horizon
EPS_FIT = np.logspace(-3, -2, 5)  # asymptotic range: next-order terms are O(eps^2) <= 1e-4 relative here
EPS_CURVE = np.array([0.01, 0.03, 0.1, 0.3, 1.0])
GATE_BIASES = (0.0, 0.5, 1.0, 2.0, 4.0)  # gate biases b: GRU r0 = sig(b), z0 = sig(-b); LSTM i0 = o0 = sig(b), f0 = sig(-b)

# --------------------------------------------------------------------------- 1. linearization


def _random_gated(cell: str, H: int, d: int, rng: np.random.Generator, biases: bool) -> GatedWeights:
    G = len(GATES[cell])
    b = (lambda: rng.standard_normal(G * H)) if biases else (lambda: None)  # noqa: E731
    return GatedWeights(cell, rng.standard_normal((G * H, d)), rng.standard_normal((G * H, H)) / np.sqrt(H),
                        rng.standard_normal((d, H)), b(), b())


def linearization_part(seed: int = 0, cases: int = 12) -> dict:
    """Max |closed form - autograd| (relative to max(1, |J|)) per cell, and the LSTM spectrum identity error."""
    from ..theory.eigenstructure import match_eigenvalues

    rng = np.random.default_rng([seed, 14, 1])
    out: dict[str, Any] = {}
    for cell in CELLS:
        worst = 0.0
        for case in range(cases):
            H, d = int(rng.integers(1, 9)), int(rng.integers(1, 4))
            w = _random_gated(cell, H, d, rng, biases=case % 2 == 1)
            at = {} if case % 3 == 0 else {"h": rng.standard_normal(H), "x": rng.standard_normal(d)}
            if cell == "lstm" and at:
                at["c"] = rng.standard_normal(H)
            for a, b in zip(jacobian(w, **at), autograd_jacobian(w, **at)):
                worst = max(worst, float(np.abs(a - b).max() / max(1.0, np.abs(b).max())))
        out[cell] = {"max_error": worst, "cases": cases}
    spec = 0.0
    for _ in range(cases):
        H = int(rng.integers(1, 9))
        w = _random_gated("lstm", H, 2, rng, biases=False)
        J = jacobian(w)[0]
        M = 0.5 * np.eye(H) + 0.25 * w.block("g")[1]
        want = np.concatenate([np.linalg.eigvals(M), np.zeros(H)])
        spec = max(spec, float(match_eigenvalues(want, np.linalg.eigvals(J)).distance.max()))
        spec = max(spec, float(np.abs(linearize(w).W_hh - M).max()))
    out["lstm_spectrum_error"] = spec
    return out


# --------------------------------------------------------------------------- 2. compiled networks


def compiled_part(hidden: int = 128, seed: int = 0, batch: int = 64) -> dict:
    """Compiled Elman/GRU/LSTM wave networks for repeat copy (d = 3, s = 4) in an orthogonal basis of size ``hidden``."""
    task = repeat_copy(D, S)
    sd = S * D
    Psi = make_basis("orthogonal", hidden, np.random.default_rng([seed, 14, 2]))
    target = np.zeros((hidden, hidden))
    target[:sd, :sd] = Phi(task)
    nets: dict[str, LinearRNN | GatedWeights] = {"elman": compile_rnn(task, Psi)}
    for cell in CELLS:
        nets[cell] = compile_gated(task, cell, Psi)
        nets[f"{cell}_gates"] = compile_gated(task, cell, Psi, gate_scale=1.0, rng=np.random.default_rng([seed, 14, 3]))
    ident = {"elman": compile_rnn(task), **{c: compile_gated(task, c) for c in CELLS}}  # Psi = I, hidden = sd
    out = {}
    for name, net in nets.items():
        lin = net if isinstance(net, LinearRNN) else linearize(net)
        basis_err = float(np.linalg.norm(Psi.T @ lin.W_hh @ Psi - target) / np.linalg.norm(Phi(task)))
        fit_err, _ = amplitude_errors(net, task, EPS_FIT, 2 * S, batch, rng=seed)
        curve_err, curve_acc = amplitude_errors(net, task, EPS_CURVE, HORIZON, batch, rng=seed)
        exact = [float(e) for e, a in zip(EPS_CURVE, curve_acc) if a >= SOLVED_ACCURACY]
        out[name] = {
            "basis_error": basis_err,
            "eps_fit": EPS_FIT.tolist(), "error_fit": fit_err.tolist(), "slope": log_slope(EPS_FIT, fit_err, log_x=True),
            "eps_curve": EPS_CURVE.tolist(), "error_curve": curve_err.tolist(), "accuracy_curve": curve_acc.tolist(),
            "unit_accuracy": float(curve_acc[-1]), "unit_error": float(curve_err[-1]),
            "eps_max_solved": max(exact) if exact else None,
        }
        if name in ident:
            err, acc = amplitude_errors(ident[name], task, np.array([1.0]), HORIZON, batch, rng=seed)
            out[name]["unit_accuracy_identity_basis"] = float(acc[0])
            out[name]["unit_error_identity_basis"] = float(err[0])
    # same linearization, gates biased towards closing the leak (z, f -> 0): accuracy at the +-1 inputs
    sweep = {cell: {str(b): float(amplitude_errors(compile_gated(task, cell, Psi, gate_bias=b), task, np.ones(1), HORIZON,
                                                   batch, rng=seed)[1][0]) for b in GATE_BIASES} for cell in CELLS}
    return {"hidden": hidden, "horizon_fit": 2 * S, "horizon_curve": HORIZON, "nets": out, "gate_bias_unit_accuracy": sweep}


# --------------------------------------------------------------------------- 3. trained networks


def _network_reading(rnn: LinearRNN, task: LinearHDS | HDS, seed: int, horizon: int, batch: int = 256) -> dict:
    """Per-lag decodability of the network's own states, and how far one step is from the linearized step.

    step_gap = ||h(t) - (W_hh h(t-1) + W_uh u(t))|| / ||h(t)|| over all steps: 0 in the linear regime,
    O(1) where the network runs saturated (W_hh, W_uh: the linearization at 0).
    """
    u, x = trajectory(task, batch, horizon, np.random.default_rng([seed, 14, 4]))
    y, hs = network_run(rnn, u)
    prev = np.concatenate([np.zeros_like(hs[:, :1]), hs[:, :-1]], axis=1)  # h(t-1), h(-1) = 0
    lin_step = prev @ rnn.W_hh.T + u @ rnn.W_uh.T
    r2, acc, dec = lag_decoding(hs, x, task.s)
    tr_r2, tr_acc = transport_decoding(hs, x, task.s, rnn.W_hh, dec)
    return {
        "lag_r2": r2.tolist(),
        "lag_sign_accuracy": acc.tolist(),
        "transport_r2": tr_r2.tolist(),
        "transport_sign_accuracy": tr_acc.tolist(),
        "step_gap": float(np.linalg.norm(hs - lin_step) / np.linalg.norm(hs)),
        "state_rms": float(np.sqrt(np.mean(hs[:, task.s :] ** 2))),
        "roots": root_structure(rnn.W_hh, task.d, task.s),
        "top_eigenvalues": _top_eigs(rnn.W_hh, task.s, task.s * task.d),
        "operating_point": _operating_point(rnn, u[:8], task),
    }


def _operating_point(rnn: LinearRNN, u: np.ndarray, task) -> dict:
    """Root structure and leading eigenvalues of the Jacobian averaged over the output phase's visited states."""
    J = mean_jacobian(rnn, u, task.s)
    r = root_structure(J, task.d, task.s)
    keep = ("counts", "total", "angle_counts", "angle_error_mean", "angle_ratio", "top_modulus_mean")
    return {**{k: r[k] for k in keep}, "top_eigenvalues": _top_eigs(J, task.s, task.s * task.d)}


def gated_reading(result: Any) -> dict:
    """A trained cell on repeat copy read through its linearization at 0 (C7-C9 measurements, C14) and its states.

    A pool measure (runs in the worker): analysis.analyze (spectrum vs Phi, phi_error, robust reading,
    waves) plus per-lag decodability, linear transport, the one-step gap and the operating point.
    """
    from ..learning.analysis import analyze

    task, config, seed = result.task, result.config, result.config.seed
    a = analyze(result.rnn, task, result.init, seed=seed)
    return {
        "accuracy": result.accuracy, "steps": result.steps, "target_step": result.target_step,
        "final_horizon_reached": result.final_horizon_reached, "seconds": round(result.wall_seconds, 3),
        "horizons": list(config.horizons), "hidden": config.hidden,
        "eig_match": a.eig_match, "clusters": [c["learned"] for c in a.clusters],
        "phi_error": a.phi_error, "robust": a.robust, "wave_r2": a.wave_r2,
        "decode_r2": a.decode_r2, "effective_rank": a.effective_rank,
        "spectral_radius": a.spectral_radius,
        **_network_reading(result.rnn, task, seed, config.horizons[-1]),
        "init": {"lag_sign_accuracy": _lag_accuracy(result.init, task, seed, config.horizons[-1])},
    }


def _lag_accuracy(net: LinearRNN, task: LinearHDS | HDS, seed: int, horizon: int, batch: int = 256) -> list[float]:
    """Held-out sign accuracy of x(t-k) decoded linearly from the network's own states, k = 0..s-1 (the control)."""
    u, x = trajectory(task, batch, horizon, np.random.default_rng([seed, 14, 4]))
    return lag_decoding(network_run(net, u)[1], x, task.s)[1].tolist()


def _top_eigs(W: np.ndarray, s: int, m: int) -> dict:
    """The m largest-modulus eigenvalues of W: moduli and angles in units of the root spacing 2 pi / s."""
    ev = np.linalg.eigvals(W)
    top = np.sort_complex(ev[np.argsort(-np.abs(ev), kind="stable")[:m]])
    return {"modulus": np.abs(top).round(4).tolist(), "angle_over_root_spacing": (np.angle(top) / (2 * np.pi / s)).round(3).tolist()}


# --------------------------------------------------------------------------- 4. nonlinear boundaries


def even_fraction(task: HDS, horizon: int, batch: int = 512, seed: int = 0) -> float:
    """Fraction of output-phase targets with x(-history) = x(history) (even entries) on random +-1 histories.

    An odd network (bias-free tanh RNN: y(-u) = -y(u)) gets each even entry right for at most one of
    u, -u, so its expected sign accuracy is at most 1 - even_fraction / 2.
    """
    from ..theory.tasks import rollout

    u, x = trajectory(task, batch, horizon, np.random.default_rng([seed, 14, 5]))
    return float(np.mean(rollout(task, -u[:, : task.s], horizon) == x[:, task.s :]))


def nonlinear_reading(result: Any) -> dict:
    """An Elman RNN trained on a nonlinear task (majority or the two-bit product), read at 0 and at initialization.

    A pool measure: accuracy, the odd-symmetry residual max |y(u) + y(-u)| and the even-target fraction of
    the task (the accuracy bound 1 - even_fraction / 2 of every odd network), and the network reading.
    """
    task, config, seed = result.task, result.config, result.config.seed
    rnn, init = result.rnn, result.init
    u = trajectory(task, 64, 20, np.random.default_rng([seed, 14, 6]))[0]
    odd = float(np.abs(network_run(rnn, -u)[0] + network_run(rnn, u)[0]).max())
    frac = even_fraction(task, config.horizons[-1], seed=seed)
    horizon = config.horizons[-1]
    return {
        "accuracy": result.accuracy, "steps": result.steps, "target_step": result.target_step,
        "final_horizon_reached": result.final_horizon_reached, "seconds": round(result.wall_seconds, 3),
        "horizons": list(config.horizons), "odd_residual": odd, "even_fraction": frac,
        "odd_network_accuracy_bound": 1.0 - frac / 2,
        **_network_reading(rnn, task, seed, horizon),
        "init": {k: v for k, v in _network_reading(init, task, seed, horizon).items() if k in ("lag_r2", "lag_sign_accuracy", "roots")},
    }
