"""Every reading of one analysis beside its declared threshold: PASS / FAIL, the same bars as the claims (C7-C10, C16).

The thresholds are those of ``wavetheory.thresholds`` (EIG_MATCH for a spectrum matched to Phi's,
PHI_ERROR for the basis, WAVE_R2 for the waves) and, for the Lyapunov exponents, the persistence radius
of ``spectrum_match`` (a mode that keeps more than 1% of its amplitude over s steps has exponent above
log(0.01) / s). Readings without a declared bar (the authors' task-subspace metrics, the effective rank)
are printed as "info": a number beside no threshold is not a verdict.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..thresholds import EIG_MATCH, PHI_ERROR, WAVE_R2

__all__ = ["readings", "format_readings"]


def _r(name: str, claim: str, value: float | None, threshold: float | None = None, op: str = "<=",
       note: str = "") -> dict[str, Any]:
    if value is None or threshold is None:
        verdict = "info" if threshold is None else "n/a"
    else:
        verdict = "PASS" if (value <= threshold if op == "<=" else value >= threshold) else "FAIL"
    return {"name": name, "claim": claim, "value": None if value is None else float(value), "op": op,
            "threshold": threshold, "verdict": verdict, "note": note}


def readings(a: Any) -> list[dict[str, Any]]:
    """The readings of an ``analysis.Analysis``, in the order the theory reads a network (C7, C8, C9, then the lenses)."""
    sd = a.s * a.d
    out = [
        _r("W_hh spectrum vs Phi, mean |dlambda|", "C7", a.eig_match["mean"], EIG_MATCH,
           note="the linearization at h = 0"),
        _r(f"basis phi_error ({a.road})", "C8", a.phi_error, PHI_ERROR),
        _r(f"robust phi_error (rank {a.robust['rank']})", "C8", a.robust["phi_error"], PHI_ERROR),
        _r("waves R^2", "C9", a.wave_r2, WAVE_R2, ">="),
        _r(f"robust waves R^2 (rank {a.robust['rank']})", "C9", a.robust["wave_r2"], WAVE_R2, ">="),
        _r(f"effective rank (of s*d = {sd})", "C8", a.effective_rank),
    ]
    lz = a.lenses
    if lz is None:
        return out
    op = lz.operating_point
    out.append(_r("operating point spectrum vs Phi, mean |dlambda|", "C7, C11",
                  None if op is None else op.summary()["mean"], EIG_MATCH,
                  note="Jacobian averaged over the recall phase"))
    fixed = [p for p in lz.fixed_points if p.match is not None]
    best = min((p.match.summary()["mean"] for p in fixed), default=None)
    n_fixed = sum(p.kind == "fixed" for p in lz.fixed_points)
    out.append(_r("fixed point nearest Phi, mean |dlambda|", "C7, C11", best, EIG_MATCH,
                  note=f"{n_fixed} fixed, {len(lz.fixed_points) - n_fixed} slow points; "
                       f"{sum(p.stable for p in lz.fixed_points)} stable"))
    dm = lz.dmd_match.summary()
    out.append(_r(f"DMD (delays {lz.dmd.delays}, rank {lz.dmd.rank}) vs Phi's nonzero spectrum, mean |dlambda|",
                  "C7, C16", dm["mean"], EIG_MATCH, note=f"{dm['n_matched']} of {dm['n_target']} matched"))
    held = int(np.sum(lz.lyapunov > lz.lyapunov_floor))
    out.append(_r(f"Lyapunov exponents above log(0.01)/s = {lz.lyapunov_floor:.3f}", "C7, C10", held,
                  _persisting(a), ">=", note=f"largest {lz.lyapunov[0]:.4f}" if lz.lyapunov.size else ""))
    ts = lz.task_subspace
    if ts:
        out.append(_r(f"authors' task-subspace spectral error, degrees (k = {ts['k']})", "C7", ts["spectral_error_deg"],
                      note=f"{ts['n_W']} vs {ts['n_Phi']} eigenvalues above {ts['threshold']}"))
        out.append(_r("authors' task-subspace relative Frobenius error", "C8", ts["frobenius"],
                      note="basis-dependent: W_sub is read in W_hh's singular vectors"))
    return out


def _persisting(a: Any) -> int:
    """How many of Phi's eigenvalues keep more than 1% over s steps (the count the leading exponents should reach)."""
    return int(np.sum(np.abs(a.match.theory) > a.radius))


def format_readings(rows: list[dict[str, Any]]) -> str:
    """One line a reading: name (claim), value, the threshold with its direction, PASS / FAIL / info."""
    lines = []
    width = max(len(f"{r['name']} ({r['claim']})") for r in rows) if rows else 0
    for r in rows:
        v = "n/a" if r["value"] is None else (f"{int(r['value'])}" if float(r["value"]).is_integer() and abs(r["value"]) >= 1
                                              else f"{r['value']:.4g}")
        bar = "" if r["threshold"] is None else f"{r['op']} {r['threshold']:g}"
        note = f"  ({r['note']})" if r["note"] else ""
        lines.append(f"{r['name'] + ' (' + r['claim'] + ')':<{width}}  {v:>10}  {bar:<9} {r['verdict']:<4}{note}")
    return "\n".join(lines)
