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
* The lenses of issue 22 (the Jacobian at a stable fixed point with input 0, DMD of the hidden states with delays s and
  rank n_min) read C7.1 and C8.1 too; THEORY.md's wording names W_hh and the operating-point Jacobian, so they are
  ``limit`` checks: reported with their values at initialization and of the null model, never deciding a status.
* A further arm (``authors_arm``): the authors' own networks trained by their code, read with the paper
  configuration's checks, kinds and thresholds; each control is the same network at initialization (no null model).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..learning.spectrum_match import persistence_radius
from ..thresholds import BASIS_EXACT, EIG_MATCH, PHI_ERROR, WAVE_R2
from . import authors_arm as arm
from .claim import Claim, Context, Judge, Measured, Plan
from .evidence import Declared, Scope
from .proofs import judge_proof, proof_check
from .substrate_readings import CONFIGS, SubstrateReading, substrate_families
from .trained_runs import readings

__all__ = ["C7", "C8", "declare_c7", "declare_c8", "values", "label", "compiled_c8", "FIXED_POINT_LIMIT", "DMD_LIMIT",
           "FIXED_POINT_C8_LIMIT"]

Reading = SubstrateReading | None
WHO = ("trained", "init", "null")
OPS = (("W", "W_hh"), ("J", "the operating-point Jacobian (trajectory average)"))
WHY_EIG = "thresholds.EIG_MATCH: a twentieth of the unit radius, well below the spacing 2 sin(pi/s) of the roots"
WHY_EXTRA = "a mode near 0 keeps at most 1% of its amplitude over the s steps a value lives in the substrate"
WHY_BULK = "the reading must tell a trained spectrum from the untouched initial bulk"
WHY_PHI = "thresholds.PHI_ERROR: at a 10% relative error the heatmap of pinv(Psi) W_hh Psi is visibly Phi"
# the lenses (issue 22): limits, their names and why they never decide (fixed before any run read them)
FIXED_POINT_LIMIT = ("limit: the s*d leading eigenvalues of the Jacobian at the network's stable fixed point (input 0) "
                     f"match Phi's (mean matched distance <= {EIG_MATCH})")
DMD_LIMIT = ("limit: the DMD eigenvalues of the hidden states (delays s, rank n_min) match Phi's nonzero spectrum (mean "
             f"matched distance <= {EIG_MATCH})")
FIXED_POINT_C8_LIMIT = ("limit: the readout power basis on the Jacobian at the network's stable fixed point reveals Phi "
                        f"(free-column error <= {PHI_ERROR})")
OUTSIDE = ("outside the claim's wording (THEORY.md: W_hh and the operating-point Jacobian), so reported and never deciding; "
           "values at initialization and of the null model in numbers")
POINT_RULE = ("the point read is fixed by rule: input 0 (the recall phase), among the fixed points the finder returns "
              "(residual <= 1e-8, 32 starts on the recall states) the stable one (spectral radius < 1) with the smallest "
              "residual; none stable: no value")


def _fp(x: Any) -> Any:
    """The OperatorReading of the Jacobian at the fixed point read, or None (no stable point, or no lens reading)."""
    return None if x.lens is None else x.lens.fixed_point


def _lens(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """fn(reading) of a NetworkReading whose lens may be absent: None then."""
    return lambda x: None if x is None else fn(x)


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
        out.append(D(FIXED_POINT_LIMIT, "C7.1", "limit", "mean matched eigenvalue distance to Phi of the Jacobian at the "
                     "stable fixed point with input 0 and the smallest residual (solved seeds)", "<=", EIG_MATCH,
                     f"the fixed-point lens (learning/fixed_points.py) is {OUTSIDE}; {POINT_RULE}; threshold as the W_hh "
                     f"reading, {WHY_EIG}"))
        out.append(D(DMD_LIMIT, "C7.1", "limit", "mean distance of Phi's nonzero spectrum to the matched eigenvalues of a "
                     "Hankel DMD of the recall-phase hidden states, delays s, rank n_min, padded with zeros to its size "
                     "(solved seeds)", "<=", EIG_MATCH, f"the operator read from activity alone (theory/dmd.py) is "
                     f"{OUTSIDE}; delays s and rank n_min (= s*d, the number of Phi's nonzero eigenvalues, for repeat "
                     f"copy) are the theory's, read after the s*d-step burn-in; threshold as the W_hh reading, {WHY_EIG}"))
    return out + _declare_arm_c7()


def _arm(name: str, claim: str, row: str, kind: str, q: str, rel: str, thr: float, why: str, **kw: Any) -> Declared:
    return Declared(f"{arm.LABEL} {name}", claim, row, kind, "trained", q, rel, thr, why,
                    scope=arm.SCOPE.format(n="the seeds of its manifest"), **kw)


def _arm_ctrl_c7(what: str) -> str:
    return f"control: {what} of the authors' network at initialization does not match Phi (distance > {EIG_MATCH})"


def _declare_arm_c7() -> list[Declared]:
    """The authors' networks (``authors_arm``): C7.1 and C7.2 as in the paper configuration, init as the control."""
    out, r = [], persistence_radius(arm.S)
    for M, what in OPS:
        ctrl = _arm_ctrl_c7(what)
        out.append(_arm(f"the s*d leading eigenvalues of {what} match Phi's (mean matched distance <= {EIG_MATCH})", "C7",
                        "C7.1", "stated", f"mean matched eigenvalue distance of {what} to Phi (networks that reached "
                        "their stop)", "<=", EIG_MATCH, WHY_EIG, controls=(f"{arm.LABEL} {ctrl}",)))
        out.append(_arm(ctrl, "C7", "C7.1", "control", f"the init's distance ({what})", ">", EIG_MATCH, WHY_EIG))
    ctrl = f"control: at initialization the extra eigenvalues of W_hh are not near 0 (max modulus > {r:.4f})"
    out.append(_arm(f"the extra eigenvalues of W_hh lie near 0 (max modulus <= 0.01^(1/s) = {r:.4f})", "C7", "C7.2",
                    "stated", "largest modulus among W_hh's extra eigenvalues (networks that reached their stop)", "<=", r,
                    WHY_EXTRA, controls=(f"{arm.LABEL} {ctrl}",)))
    out.append(_arm(ctrl, "C7", "C7.2", "control", "largest extra modulus of W_hh at initialization", ">", r, WHY_BULK))
    return out


def _judge_arm(ctx: Context, judge: Judge, names: list[str], judged: Callable[[Any], None],
               fn: Callable[[Any], Any], what: str) -> str:
    """Read the arm and judge its checks (``judged(arm readings)``), or every one of ``names`` missing with the reason;
    the summary's sentence (the medians of ``fn``, trained and at initialization)."""
    A = arm.read_arm(ctx)
    if A.reason or not A.seeds:
        for n in names:
            judge.missing(f"{arm.LABEL} {n}", A.reason or "the manifest lists no network")
        return f"{arm.LABEL}: no data ({A.reason or 'no network'})."
    judged(A)
    R = A.readings
    return (f"{arm.LABEL}: {sum(r.solved for r in R)}/{len(R)} of the authors' runs reached their stop; median {what}: "
            + ", ".join(f"{w} {_med(values(R, lambda r: fn(r.of(w))))}" for w in arm.WHO) + ".")


def _arm_kw(A: Any, R: Sequence[Any], fn: Callable[[Any], Any], what: str) -> dict[str, Any]:
    """detail, numbers and scope of an arm check: trained and init medians, per-seed values, the seeds read."""
    eff = "; ".join(f"{w} {_med(values(R, lambda r: fn(r.of(w))))}" for w in arm.WHO)
    stop = f"{sum(r.solved for r in R)}/{len(R)} runs reached their stop"
    acc = _med([r.accuracy for r in R])
    return {"detail": f"{stop}; median {what}: {eff}; our fresh accuracy (median) {acc}; {A.source}",
            "numbers": {f"{what}_{w}": values(R, lambda r: fn(r.of(w)), False) for w in arm.WHO} |
            {"accuracy": [r.accuracy for r in R], "steps": [r.steps for r in R]},
            "scope": Scope(arm.SCOPE.format(n=f"{len(A.seeds)} seeds"), seeds=A.seeds)}


def _measure_arm_c7(ctx: Context, judge: Judge) -> str:
    r = persistence_radius(arm.S)
    stated = {M: f"the s*d leading eigenvalues of {what} match Phi's (mean matched distance <= {EIG_MATCH})"
              for M, what in OPS}
    extra = (f"the extra eigenvalues of W_hh lie near 0 (max modulus <= 0.01^(1/s) = {r:.4f})",
             f"control: at initialization the extra eigenvalues of W_hh are not near 0 (max modulus > {r:.4f})")
    names = [n for M, what in OPS for n in (stated[M], _arm_ctrl_c7(what))] + list(extra)

    def judged(A: Any) -> None:
        R, L = A.readings, arm.LABEL
        for M, what in OPS:
            fn = lambda x, M=M: getattr(x, M).match_mean  # noqa: E731
            judge.seeds(f"{L} {stated[M]}", values(R, lambda x: fn(x.trained)), A.seeds, **_arm_kw(A, R, fn, f"eig_match_{M}"))
            judge.seeds(f"{L} {_arm_ctrl_c7(what)}", values(R, lambda x: fn(x.init), False), A.seeds,
                        scope=Scope(arm.SCOPE.format(n=f"{len(A.seeds)} seeds"), seeds=A.seeds))
        fn = lambda x: x.W.extra_max  # noqa: E731
        judge.seeds(f"{L} {extra[0]}", values(R, lambda x: fn(x.trained)), A.seeds, **_arm_kw(A, R, fn, "extra_max"))
        judge.seeds(f"{L} {extra[1]}", values(R, lambda x: fn(x.init), False), A.seeds,
                    scope=Scope(arm.SCOPE.format(n=f"{len(A.seeds)} seeds"), seeds=A.seeds))

    return _judge_arm(ctx, judge, names, judged, lambda x: x.W.match_mean, "distance of W_hh")


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
        fp = lambda x: _lens(lambda o: o.match_mean)(_fp(x))  # noqa: E731
        n_stable = lambda x: None if x.lens is None else x.lens.n_stable  # noqa: E731
        judge.seeds(f"{L} {FIXED_POINT_LIMIT}", values(R, lambda x: fp(x.trained)), fam.seeds,
                    detail=_effect(R, fp, "distance at the fixed point") + "; " + _effect(R, n_stable, "stable fixed points"),
                    numbers={f"fixed_point_match_{w}": values(R, lambda x: fp(x.of(w)), False) for w in WHO}
                    | {f"stable_fixed_points_{w}": values(R, lambda x: n_stable(x.of(w)), False) for w in WHO})
        dm = lambda x: None if x.lens is None else x.lens.dmd_match  # noqa: E731
        judge.seeds(f"{L} {DMD_LIMIT}", values(R, lambda x: dm(x.trained)), fam.seeds,
                    detail=_effect(R, dm, "DMD distance") + "; " + _effect(R, lambda x: None if x.lens is None else
                                                                           x.lens.dmd_rank, "DMD rank"),
                    numbers={f"dmd_match_{w}": values(R, lambda x: dm(x.of(w)), False) for w in WHO})
        parts.append(f"{L}: {_solved_text(R)}; " + _effect(R, lambda x: x.W.match_mean, "distance of W_hh")
                     + "; " + _effect(R, lambda x: x.J.match_mean, "distance of the Jacobian"))
        figures += _spectrum_figures(ctx, cfg, fam, R)
    parts.append(_measure_arm_c7(ctx, judge))
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
}, declare_c7, measure_c7, families=substrate_families, calls=arm.authors_calls)


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
            Declared(f"{L} {FIXED_POINT_C8_LIMIT}", "C8", "C8.1", "limit", "trained", "relative error of the free column "
                     "block, Jacobian at the stable fixed point with input 0 and the smallest residual (solved seeds)", "<=",
                     PHI_ERROR, f"the fixed-point lens (learning/fixed_points.py) is {OUTSIDE}; {POINT_RULE}; threshold "
                     f"as the W_hh reading, {why}", scope=L),
        ]
    return out + _declare_arm_c8()


ARM_C8 = (f"the readout power basis reveals Phi: the free column block of pinv(Psi) W_hh Psi is within {PHI_ERROR} of "
          "Phi's (relative Frobenius error)",
          f"control: at initialization the free column of the authors' network is not Phi's (error > {PHI_ERROR})",
          f"refined: with the operating-point Jacobian in place of W_hh the free column is within {PHI_ERROR} of Phi's",
          f"control: the Jacobian of the authors' network at initialization does not reveal Phi (error > {PHI_ERROR})")


def _declare_arm_c8() -> list[Declared]:
    """The authors' networks: C8.1 and its refined Jacobian reading as in the paper configuration, init as the control."""
    stated, ctrl_w, refined, ctrl_j = (f"{arm.LABEL} {n}" for n in ARM_C8)
    q = "relative error of the free column block ({}, networks that reached their stop)"
    return [_arm(ARM_C8[0], "C8", "C8.1", "stated", q.format("W_hh"), "<=", PHI_ERROR, WHY_PHI,
                 controls=(ctrl_w, COMPILED, f"proofs/{C8_PROOF}.py")),
            _arm(ARM_C8[1], "C8", "C8.1", "control", "the init's error", ">", PHI_ERROR, WHY_PHI),
            _arm(ARM_C8[2], "C8", "C8.1", "refined", q.format("Jacobian"), "<=", PHI_ERROR, WHY_PHI,
                 controls=(ctrl_j, COMPILED), replaces=stated),
            _arm(ARM_C8[3], "C8", "C8.1", "control", "the init's error (Jacobian)", ">", PHI_ERROR, WHY_PHI)]


def _measure_arm_c8(ctx: Context, judge: Judge) -> str:
    def judged(A: Any) -> None:
        R, L, sc = A.readings, arm.LABEL, Scope(arm.SCOPE.format(n=f"{len(A.seeds)} seeds"), seeds=A.seeds)
        for M, (name, ctrl) in (("W", ARM_C8[:2]), ("J", ARM_C8[2:])):
            fn = lambda x, M=M: getattr(x, M).free_column  # noqa: E731
            judge.seeds(f"{L} {name}", values(R, lambda x: fn(x.trained)), A.seeds, **_arm_kw(A, R, fn, f"free_column_{M}"))
            judge.seeds(f"{L} {ctrl}", values(R, lambda x: fn(x.init), False), A.seeds, scope=sc)

    return _judge_arm(ctx, judge, list(ARM_C8), judged, lambda x: x.W.free_column, "free-column error of W_hh")


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
        fc = lambda x: _lens(lambda o: o.free_column)(_fp(x))  # noqa: E731
        judge.seeds(f"{L} {FIXED_POINT_C8_LIMIT}", values(R, lambda r: fc(r.trained)), fam.seeds,
                    detail=_effect(R, fc, "free-column error at the fixed point"),
                    numbers={f"fixed_point_free_column_{w}": values(R, lambda r: fc(r.of(w)), False) for w in WHO})
        parts.append(f"{L}: " + _effect(R, lambda x: x.W.free_column, "free-column error of W_hh"))
        figures += _analysis_figures(ctx, cfg, fam)
    parts.append(_measure_arm_c8(ctx, judge))
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
}, declare_c8, measure_c8, families=substrate_families, calls=arm.authors_calls)
