"""Figures (matplotlib, Agg backend): spectra on the unit circle, Phi heatmaps, trajectories.

Every function draws into a new figure and, given ``path``, saves it atomically as PNG and
closes it; it returns the path (or the figure when no path is given).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
import numpy as np  # noqa: E402

from .io import atomic_write  # noqa: E402

__all__ = [
    "save", "plot_spectrum", "plot_matrix", "plot_trajectory", "plot_attention", "plot_gradient_norms", "plot_waves",
    "plot_training", "analysis_figures", "plot_diagonal_spectra", "plot_capacity", "gated_figures", "sweep_figures",
    "plot_seed_values", "plot_steps_to_solve", "plot_lenses",
]


def save(fig: "plt.Figure", path: str | Path | None) -> "Path | plt.Figure":
    """Save ``fig`` as PNG atomically and close it; without a path return the figure."""
    if path is None:
        return fig
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return atomic_write(path, lambda fh: fh.write(buf.getvalue()))


def plot_spectrum(
    series: dict[str, np.ndarray], title: str = "spectrum", path: str | Path | None = None
) -> "Path | plt.Figure":
    """Eigenvalues in the complex plane with the unit circle; ``series`` maps labels to arrays.

    The first series is drawn as large open circles (theory), the others as small filled marks.
    """
    fig, ax = plt.subplots(figsize=(4.6, 4.6))
    t = np.linspace(0, 2 * np.pi, 400)
    ax.plot(np.cos(t), np.sin(t), color="0.75", lw=1)
    markers = ["o", "x", "+", "."]
    for i, (label, ev) in enumerate(series.items()):
        ev = np.asarray(ev, dtype=complex)
        if i == 0:
            ax.scatter(ev.real, ev.imag, s=90, facecolors="none", edgecolors="C0", label=label)
        else:
            ax.scatter(ev.real, ev.imag, s=25, marker=markers[i % 4], color=f"C{i}", label=label)
    ax.axhline(0, color="0.9", lw=0.8, zorder=0)
    ax.axvline(0, color="0.9", lw=0.8, zorder=0)
    ax.set_aspect("equal")
    ax.set_xlabel("Re $\\lambda$")
    ax.set_ylabel("Im $\\lambda$")
    ax.set_title(title)
    # below the axes, never over the eigenvalues (which crowd the unit circle, corners included)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=min(len(series), 2), fontsize=8, frameon=False)
    return save(fig, path)


def plot_matrix(
    mats: Sequence[tuple[str, np.ndarray]], title: str = "", path: str | Path | None = None, absolute: bool = False
) -> "Path | plt.Figure":
    """Heatmaps of one or more matrices side by side (e.g. Phi next to a recovered operator)."""
    fig, axes = plt.subplots(1, len(mats), figsize=(4 * len(mats), 3.8), squeeze=False)
    for ax, (label, M) in zip(axes[0], mats):
        M = np.abs(M) if absolute else np.asarray(M)
        lim = float(np.max(np.abs(M))) or 1.0
        im = ax.imshow(M, cmap="magma" if absolute else "RdBu_r", vmin=0 if absolute else -lim, vmax=lim)
        ax.set_title(label)
        fig.colorbar(im, ax=ax, fraction=0.046)
    if title:
        fig.suptitle(title)
    return save(fig, path)


def plot_trajectory(
    trajectory: np.ndarray, s: int, title: str = "trajectory", path: str | Path | None = None
) -> "Path | plt.Figure":
    """A trajectory (T, d) as a time x component image, with the end of the history marked."""
    traj = np.asarray(trajectory)
    fig, ax = plt.subplots(figsize=(7, 2.2 + 0.15 * traj.shape[1]))
    lim = float(np.max(np.abs(traj))) or 1.0
    ax.imshow(traj.T, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    ax.axvline(s - 0.5, color="k", lw=1, ls="--")
    ax.set_xlabel("time t")
    ax.set_ylabel("component")
    ax.set_title(title)
    return save(fig, path)



def plot_attention(
    weights: "np.ndarray | dict[str, np.ndarray]", title: str = "attention over the substrate",
    path: str | Path | None = None,
) -> "Path | plt.Figure":
    """SBC attention pattern (C6): weights (T, s) or (T, n_heads, s) as time x column images.

    ``weights`` is one array or a dict label -> array (one panel per label and head). Column i is
    the substrate column h_i (1 = oldest, at the open end; s = newest, at the start boundary).
    """
    series = weights if isinstance(weights, dict) else {"": weights}
    panels = []
    for label, w in series.items():
        w = np.asarray(w, dtype=np.float64)
        w = w[:, None, :] if w.ndim == 2 else w
        if w.ndim != 3 or 0 in w.shape:
            raise ValueError(f"weights: expected shape (T, s) or (T, n_heads, s), got {np.shape(series[label])}")
        nh = w.shape[1]
        panels += [(f"{label} head {n + 1}".strip() if nh > 1 else label, w[:, n, :]) for n in range(nh)]
    T, s = panels[0][1].shape
    fig, axes = plt.subplots(1, len(panels), figsize=(len(panels) * (1.6 + 0.4 * s), 1.8 + 0.12 * T), squeeze=False)
    for ax, (label, w) in zip(axes[0], panels):
        im = ax.imshow(w, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest",
                       extent=(0.5, w.shape[1] + 0.5, w.shape[0] - 0.5, -0.5))
        ax.set_xticks(range(1, w.shape[1] + 1))
        ax.set_xlabel("substrate column i")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_title(label, fontsize=9)
    axes[0][0].set_ylabel("generation step")
    fig.colorbar(im, ax=list(axes[0]), fraction=0.046 / len(panels) ** 0.5, label="softmax weight")
    fig.suptitle(title, fontsize=10)
    return save(fig, path)


def plot_gradient_norms(
    lags: Sequence[int],
    series: dict[str, Sequence[float]],
    bound: Sequence[float] | None = None,
    title: str = "gradient propagation",
    path: str | Path | None = None,
) -> "Path | plt.Figure":
    """||dh(1+k)/dx(1)|| against the lag k on a log scale, one line per RNN, with the C5 bound dashed."""
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for i, (label, norms) in enumerate(series.items()):
        v = np.asarray(norms, dtype=float)
        ax.semilogy(np.asarray(lags)[v > 0], v[v > 0], marker="o", ms=3, color=f"C{i}", label=label)
    if bound is not None:
        ax.semilogy(lags, bound, ls="--", color="k", lw=1, label="bound $||W_{uh}||\\,\\mu^k$ (gain-$\\mu$ RNN)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("lag k")
    ax.set_ylabel("$||\\partial h(1+k) / \\partial x(1)||_2$")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return save(fig, path)



def plot_waves(waves: np.ndarray, substrate: np.ndarray, s: int, d: int, title: str = "waves", path: str | Path | None = None):
    """Time x block pictures of the decoded waves g * pinv(Psi) h(t) next to the true substrate (C9).

    Rows are the sd wave coordinates ordered block 1 (oldest) .. block s (newest), component
    within block; a stored input travels as a diagonal stripe from block s down to block 1.
    """
    fig, axes = plt.subplots(1, 2, figsize=(10.8, 2.4 + 0.12 * s * d), sharey=True, layout="constrained")
    t0 = s - 1  # the first time at which the whole substrate holds inputs
    for ax, (label, M) in zip(axes, (("decoded waves", waves), ("substrate x(t-s+i)", substrate))):
        lim = float(np.max(np.abs(M))) or 1.0  # each panel its own symmetric scale, read on its own colorbar
        im = ax.imshow(M.T, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest",
                       extent=(t0 - 0.5, t0 + M.shape[0] - 0.5, s * d - 0.5, -0.5))
        for i in range(1, s):
            ax.axhline(i * d - 0.5, color="k", lw=0.4)
        ax.set_xlabel("time t")
        ax.set_title(label)
        fig.colorbar(im, ax=ax, fraction=0.05, pad=0.02, label="value")
    axes[0].set_yticks([i * d + (d - 1) / 2 for i in range(s)], [f"block {i + 1}" for i in range(s)])
    fig.suptitle(title)
    return save(fig, path)


def plot_training(metrics: dict, title: str = "", path: str | Path | None = None):
    """Training curves: loss, accuracy and eigenvalue-match distance (C7) against the step.

    Dotted vertical lines mark the steps at which the curriculum raised the horizon.
    """
    h, e = metrics["history"], metrics.get("eig_history", {})
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    axes[0].semilogy(h["step"], h["loss"])
    axes[0].set_title("loss (MSE, output phase)")
    axes[1].plot(h["step"], h["accuracy"])
    axes[1].set_title("sign accuracy (training batches)")
    if e.get("step"):
        axes[2].semilogy(e["step"], e["mean"], label="mean")
        axes[2].semilogy(e["step"], e["max"], label="max")
        axes[2].legend(fontsize=8)
    axes[2].set_title("eigenvalue-match distance to Phi")
    for ax in axes:
        ax.set_xlabel("step")
        for level in metrics.get("curriculum", [])[1:]:
            ax.axvline(level["step_reached"], color="0.6", ls=":", lw=1)
    fig.suptitle(title, y=1.03)
    return save(fig, path)


__all__ += ["plot_waves", "plot_training"]


# --------------------------------------------------------------------------- composite figures


def analysis_figures(analysis, out: str | Path, title: str = "", history: dict | None = None) -> list[str]:
    """C7-C9 on one network (a ``learning.analysis.Analysis``): spectrum on the unit circle, |pinv(Psi) W_hh Psi|
    next to Phi, the waves, and the training curves when ``history`` (a metrics.json record) is given."""
    out = Path(out)
    m = analysis.match
    paths = [
        plot_spectrum({"eig(Phi)": m.theory, "learned (matched)": m.learned, "learned (extra)": m.extra},
                      title=f"{title} eigenvalues of W_hh", path=out / "spectrum.png"),
        plot_matrix([(f"|pinv(Psi) W_hh Psi| ({analysis.road})", analysis.Phi_hat), ("|Phi|", analysis.Phi)], absolute=True,
                    title=f"{title} phi_error = {analysis.phi_error:.3g}", path=out / "phi.png"),
    ]
    if analysis.diagonal_match is not None:  # LRU / S4D: Lambda itself against the folded target (C15)
        dm = analysis.diagonal_match
        paths.append(plot_diagonal_spectra({"": (dm.target, np.concatenate([dm.learned, dm.extra]))},
                                           title=f"{title} {analysis.cell} Lambda vs Phi", path=out / "diagonal.png"))
    if analysis.waves is not None:
        paths.append(plot_waves(analysis.waves, analysis.substrate, analysis.s, analysis.d,
                                title=f"{title} waves, R^2 = {analysis.wave_r2:.3f}", path=out / "waves.png"))
    if history is not None and history.get("history", {}).get("step"):
        paths.append(plot_training(history, title=title, path=out / "training.png"))
    return [str(p) for p in paths]


def plot_diagonal_spectra(panels: dict, title: str = "", path: str | Path | None = None) -> "Path | plt.Figure":
    """C15: learned diagonal eigenvalues (all states, both halves of the plane) against the target, one panel each.

    ``panels`` maps a label to (target, learned): the target folded to Im >= 0 (``fold_spectrum``), drawn
    with its conjugates as open circles; learned Lambda as filled dots, coloured by nothing but position.
    """
    n = len(panels)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 4.4), squeeze=False)
    t = np.linspace(0, 2 * np.pi, 400)
    for ax, (label, (target, learned)) in zip(axes[0], panels.items()):
        target, learned = np.asarray(target, complex), np.asarray(learned, complex)
        ax.plot(np.cos(t), np.sin(t), color="0.75", lw=1)
        both = np.concatenate([target, target.conj()])
        ax.scatter(both.real, both.imag, s=110, facecolors="none", edgecolors="C0", label="target (minimal W, nonzero)")
        ax.scatter(learned.real, learned.imag, s=22, color="C3", label="learned Lambda")
        ax.set_aspect("equal")
        ax.set_xlim(-1.15, 1.15)
        ax.set_ylim(-1.15, 1.15)
        ax.set_title(label, fontsize=9)
        # below the axes: the corners of the square hold eigenvalues too
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=7, frameon=False)
    fig.suptitle(title)
    return save(fig, path)


def plot_capacity(curves: dict, n_min: int, rank_H1: int | None = None, title: str = "", ylabel: str = "accuracy",
                  path: str | Path | None = None) -> "Path | plt.Figure":
    """C16: accuracy vs hidden size per cell type with interval bars, the linear bound n_min marked.

    ``curves`` maps a cell name to rows (hidden, value, lo, hi); ``rank_H1`` is marked too when it differs.
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, (cell, rows) in enumerate(curves.items()):
        rows = sorted(rows)
        h, v, lo, hi = (np.array([r[j] for r in rows], dtype=float) for j in range(4))
        # cells side by side around each integer size, so their interval bars do not hide one another
        ax.errorbar(h + 0.06 * (i - (len(curves) - 1) / 2), v, yerr=[v - lo, hi - v], marker="o", ms=4, capsize=3, label=cell)
    ax.axvline(n_min, color="k", ls="--", lw=1, label=f"n_min = {n_min}")
    if rank_H1 is not None and rank_H1 != n_min:
        ax.axvline(rank_H1, color="0.5", ls=":", lw=1, label=f"rank H1 = {rank_H1}")
    ax.set_xlabel("hidden size")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return save(fig, path)


def gated_figures(comp: dict, trained: dict, nonlin: dict, out: str | Path, s: int, decodable: float) -> list[str]:
    """C14: compiled gated networks vs input amplitude, trained spectra at 0 and along trajectories, decodability per lag."""
    out = Path(out)
    paths = []
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    for name, r in comp["nets"].items():
        a1.loglog(r["eps_fit"], r["error_fit"], "o-", label=f"{name} (slope {r['slope']:.2f})")
        a2.semilogx(r["eps_curve"], r["accuracy_curve"], "o-", label=name)
    a1.set_xlabel("input amplitude eps")
    a1.set_ylabel(f"relative error of y/eps (horizon {comp['horizon_fit']})")
    a2.set_xlabel("input amplitude eps")
    a2.set_ylabel(f"sign accuracy (horizon {comp['horizon_curve']})")
    a1.legend(fontsize=7)
    a2.legend(fontsize=7)
    fig.suptitle("C14: compiled wave networks (repeat copy d=3, s=4) away from the linear regime")
    paths.append(save(fig, out / "c14_amplitude.png"))
    fig, axes = plt.subplots(1, 1 + len(trained), figsize=(4 * (1 + len(trained)), 4))
    t = np.linspace(0, 2 * np.pi, 400)
    roots = np.exp(2j * np.pi * np.arange(s) / s)
    panels = [(f"{cell} on repeat copy", r) for cell, r in trained.items() if r is not None]
    panels.append(("rnn on majority", nonlin["majority"]))

    def points(top: dict) -> np.ndarray:
        return np.array(top["modulus"]) * np.exp(1j * np.array(top["angle_over_root_spacing"]) * 2 * np.pi / s)

    for ax, (title, r) in zip(np.atleast_1d(axes), panels):
        ev, op = points(r["top_eigenvalues"]), points(r["operating_point"]["top_eigenvalues"])
        ax.plot(np.cos(t), np.sin(t), color="0.75", lw=1)
        ax.scatter(roots.real, roots.imag, s=110, facecolors="none", edgecolors="C0", label="s-th roots of unity")
        ax.scatter(ev.real, ev.imag, s=22, color="C1", label="linearization at 0")
        ax.scatter(op.real, op.imag, s=30, marker="x", color="C2", label="Jacobian at the visited states")
        ax.set_aspect("equal")
        ax.set_title(f"{title}: leading s*d eigenvalues\nangle split at 0 {r['roots']['angle_counts']}, "
                     f"visited {r['operating_point']['angle_counts']}", fontsize=8)
        ax.legend(fontsize=6, loc="best")
    paths.append(save(fig, out / "c14_trained_spectra.png"))
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for name, r in [(f"{c} repeat copy", v) for c, v in trained.items() if v is not None] + [("rnn majority", nonlin["majority"]),
                                                                                           ("rnn product", nonlin["product"])]:
        ax.plot(range(s), r["lag_sign_accuracy"], "o-", label=name)
    ax.axhline(decodable, color="0.6", lw=0.8, ls="--")
    ax.set_xlabel("lag k")
    ax.set_ylabel("held-out sign accuracy of x(t-k) from h(t)")
    ax.set_ylim(0.45, 1.02)
    ax.legend(fontsize=7)
    ax.set_title("C14: linear decodability of the substrate")
    paths.append(save(fig, out / "c14_decoding.png"))
    return [str(p) for p in paths]


def sweep_figures(records: list[dict], summary: dict, out: str | Path) -> list[str]:
    """distributions.png (accuracy, eig match, phi error per group) and converged.png (fractions, Wilson CIs)."""
    out = Path(out)
    by = summary["by"]
    groups = summary["groups"]
    names = [" ".join(str(g[b]) for b in by) for g in groups]
    rows = {n: [r for r in records if r.get("status") == "ok" and all(r.get(b) == g[b] for b in by)]
            for n, g in zip(names, groups)}
    colors = ["C0" if g["realizable"] else "C3" for g in groups]
    x = np.arange(len(groups))
    rng = np.random.default_rng(0)  # horizontal jitter of the points only
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2 + 0.1 * max(map(len, names), default=0)))
    for ax, key, log in zip(axes, ("accuracy", "eig_match_mean", "phi_error"), (False, True, True)):
        for i, n in enumerate(names):
            v = np.array([r[key] for r in rows[n] if r.get(key) is not None], dtype=float)
            v = v[np.isfinite(v) & ((v > 0) if log else True)]
            ax.scatter(i + rng.uniform(-0.15, 0.15, v.size), v, s=14, color=colors[i], alpha=0.7)
            if v.size:
                ax.hlines(np.median(v), i - 0.3, i + 0.3, color="k", lw=1.5)
        if log:
            ax.set_yscale("log")
        ax.set_title(key + (" (log)" if log else "") + ", median = bar")
        ax.set_xticks(x, names, rotation=60, ha="right", fontsize=7)
    axes[0].axhline(summary["thresholds"]["accuracy"], color="0.6", ls=":")
    if "eig_match_mean" in summary["thresholds"]:
        axes[1].axhline(summary["thresholds"]["eig_match_mean"], color="0.6", ls=":")
    fig.suptitle("per-run distributions (blue: realizable by a linear RNN, red: not, C12)")
    paths = [save(fig, out / "distributions.png")]
    fig, ax = plt.subplots(figsize=(max(5.0, 0.5 * len(groups) + 2), 4.2 + 0.1 * max(map(len, names), default=0)))
    frac = np.array([np.nan if g["converged_fraction"] is None else g["converged_fraction"] for g in groups])
    lo = np.array([g["converged_ci"][0] for g in groups])
    hi = np.array([g["converged_ci"][1] for g in groups])
    ax.bar(x, np.nan_to_num(frac), color=colors)
    ax.errorbar(x, frac, yerr=[frac - lo, hi - frac], fmt="none", color="k", capsize=3)
    ax.set_ylim(0, 1.05)
    ax.set_xticks(x, names, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("fraction converged to the wave solution")
    ax.set_title("converged runs (Wilson 95% intervals)")
    paths.append(save(fig, out / "converged.png"))
    return [str(p) for p in paths]


def plot_seed_values(seeds: Sequence[int], panels: dict, title: str = "", path: str | Path | None = None):
    """One panel per measurement: its value per seed for each series (trained, controls), the threshold dashed.

    ``panels`` maps a panel title to ``(series, threshold)`` with ``series`` a dict label -> values per seed
    (None = no value, e.g. a failed run). A claim over seeds (C7-C10) next to its controls.
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.8), squeeze=False)
    x = np.arange(len(seeds))
    for ax, (name, (series, threshold)) in zip(axes[0], panels.items()):
        for i, (label, values) in enumerate(series.items()):
            v = np.array([np.nan if y is None else y for y in values], dtype=float)
            ax.plot(x + 0.06 * (i - len(series) / 2), v, ls="none", marker="os^vD<>"[i % 7], ms=5, color=f"C{i}", label=label)
        ax.axhline(threshold, color="0.5", ls="--", lw=1)
        ax.set_xticks(x, [str(k) for k in seeds], fontsize=7)
        ax.set_xlabel("seed")
        ax.set_title(name, fontsize=9)
        ax.legend(fontsize=6)
    fig.suptitle(title, y=1.02)
    return save(fig, path)


def plot_steps_to_solve(rows: dict, bound: dict, title: str = "", path: str | Path | None = None):
    """Steps to solve against s per arm (C13): per-seed points, the median and its interval; unsolved at the bound.

    ``rows`` maps an arm to {s: (steps per seed with None = never solved, (median, low, high))}; ``bound`` maps
    s to the step bound, where censored runs are drawn as open marks (their true value lies above).
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    sizes = sorted({s for per_s in rows.values() for s in per_s})
    for i, (arm, per_s) in enumerate(rows.items()):
        xs = np.array([sizes.index(s) for s in per_s], dtype=float) + 0.08 * (i - len(rows) / 2)
        for x, (s, (steps, (med, lo, hi))) in zip(xs, per_s.items()):
            solved = [v for v in steps if v is not None]
            ax.scatter(np.full(len(solved), x), solved, s=10, color=f"C{i}", alpha=0.5)
            n_cens = len(steps) - len(solved)
            if n_cens:
                ax.scatter(np.full(n_cens, x), np.full(n_cens, bound[s]), s=18, facecolors="none", edgecolors=f"C{i}")
            m, lo_, hi_ = (bound[s] if v is None else v for v in (med, lo, hi))
            ax.errorbar([x], [m], yerr=[[m - lo_], [hi_ - m]], fmt="o", color=f"C{i}", capsize=3,
                        label=arm if s == next(iter(per_s)) else None)
    for s in sizes:
        ax.hlines(bound[s], sizes.index(s) - 0.4, sizes.index(s) + 0.4, color="0.6", ls=":", lw=1)
    ax.set_yscale("log")
    ax.set_xticks(range(len(sizes)), [f"s = {s}" for s in sizes])
    ax.set_ylabel("steps to solve (open: never, at the bound)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    return save(fig, path)


def plot_lenses(panels: dict, theory: np.ndarray, title: str = "", path: str | Path | None = None) -> "Path | plt.Figure":
    """C7 through every lens: one unit-circle panel per reading (W_hh, operating point, fixed point, DMD), Phi's
    eigenvalues as open circles in each; ``panels`` maps a panel title to its eigenvalues (None: panel left empty)."""
    n = len(panels)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 3.9), squeeze=False)
    t = np.linspace(0, 2 * np.pi, 400)
    theory = np.asarray(theory, dtype=complex)
    for ax, (label, ev) in zip(axes[0], panels.items()):
        ax.plot(np.cos(t), np.sin(t), color="0.75", lw=1)
        ax.scatter(theory.real, theory.imag, s=90, facecolors="none", edgecolors="C0", label="eig(Phi)")
        if ev is not None:
            ev = np.asarray(ev, dtype=complex)
            ax.scatter(ev.real, ev.imag, s=18, marker="x", color="C3", label="read")
        ax.set_aspect("equal")
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("Re $\\lambda$")
    axes[0][0].set_ylabel("Im $\\lambda$")
    axes[0][0].legend(loc="upper right", fontsize=7)
    fig.suptitle(title)
    return save(fig, path)
