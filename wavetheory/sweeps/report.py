"""Statistics of a sweep: distributions per task, convergence to the wave solution, C12 split.

A run (cell) *converges to the wave solution* when it solves the task and its recurrent
spectrum is that of Phi (C7):

    converged  <=>  accuracy >= SOLVED_ACCURACY (0.99)  and  eig_match_mean <= EIG_MATCH (0.05),

the acceptance numbers of the trainer issue (``wavetheory.thresholds``); both thresholds and the spectrum column are arguments (e.g.
``eig_match_angle_max``: trained tanh networks tend to push the moduli of the wave eigenvalues
above those of Phi while keeping their angles). The spectrum test is basis invariant;
phi_error (C8) depends on the basis recovery and is reported as a distribution, not used for
convergence.

Intervals (95%, ``wavetheory.stats``): a fraction k/n gets the Wilson score interval, a mean the
Student t interval. Tasks are split by C12 (``realizability.is_realizable``: can a
linear RNN realize the two-phase task exactly?) to show what trained tanh networks do on the
tasks no linear RNN can solve.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ..stats import t_interval, wilson_interval
from ..thresholds import EIG_MATCH, SOLVED_ACCURACY

__all__ = ["is_converged", "summarize", "format_summary"]


def is_converged(record: dict, acc_threshold: float = SOLVED_ACCURACY, eig_threshold: float = EIG_MATCH,
                 eig_column: str = "eig_match_mean") -> bool:
    """accuracy >= acc_threshold and record[eig_column] <= eig_threshold (missing numbers: not converged)."""
    acc, eig = record.get("accuracy"), record.get(eig_column)
    return acc is not None and eig is not None and acc >= acc_threshold and eig <= eig_threshold


# natural range of each reported metric (R^2 is at most 1; it can be very negative)
_RANGES = {"accuracy": (0.0, 1.0), "eig_match_mean": (0.0, np.inf), "phi_error": (0.0, np.inf), "wave_r2": (-np.inf, 1.0)}


def _median(rows: list[dict], key: str) -> float | None:
    vals = [r[key] for r in rows if r.get(key) is not None and np.isfinite(r[key])]
    return float(np.median(vals)) if vals else None


def _stats(rows: list[dict], acc_threshold: float, eig_threshold: float, eig_column: str) -> dict:
    ok = [r for r in rows if r.get("status") == "ok"]
    k = sum(is_converged(r, acc_threshold, eig_threshold, eig_column) for r in ok)
    out = {"n": len(rows), "n_ok": len(ok), "n_error": len(rows) - len(ok),
           "converged": k, "converged_fraction": k / len(ok) if ok else None,
           "converged_ci": list(wilson_interval(k, len(ok)))}
    for key, (low, high) in _RANGES.items():
        m, lo, hi = t_interval([r.get(key) for r in ok])
        # the mean lies in the metric's range, so cutting the interval to it keeps its coverage
        out[key] = {"mean": m, "ci": [max(lo, low), min(hi, high)], "median": _median(ok, key)}
    for key in ("rho_W_hh", "rho_Phi", "eig_match_angle_mean", "eig_match_modulus_mean"):
        out[f"{key}_median"] = _median(ok, key)
    return out


def summarize(
    records: list[dict], by: Sequence[str] = ("task",), acc_threshold: float = SOLVED_ACCURACY,
    eig_threshold: float = EIG_MATCH,
    eig_column: str = "eig_match_mean",
) -> dict:
    """Per-group statistics (groups = distinct values of the ``by`` columns), the C12 split and errors."""
    if not records:
        raise ValueError("results: the table holds no records")
    columns = {k for r in records for k in r}  # failed cells lack the metric columns
    missing = [b for b in (*by, eig_column) if b not in columns]
    if missing:
        which = "eig_column" if missing[0] == eig_column and eig_column not in by else "by"
        raise ValueError(f"{which}: unknown column {missing[0]!r}; columns are {', '.join(sorted(columns))}")
    groups: dict[tuple, list[dict]] = {}
    for r in sorted(records, key=lambda r: (r.get("index") is None, r.get("index") or 0)):
        groups.setdefault(tuple(r.get(b) for b in by), []).append(r)
    per_group = []
    for key, rows in groups.items():
        real = {r.get("realizable") for r in rows}
        per_group.append({**dict(zip(by, key)), "realizable": real.pop() if len(real) == 1 else None,
                          **_stats(rows, acc_threshold, eig_threshold, eig_column)})
    split = {}
    for flag, name in ((True, "realizable"), (False, "not_realizable")):
        rows = [r for r in records if r.get("realizable") is flag]
        if rows:
            split[name] = {"tasks": sorted({str(r.get("task")) for r in rows}),
                           **_stats(rows, acc_threshold, eig_threshold, eig_column)}
    errors: dict[str, int] = {}
    for r in records:
        if r.get("status") != "ok":
            msg = f"{r.get('error_type')}: {r.get('error')}"
            errors[msg] = errors.get(msg, 0) + 1
    return {"by": list(by), "thresholds": {"accuracy": acc_threshold, eig_column: eig_threshold},
            "groups": per_group, "c12": split, "errors": errors,
            "overall": _stats(records, acc_threshold, eig_threshold, eig_column)}


def _fmt(v: float | None, spec: str = ".3f") -> str:
    return "-" if v is None or not np.isfinite(v) else format(v, spec)


def _fmt_ci(s: dict, spec: str = ".3f") -> str:
    lo, hi = s["ci"]
    return f"{_fmt(s['mean'], spec)} [{_fmt(lo, spec)}, {_fmt(hi, spec)}]"


def _fmt_frac(s: dict) -> str:
    lo, hi = s["converged_ci"]
    return f"{s['converged']}/{s['n_ok']} [{_fmt(lo, '.2f')}, {_fmt(hi, '.2f')}]"


def format_summary(summary: dict) -> str:
    """The summary as a text table (one line per group), the C12 split and the errors."""
    by, th = summary["by"], summary["thresholds"]
    names = [" ".join(str(g[b]) for b in by) for g in summary["groups"]]
    w = max([len(n) for n in names] + [len(" ".join(by))])
    eig_column, eig_threshold = [(k, v) for k, v in th.items() if k != "accuracy"][0]
    lines = [f"converged = accuracy >= {th['accuracy']} and {eig_column} <= {eig_threshold}; "
             "intervals 95% (t for means, Wilson for fractions)",
             f"{' '.join(by):{w}s} {'C12':4s} {'n':>3s} {'err':>3s}  {'accuracy mean [CI]':24s} {'eig_match mean [CI]':24s}"
             f" {'phi_err med':>11s}  converged [CI]"]
    for name, g in zip(names, summary["groups"]):
        c12 = {True: "yes", False: "no"}.get(g["realizable"], "?")
        lines.append(f"{name:{w}s} {c12:4s} {g['n']:3d} {g['n_error']:3d}  {_fmt_ci(g['accuracy']):24s} "
                     f"{_fmt_ci(g['eig_match_mean']):24s} {_fmt(g['phi_error']['median']):>11s}  {_fmt_frac(g)}")
    for name, s in summary["c12"].items():
        label = "realizable by a linear RNN (C12)" if name == "realizable" else "NOT realizable by a linear RNN (C12)"
        lines.append(f"{label}: {len(s['tasks'])} tasks, {s['n_ok']} runs: accuracy {_fmt_ci(s['accuracy'])}, "
                     f"eig_match {_fmt_ci(s['eig_match_mean'])}, converged {_fmt_frac(s)}, "
                     f"median spectral radius of W_hh {_fmt(s['rho_W_hh_median'])} (Phi: {_fmt(s['rho_Phi_median'])})")
    for msg, n in summary["errors"].items():
        lines.append(f"failed x{n}: {msg}")
    return "\n".join(lines)
