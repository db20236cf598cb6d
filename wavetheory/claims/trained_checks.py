"""C7 (the trained spectrum) and C8 (the readout power basis): trained Elman networks over seeds against controls.

Both read the families of ``substrate_readings`` (the paper's configuration, repeat copy d = 8, s = 10, hidden 128,
and a small one, d = 3, s = 4), every check once per configuration, declared in ``declare_c7`` / ``declare_c8``
before anything trains. Values per seed come from ``SubstrateReading`` fields by name; a seed whose network did not
solve its task gives no value (a precondition, not a failure): fewer than ``evidence.MIN_SEEDS`` values read open.

* C7.1 reads the s*d leading eigenvalues on W_hh *and* on the operating-point Jacobian (both stated, THEORY.md).
* C7.2 ("extra eigenvalues near 0"): "near 0" is fixed by a principle before measuring: an extra mode is near 0
  when it keeps at most 1% of its amplitude over the s steps a value lives in the substrate, |lambda| <= 0.01^(1/s)
  (``spectrum_match.persistence_radius``); the same network at initialization is the control (its bulk must lie
  outside, or the reading cannot tell a trained spectrum from an untouched one).
* C8: only the free column block of pinv(Psi) W_hh Psi is evidence (the other blocks equal Phi's by construction).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..learning.spectrum_match import persistence_radius
from ..thresholds import BASIS_EXACT, EIG_MATCH, PHI_ERROR, WAVE_R2
from .claim import Claim, Context, Judge, Measured, Plan
from .evidence import Declared
from .proofs import judge_proof, proof_check
from .substrate_readings import CONFIGS, SubstrateReading, substrate_families
from .trained_runs import readings

__all__ = ["C7", "C8", "declare_c7", "declare_c8", "values", "label", "compiled_c8"]

Reading = SubstrateReading | None
WHO = ("trained", "init", "null")


def label(cfg: str) -> str:
    d, s, _ = CONFIGS[cfg]
    return f"[{cfg}: repeat copy d = {d}, s = {s}]"


def values(R: Sequence[Reading], fn: Callable[[SubstrateReading], Any], solved: bool = True) -> list[Any]:
    """fn(reading) per seed; None where the run failed or (``solved``) the network did not solve its task."""
    return [None if r is None or (solved and not r.solved) else fn(r) for r in R]


def _med(v: Sequence[Any]) -> str:
    x = [a for a in v if a is not None]
    return f"{np.median(x):.3g}" if x else "n/a"


def _effect(R: Sequence[Reading], fn: Callable[[Any], float], what: str) -> str:
    return f"median {what}: " + ", ".join(f"{w} {_med(values(R, lambda r: fn(r.of(w))))}" for w in WHO)


def _solved_text(R: Sequence[Reading]) -> str:
    return f"{sum(r is not None and r.solved for r in R)}/{len(R)} seeds solved"


# --------------------------------------------------------------------------- C7


def declare_c7(plan: Plan) -> list[Declared]:
    out = []
    for cfg, (d, s, _) in CONFIGS.items():
        L, r = label(cfg), persistence_radius(s)
        D = lambda name, row, kind, q, rel, thr, why, **kw: Declared(f"{L} {name}", "C7", row, kind, "trained", q, rel, thr,  # noqa: E731
                                                                    why, scope=f"{L}, seeds of the run", **kw)
        why = "thresholds.EIG_MATCH: a twentieth of the unit radius, well below the spacing 2 sin(pi/s) of the roots"
        for M, what in (("W", "W_hh"), ("J", "the operating-point Jacobian (trajectory average)")):
            ctrl = f"control: {what} at initialization and of the null model does not match Phi (distance > {EIG_MATCH})"
            out.append(D(f"the s*d leading eigenvalues of {what} match Phi's (mean matched distance <= {EIG_MATCH})", "C7.1",
                         "stated", f"mean matched eigenvalue distance of {what} to Phi (solved seeds)", "<=", EIG_MATCH, why,
                         controls=(f"{L} {ctrl}",)))
            out.append(D(ctrl, "C7.1", "control", f"the smaller of the init's and the null model's distance ({what})", ">",
                         EIG_MATCH, why))
        ctrl = f"control: at initialization the extra eigenvalues of W_hh are not near 0 (max modulus > {r:.4f})"
        out.append(D(f"the extra eigenvalues of W_hh lie near 0 (max modulus <= 0.01^(1/s) = {r:.4f})", "C7.2", "stated",
                     "largest modulus among W_hh's extra eigenvalues (solved seeds)", "<=", r,
                     "a mode near 0 keeps at most 1% of its amplitude over the s steps a value lives in the substrate",
                     controls=(f"{L} {ctrl}",)))
        out.append(D(ctrl, "C7.2", "control", "largest extra modulus of W_hh at initialization", ">", r,
                     "the reading must tell a trained spectrum from the untouched initial bulk"))
    return out


def measure_c7(ctx: Context, judge: Judge) -> Measured:
    figures, parts = [], []
    for cfg in CONFIGS:
        L = label(cfg)
        fam, R = readings(ctx, f"substrate-{cfg}")
        for M, what in (("W", "W_hh"), ("J", "the operating-point Jacobian (trajectory average)")):
            op = lambda x, M=M: getattr(x, M)  # noqa: E731
            judge.seeds(f"{L} the s*d leading eigenvalues of {what} match Phi's (mean matched distance <= {EIG_MATCH})",
                        values(R, lambda r: op(r.trained).match_mean), fam.seeds,
                        detail=f"{_solved_text(R)}; " + _effect(R, lambda x: op(x).match_mean, "distance")
                        + f"; median modulus {_med(values(R, lambda r: op(r.trained).modulus_mean))}, max angle error "
                        f"{_med(values(R, lambda r: op(r.trained).angle_max))} rad",
                        numbers={f"eig_match_{M}_{w}": values(R, lambda r: op(r.of(w)).match_mean, False) for w in WHO})
            judge.seeds(f"{L} control: {what} at initialization and of the null model does not match Phi (distance > "
                        f"{EIG_MATCH})", values(R, lambda r: min(op(r.init).match_mean, op(r.null).match_mean), False),
                        fam.seeds)
        r = persistence_radius(fam.task.s)
        judge.seeds(f"{L} the extra eigenvalues of W_hh lie near 0 (max modulus <= 0.01^(1/s) = {r:.4f})",
                    values(R, lambda x: x.trained.W.extra_max), fam.seeds,
                    detail=_effect(R, lambda x: x.W.extra_max, "largest extra modulus")
                    + f"; {_med(values(R, lambda x: x.trained.W.n_extra))} extra eigenvalues",
                    numbers={f"extra_max_{w}": values(R, lambda x: x.of(w).W.extra_max, False) for w in WHO})
        judge.seeds(f"{L} control: at initialization the extra eigenvalues of W_hh are not near 0 (max modulus > {r:.4f})",
                    values(R, lambda x: x.init.W.extra_max, False), fam.seeds)
        parts.append(f"{L}: {_solved_text(R)}; " + _effect(R, lambda x: x.W.match_mean, "distance of W_hh")
                     + "; " + _effect(R, lambda x: x.J.match_mean, "distance of the Jacobian"))
        figures += _spectrum_figures(ctx, cfg, fam, R)
    return Measured("Mean distance of the s*d leading eigenvalues to Phi's. " + " ".join(parts), figures)


def _spectrum_figures(ctx: Context, cfg: str, fam: Any, R: Sequence[Reading]) -> list[tuple[str, Path]]:
    from ..plots import plot_seed_values, plot_spectrum
    from ..theory.wave_operator import spectrum

    first = next((i for i, r in enumerate(R) if r is not None), None)
    if first is None:
        return []
    r = R[first]
    out = Path(ctx.out)
    panels = {f"C7 eigenvalue match (<= {EIG_MATCH})": ({f"{w} {M}": values(R, lambda x: getattr(x.of(w), M).match_mean, False)
                                                         for w in WHO for M in ("W", "J")}, EIG_MATCH),
              f"C8 free-column error (<= {PHI_ERROR})": ({f"{w} {M}": values(R, lambda x: getattr(x.of(w), M).free_column, False)
                                                          for w in WHO for M in ("W", "J")}, PHI_ERROR),
              f"C9 wave R^2 (>= {WAVE_R2})": ({w: values(R, lambda x: x.of(w).wave_r2, False) for w in WHO}, WAVE_R2)}
    return [
        (f"C7-C9 per seed against the controls {label(cfg)}",
         plot_seed_values(list(fam.seeds), panels, title=label(cfg), path=out / f"seeds_{cfg}.png")),
        (f"C7: eigenvalues of W_hh and of the operating-point Jacobian vs Phi {label(cfg)}, seed {fam.seeds[first]}",
         plot_spectrum({"eig(Phi)": spectrum(fam.task), "W_hh": r.trained.W.eigenvalues,
                        "Jacobian (trajectory average)": r.trained.J.eigenvalues},
                       title=f"{label(cfg)} seed {fam.seeds[first]}", path=out / f"spectrum_trained_{cfg}.png")),
    ]


C7 = Claim("C7", "Trained W_hh spectrum converges to that of Phi", "paper", {
    "C7.1": "the s*d leading eigenvalues of the trained network converge to those of Phi (read on W_hh and on the "
            "Jacobian at the network's operating point)",
    "C7.2": "the extra eigenvalues, for the unused hidden dimensions, sit near 0",
}, declare_c7, measure_c7, families=substrate_families)


# --------------------------------------------------------------------------- C8


def compiled_c8(seed: int) -> dict[str, dict[str, float]]:
    """Free-column errors of compiled wave RNNs (random signed-selection task d = 3, s = 4, hidden 20) per basis and road."""
    from ..learning.power_basis import free_column_error, truncated_pinv
    from ..theory.tasks import random_signed_selection
    from ..theory.wave_operator import compile_rnn, make_basis

    task = random_signed_selection(3, 4, seed=seed)
    out = {}
    for kind in ("orthogonal", "invertible"):
        rnn = compile_rnn(task, make_basis(kind, 20, np.random.default_rng([seed, 8, 1])))
        out[kind] = {"input": free_column_error(rnn.W_hh, rnn.W_uh, task),
                     "readout": free_column_error(rnn.W_hh, truncated_pinv(rnn.W_hy)[0], task)}
    return out


COMPILED = ("control: the measurement reads Phi where it is: compiled networks give a free-column error < "
            f"{BASIS_EXACT} (input road in an orthogonal and an invertible basis, readout road in an orthogonal one)")
READOUT_LIMIT = f"limit: the readout road pinv(W_hy) also reveals Phi in an invertible hidden basis (error < {BASIS_EXACT})"
C8_PROOF = "c8_power_basis"


def declare_c8(plan: Plan) -> list[Declared]:
    scope = "compiled wave RNNs W_hh = Psi diag(Phi, 0) Psi^-1, a random signed-selection task d = 3, s = 4, hidden 20"
    exact = "thresholds.BASIS_EXACT: a float64 change of basis with cond(Psi) < 1e3 is exact to ~1e-11"
    out = [Declared(COMPILED, "C8", "C8.1", "control", "numeric", "largest free-column error of the compiled networks", "<",
                    BASIS_EXACT, exact, scope=scope),
           Declared(READOUT_LIMIT, "C8", "C8.1", "limit", "numeric", "free-column error, readout road, invertible basis", "<",
                    BASIS_EXACT, exact, scope=scope),
           proof_check(C8_PROOF, "C8", "C8.1", "control")]
    why = "thresholds.PHI_ERROR: at a 10% relative error the heatmap of pinv(Psi) W_hh Psi is visibly Phi"
    for cfg in CONFIGS:
        L = label(cfg)
        ctrl_w = f"{L} control: at initialization and in the null model the free column is not Phi's (error > {PHI_ERROR})"
        ctrl_j = f"{L} control: the Jacobian at initialization and of the null model does not reveal Phi (error > {PHI_ERROR})"
        stated = (f"{L} the readout power basis reveals Phi: the free column block of pinv(Psi) W_hh Psi is within "
                  f"{PHI_ERROR} of Phi's (relative Frobenius error)")
        out += [
            Declared(stated, "C8", "C8.1", "stated", "trained", "relative error of the free column block (W_hh, solved seeds)",
                     "<=", PHI_ERROR, why, controls=(ctrl_w, COMPILED, f"proofs/{C8_PROOF}.py"), scope=L),
            Declared(ctrl_w, "C8", "C8.1", "control", "trained", "the smaller of the init's and null model's error", ">",
                     PHI_ERROR, why, scope=L),
            Declared(f"{L} refined: with the operating-point Jacobian in place of W_hh the free column is within {PHI_ERROR} "
                     "of Phi's", "C8", "C8.1", "refined", "trained", "relative error of the free column block (Jacobian)",
                     "<=", PHI_ERROR, why, controls=(ctrl_j, COMPILED), replaces=stated, scope=L),
            Declared(ctrl_j, "C8", "C8.1", "control", "trained", "the smaller of the init's and null model's error (Jacobian)",
                     ">", PHI_ERROR, why, scope=L),
        ]
    return out


def measure_c8(ctx: Context, judge: Judge) -> Measured:
    comp = compiled_c8(ctx.seed)
    judge(COMPILED, max(comp["orthogonal"]["input"], comp["invertible"]["input"], comp["orthogonal"]["readout"]),
          detail=", ".join(f"{k} {road} {v:.1e}" for k, roads in comp.items() for road, v in roads.items()))
    judge(READOUT_LIMIT, comp["invertible"]["readout"], detail=f"readout road {comp['invertible']['readout']:.2f}")
    judge.add(judge_proof(judge[f"proofs/{C8_PROOF}.py"], ctx.proofs))
    parts, figures = [], []
    for cfg in CONFIGS:
        L = label(cfg)
        fam, R = readings(ctx, f"substrate-{cfg}")
        judge.seeds(f"{L} the readout power basis reveals Phi: the free column block of pinv(Psi) W_hh Psi is within "
                    f"{PHI_ERROR} of Phi's (relative Frobenius error)", values(R, lambda r: r.trained.W.free_column),
                    fam.seeds, detail=_effect(R, lambda x: x.W.free_column, "free-column error") + "; "
                    + _effect(R, lambda x: x.W.boundary_row, "boundary-row error"),
                    numbers={f"free_column_{w}": values(R, lambda r: r.of(w).W.free_column, False) for w in WHO})
        for M, name in (("W", f"{L} control: at initialization and in the null model the free column is not Phi's (error > "
                              f"{PHI_ERROR})"),
                        ("J", f"{L} control: the Jacobian at initialization and of the null model does not reveal Phi "
                              f"(error > {PHI_ERROR})")):
            judge.seeds(name, values(R, lambda r: min(getattr(r.init, M).free_column, getattr(r.null, M).free_column), False),
                        fam.seeds)
        judge.seeds(f"{L} refined: with the operating-point Jacobian in place of W_hh the free column is within {PHI_ERROR} "
                    "of Phi's", values(R, lambda r: r.trained.J.free_column), fam.seeds,
                    detail=_effect(R, lambda x: x.J.free_column, "free-column error of the Jacobian"))
        parts.append(f"{L}: " + _effect(R, lambda x: x.W.free_column, "free-column error of W_hh"))
        figures += _analysis_figures(ctx, cfg, fam)
    return Measured("In a power (Krylov) basis every block of pinv(Psi) W_hh Psi but the first column block equals Phi's "
                    "by construction: only that free column is evidence. " + " ".join(parts), figures)


def _analysis_figures(ctx: Context, cfg: str, fam: Any) -> list[tuple[str, Path]]:
    """The first seed's heatmap of pinv(Psi) W_hh Psi (C8), waves (C9) and training curves."""
    from ..learning.analysis import analyze
    from ..learning.pool import TrainingFailed
    from ..plots import analysis_figures
    from .trained_runs import pool

    job = pool(ctx).submit(fam.task, fam.configs()[0], measure=fam.measure)
    try:
        res = pool(ctx).result(job)
    except TrainingFailed:
        return []
    a = analyze(res.rnn, fam.task, res.init, seed=fam.seeds[0])
    captions = {"phi": f"C8: |pinv(Psi) W_hh Psi| in the power-iteration basis next to |Phi| {label(cfg)}, seed {fam.seeds[0]}",
                "waves": f"C9: hidden states projected on the dual basis (time x block) {label(cfg)}, seed {fam.seeds[0]}",
                "training": f"Training curves {label(cfg)}, seed {fam.seeds[0]}"}
    paths = analysis_figures(a, Path(ctx.out) / "runs" / job.folder, title=f"seed {fam.seeds[0]}:", history=res.to_json())
    return [(captions[Path(p).stem], Path(p)) for p in paths if Path(p).stem in captions]


C8 = Claim("C8", "Power-iteration basis from the readout reveals Phi", "paper", {
    "C8.1": "a basis built by power iteration from the readout, Psi_k = W_hh^(k-1) pinv(W_hy), reveals Phi: "
            "pinv(Psi) W_hh Psi is close to Phi",
}, declare_c8, measure_c8, families=substrate_families)
