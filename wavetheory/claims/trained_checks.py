"""Checks behind the claims about trained networks, C7-C10, C13, C14 (wavetheory.learning.trainer + analysis).

Training runs are cached per reproduce run (``ctx.cache``) and live in ``out/runs/<key>``; a rerun in
the same folder resumes them from their checkpoints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..theory import wave_operator
from ..thresholds import CURRICULUM_THRESHOLD
from .evidence import Check, ClaimResult, Context, proof_checks
from ..theory.tasks import LinearHDS, random_signed_selection, repeat_copy

__all__ = ["claim_c7", "claim_c8", "claim_c9", "claim_c10", "claim_c13", "claim_c14"]


# --------------------------------------------------------------------------- C7 - C10, C13: trained networks


def _trained(ctx: Context, key: str, task: LinearHDS, **config: Any) -> dict[str, Any]:
    """Train (once per run, cached) and analyze an Elman RNN; the run lives in ``out/runs/<key>``."""
    if key in ctx.cache:
        return ctx.cache[key]
    from ..learning.analysis import analyze
    from ..learning.config import TrainConfig
    from ..learning.trainer import train

    run = ctx.out / "runs" / key
    ctx.note(f"training {key}")
    # resume=True continues a run a previous reproduce left in this folder, and starts fresh otherwise;
    # the trainer's own bar shows when reproduce shows one (None = tqdm's automatic choice)
    result = train(task, TrainConfig(**config), run, resume=True, progress=None if ctx.progress is not None else False)
    analysis = analyze(result.rnn, task, result.init, seed=ctx.seed)
    ctx.cache[key] = {"metrics": result.to_json(), "summary": analysis.to_json(),
                      "init": analyze(result.init, task, None, seed=ctx.seed).to_json(),
                      "analysis": analysis, "result": result, "rnn": result.rnn, "run": run}
    return ctx.cache[key]


def _repeat_copy_run(ctx: Context) -> dict[str, Any]:
    """The headline network: repeat copy d = 3, s = 4, default trainer configuration (issue 5)."""
    out = _trained(ctx, f"repeat_copy_d3_s4_seed{ctx.seed}", repeat_copy(3, 4), steps=3000, seed=ctx.seed)
    if "figs_rc" not in ctx.cache:
        from ..plots import analysis_figures

        paths = analysis_figures(out["analysis"], out["run"], title="repeat copy d=3 s=4:", history=out["metrics"])
        captions = {"spectrum": "C7: eigenvalues of the trained W_hh vs Phi (repeat copy, d = 3, s = 4)",
                    "phi": "C8: |pinv(Psi) W_hh Psi| in the power-iteration basis next to |Phi|",
                    "waves": "C9: hidden states projected on the dual basis (time x block): the stored inputs travel",
                    "training": "Training curves: loss, accuracy, curriculum and eigenvalue-match distance (C7)"}
        ctx.cache.setdefault("figures", []).extend((captions.get(Path(p).stem, Path(p).stem), Path(p)) for p in paths)
        ctx.cache["figs_rc"] = True
    return out


def claim_c7(ctx: Context) -> ClaimResult:
    run = _repeat_copy_run(ctx)
    s, m = run["summary"], run["metrics"]
    em = s["eig_match"]
    horizon = m["config"]["horizons"][-1]
    hist = m.get("eig_history", {})
    EIG_MATCH = "eigenvalues of W_hh match those of Phi: mean distance <= 0.05"
    checks = [
        Check("trained network solves the task (accuracy >= 0.99 at the final horizon, fresh sequences)", "stated", "trained",
              (m["accuracy"] or 0) >= 0.99, detail=f"accuracy {m['accuracy']:.4f} at step {m['steps']}",
              numbers={"c7_accuracy": m["accuracy"], "c7_steps": m["steps"]}),
        # issue 5's criterion for "converge": mean distance of the sd matched eigenvalues <= 0.05
        Check(EIG_MATCH, "stated", "trained", em["mean"] <= 0.05,
              detail=f"mean {em['mean']:.3f}, max {em['max']:.3f}", numbers={"c7_eig_match": em}),
        Check(f"extra eigenvalues lie near 0 (none outside the persistence radius {s['radius']:.3f})", "stated", "trained",
              s["n_outside"] == 0, detail=f"{s['n_outside']} of {s['hidden'] - 12} extra eigenvalues outside "
              "(the untrained bulk of the initialization stays at radius ~0.58)", numbers={"c7_n_outside": s["n_outside"]}),
        # a mode's phase error accumulates over the horizon h; outputs keep their sign while h |angle error| < pi/2
        Check(f"refined: the angles converge (max angle error < pi / (2 h) = {np.pi / (2 * horizon):.4f})", "refined", "trained",
              em["angle_max"] < np.pi / (2 * horizon), detail=f"angle max {em['angle_max']:.4f} rad", replaces=EIG_MATCH),
        Check("refined: the moduli exceed 1 to compensate tanh's average slope < 1 (modulus mean > 1)", "refined", "trained",
              em["modulus_mean"] > 1.0, detail=f"modulus mean {em['modulus_mean']:.3f}", replaces=EIG_MATCH,
              numbers={"c7_modulus_mean": em["modulus_mean"]}),
    ]
    if hist.get("mean"):
        checks[1] = Check(checks[1].name, "stated", "trained", checks[1].passed, detail=checks[1].detail + f"; lowest over training "
                          f"{min(hist['mean']):.3f} at step {hist['step'][int(np.argmin(hist['mean']))]}",
                          numbers={"c7_eig_match": em, "c7_eig_history_min": min(hist["mean"])})
    if not ctx.quick:
        # more seeds of the same network, and the authors' protocol (threshold 0.96) cut where their code clears
        # horizon 100: step 1665 (issue 16's side-by-side of their script on a quiet 2-core machine)
        means = [em["mean"]] + [_trained(ctx, f"repeat_copy_d3_s4_seed{ctx.seed + i}", repeat_copy(3, 4), steps=3000,
                                         seed=ctx.seed + i)["summary"]["eig_match"]["mean"] for i in (1, 2)]
        checks.append(Check("3 seeds: eig_match mean <= 0.05 for every seed", "stated", "trained", max(means) <= 0.05,
                            detail=", ".join(f"{v:.3f}" for v in means), numbers={"c7_eig_match_seeds": means}))
        big = _trained(ctx, f"authors_d8_s10_seed{ctx.seed}", repeat_copy(8, 10), steps=1665, target=None, seed=ctx.seed,
                       threshold=CURRICULUM_THRESHOLD)
        held = sum(c["learned"] for c in big["summary"]["clusters"] if abs(complex(*c["value"])) > 0.5)
        checks.append(Check("limit: the authors' configuration (d = 8, s = 10) after 1665 steps holds fewer "
                            "than the sd = 80 wave modes (a compressed memory)", "limit", "trained", held < 80,
                            detail=f"{held} of 80 modes at the 10th roots of unity; accuracy {big['metrics']['accuracy']:.3f}",
                            numbers={"c7_authors_modes_held": held,
                                                    "c7_authors_accuracy": big["metrics"]["accuracy"]}))
    return ClaimResult("C7", checks, summary="The trained spectrum sits on the s-th roots of unity in angle, but "
                       "with moduli above 1 (tanh compensation) and with the initialization's bulk left in place.")


def claim_c8(ctx: Context) -> ClaimResult:
    from ..learning.analysis import analyze

    run = _repeat_copy_run(ctx)
    s = run["summary"]
    rng = np.random.default_rng(ctx.seed + 8)
    compiled = {}
    for kind in ("orthogonal", "invertible"):
        task = random_signed_selection(3, 4, seed=ctx.seed)
        rnn = wave_operator.compile_rnn(task, wave_operator.make_basis(kind, task.s * task.d + 5, rng))
        b = analyze(rnn, task, nonlinearity="linear", seed=ctx.seed).bases
        compiled[kind] = {"readout": b["readout"]["phi_error_aligned"], "input": b["input"]["phi_error_aligned"]}
    init_err = run["init"]["phi_error"] if run["init"] else float("nan")
    PHI_ERR = "trained network: the readout power basis gives ||pinv(Psi) W_hh Psi - Phi|| / ||Phi|| <= 0.1"
    checks = [
        # 10% relative Frobenius error: the heatmap of pinv(Psi) W_hh Psi is then visibly Phi
        Check(PHI_ERR, "stated", "trained",
              s["phi_error"] <= 0.1, detail=f"phi_error {s['phi_error']:.3f} (cond {s['bases']['readout']['cond']:.1f})",
              numbers={"c8_phi_error": s["phi_error"], "c8_phi_error_init": init_err}),
        # a float64 similarity transform with cond(Psi) < 1e3: ~1e-13; 1e-8 is the criterion
        Check("refined: compiled wave RNNs (extra hidden dims): the input road W_hh^k W_uh recovers Phi exactly in any basis",
              "refined", "numeric", max(c["input"] for c in compiled.values()) < 1e-8,
              detail=f"input road {compiled['orthogonal']['input']:.1e} (orthogonal), {compiled['invertible']['input']:.1e} (invertible)",
              replaces=PHI_ERR, numbers={"c8_compiled": compiled}),
        Check("refined: training moves the operator toward Phi (phi_error after < before)", "refined", "trained",
              s["phi_error"] < init_err, detail=f"{init_err:.3f} -> {s['phi_error']:.3f}", replaces=PHI_ERR),
        Check("limit: the readout road pinv(W_hy) needs an orthogonal hidden basis (fails in an invertible one)", "limit", "numeric",
              compiled["orthogonal"]["readout"] < 1e-8 < compiled["invertible"]["readout"],
              detail=f"{compiled['orthogonal']['readout']:.1e} (orthogonal) vs {compiled['invertible']['readout']:.2f} (invertible)"),
    ]
    return ClaimResult("C8", checks + proof_checks(ctx, "C8", "refined", replaces=PHI_ERR),
                       summary="Power iteration reveals Phi exactly on compiled networks (readout road: orthogonal "
                               "bases only; input road: any basis, aligned by U when lags below s feed back). In a power "
                               "(Krylov) basis the shift blocks of pinv(Psi) W_hh Psi are exact by construction for any "
                               "W_hh, so only the boundary block row carries evidence; on the trained network it is only "
                               "approximately [A_s ... A_1].")


def claim_c9(ctx: Context) -> ClaimResult:
    run = _repeat_copy_run(ctx)
    r2, r2_init = run["summary"]["wave_r2"], (run["init"] or {}).get("wave_r2")
    checks = [
        # R^2 >= 0.5: the wave coordinates explain most of the variance of the stored inputs;
        # the same projection at initialization is the control (it must not)
        Check("dual-basis projections of the hidden states decode the stored inputs block by block (R^2 >= 0.5)",
              "stated", "trained", r2 is not None and r2 >= 0.5, detail=f"R^2 = {r2 if r2 is None else round(r2, 3)}",
              numbers={"c9_wave_r2": r2, "c9_decode_r2": run["summary"]["decode_r2"]}),
        Check("control: the same projection at initialization does not (R^2 < 0.5)", "control", "trained",
              r2_init is not None and r2_init < 0.5, detail=f"R^2 at init = {r2_init if r2_init is None else round(r2_init, 3)}",
              numbers={"c9_wave_r2_init": r2_init}),
    ]
    return ClaimResult("C9", checks)


def claim_c10(ctx: Context) -> ClaimResult:
    run = _repeat_copy_run(ctx)
    s = run["summary"]
    before, after = np.array(s["grad_before"]), np.array(s["grad_after"])
    sub = slice(0, 4)  # lags k = 1..s within the substrate (s = 4)
    checks = [Check("||dh(1+k)/dx(1)|| after training > at initialization for every k <= s", "stated", "trained",
                    bool(np.all(after[sub] > before[sub])),
                    detail="before " + ", ".join(f"{v:.3f}" for v in before[sub]) + "; after " + ", ".join(f"{v:.3f}" for v in after[sub]),
                    numbers={"c10_grad_before": before.tolist(), "c10_grad_after": after.tolist()})]
    if "figs_c10" not in ctx.cache:
        from ..plots import plot_gradient_norms

        p = plot_gradient_norms(list(range(1, before.size + 1)), {"at initialization": before, "after training": after},
                                title="trained RNN: ||dh(1+k)/dx(1)|| (repeat copy, d = 3, s = 4)",
                                path=ctx.out / "gradients_trained.png")
        ctx.cache.setdefault("figures", []).append(("C10: gradient propagation before vs after training", p))
        ctx.cache["figs_c10"] = True
    return ClaimResult("C10", checks)


def claim_c13(ctx: Context) -> ClaimResult:
    s, limit = 10, 1500
    seeds = [ctx.seed] if ctx.quick else [ctx.seed + i for i in range(3)]
    steps: dict[str, list[float]] = {}
    for init in ("default", "shift", "wave"):
        for seed in seeds:
            run = _trained(ctx, f"c13_s{s}_{init}_seed{seed}", repeat_copy(3, s), steps=limit, seed=seed, init=init,
                           horizons=(10, 20, 40))
            ts = run["metrics"]["target_step"]
            steps.setdefault(init, []).append(float("inf") if ts is None else float(ts))
    med = {k: float(np.median(v)) for k, v in steps.items()}
    detail = "; ".join(f"{k}: " + ", ".join("unsolved" if np.isinf(x) else str(int(x)) for x in v) for k, v in steps.items())
    checks = [
        Check(f"wave initialization solves repeat copy (d = 3, s = {s}) in fewer steps than the default", "stated", "trained",
              med["wave"] < med["default"], detail=detail,
              numbers={"c13_steps": {k: [None if np.isinf(x) else x for x in v] for k, v in steps.items()}}),
        Check("pure-shift initialization (the analogue of Keller et al.'s shift-initialized wave-RNN) also beats the default",
              "stated", "trained", med["shift"] < med["default"], detail=f"medians {med}"),
    ]
    return ClaimResult("C13", checks, summary="Measured against PyTorch's default initialization; the convolutional "
                       "wave-RNN of Keller et al. itself is not run here (our 'shift' initialization is its analogue).")


def claim_c14(ctx: Context) -> ClaimResult:
    from .gated_study import c14_study

    ctx.note("C14: gated networks and nonlinear boundaries")
    r = c14_study(quick=ctx.quick, seed=ctx.seed, out=ctx.out / "c14")
    c = r["checks"]

    def chk(key: str, road: str, kind: str = "stated", negate: bool = False, name: str | None = None) -> Check:
        v = c[key]
        passed = (not v["passed"]) if negate else v["passed"]
        desc = name or v["description"]
        val = v["value"] if isinstance(v["value"], (int, float, bool, type(None))) else "see numbers"
        return Check(desc, kind, road, passed,
                     detail=f"{key} = {val} (threshold {v['threshold']})")

    checks = [chk(k, "numeric") for k in (
        "gru_linearization_matches_closed_form", "lstm_linearization_matches_closed_form",
        "lstm_nonzero_spectrum_is_half_plus_quarter_W_hg", "compiled_gru_linearization_is_phi",
        "compiled_lstm_linearization_is_phi", "compiled_elman_small_eps_error_slope", "compiled_gru_small_eps_error_slope",
        "compiled_lstm_small_eps_error_slope", "compiled_elman_solves_at_unit_inputs",
        "compiled_gru_with_closed_leak_solves_at_unit_inputs", "compiled_lstm_with_closed_leak_solves_at_unit_inputs")]
    checks += [chk(k, "trained") for k in ("trained_rnn_angles_match", "trained_rnn_substrate_decodable",
                                            "trained_rnn_linear_transport")]
    checks += [
        chk("compiled_gru_solves_at_unit_inputs", "numeric", "limit", negate=True,
            name="limit: a bias-free compiled GRU (gates at 1/2) loses the wave at the task's +-1 inputs"),
        chk("compiled_lstm_solves_at_unit_inputs", "numeric", "limit", negate=True,
            name="limit: a bias-free compiled LSTM loses the wave at the task's +-1 inputs"),
        chk("trained_gru_angles_match", "trained", "limit", negate=True,
            name="limit: a trained GRU stores the past without the wave operator at its linearization"),
        chk("trained_lstm_angles_match", "trained", "limit", negate=True,
            name="limit: a trained LSTM stores the past without the wave operator at its linearization"),
        chk("nonlinear_task_roots_on_unit_circle", "trained", "limit", negate=True,
            name="limit: on a nonlinear (majority) boundary the root angles survive but the moduli leave the unit circle"),
        chk("even_task_bounded_for_odd_network", "trained", "limit",
            name="limit: a bias-free tanh RNN is odd and cannot realize an even boundary (two-bit product)"),
    ]
    figs = [(f"C14: {Path(p).stem.replace('_', ' ')}", Path(p)) for p in r.get("figures", [])]
    ctx.cache.setdefault("figures", []).extend(figs)
    numbers = {"c14_" + k: v["value"] for k, v in c.items() if isinstance(v["value"], (int, float, bool))}
    checks[0] = Check(checks[0].name, checks[0].kind, checks[0].road, checks[0].passed, detail=checks[0].detail, numbers=numbers)
    return ClaimResult("C14", checks + proof_checks(ctx, "C14"), summary=(
        "The wave picture holds for the linearizations of GRU and LSTM (exactly: I/2 + W/4) and for gated networks "
        "compiled from Phi at small input amplitude (error O(eps^2)); it breaks for bias-free gates at +-1 inputs "
        "(closing the leak with a gate bias restores it), trained GRUs/LSTMs store the past without it, and odd "
        "(bias-free) tanh RNNs cannot realize even nonlinear boundaries. Training: " + str(r.get("training", ""))))
