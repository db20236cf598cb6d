"""The main job: run the checks of every claim C1..C16, derive each status, write the report (issue 7).

The checks live in ``theory_checks`` (C1-C6, C11, C12) and ``trained_checks`` (C7-C10), ``learning_speed`` (C13),
``gated_study`` (C14) and ``state_space_checks`` (C15, C16); each
returns a ``ClaimResult`` whose status is decided by ``wavetheory.claims.evidence.decide`` from the checks
actually run, never written by hand. ``reproduce(..., Phi=...)`` replaces the wave-operator
constructor in every Phi-dependent check: a test swaps in a perturbed Phi and sees statuses change.

Roads of evidence (``evidence.ROADS``): ``symbolic`` (a runnable proof in proofs/ exited 0, or an exact
SymPy identity), ``numeric`` (float64 comparisons with the tolerance stated next to them) and ``trained``
(networks trained by ``wavetheory.learning.trainer`` and measured by ``wavetheory.learning.analysis``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..theory import wave_operator
from .theory_checks import claim_c1, claim_c2, claim_c3, claim_c4, claim_c5, claim_c6, claim_c11, claim_c12
from .gated_study import claim_c14
from .learning_speed import claim_c13
from .trained_checks import claim_c7, claim_c8, claim_c9, claim_c10
from .state_space_checks import claim_c15, claim_c16
from .trained_runs import seed_count, seeds, start_training, stop_training
from .evidence import CLAIM_TITLES, ClaimResult, Context, run_proofs
from ..theory.tasks import LinearHDS

__all__ = ["CLAIMS", "reproduce", "run_main_job"]


CLAIMS: dict[str, Callable[[Context], ClaimResult]] = {
    "C1": claim_c1, "C2": claim_c2, "C3": claim_c3, "C4": claim_c4, "C5": claim_c5, "C6": claim_c6,
    "C7": claim_c7, "C8": claim_c8, "C9": claim_c9, "C10": claim_c10, "C11": claim_c11, "C12": claim_c12,
    "C13": claim_c13, "C14": claim_c14, "C15": claim_c15, "C16": claim_c16,
}


def reproduce(out: str | Path, quick: bool = True, seed: int = 0, claims: list[str] | None = None,
              Phi: Callable[[LinearHDS], np.ndarray] | None = None, proofs: bool = True,
              progress: bool | None = None, workers: int | None = None,
              n_seeds: int | None = None) -> tuple[list[ClaimResult], Context]:
    """Run the checks of the requested claims (all by default); return (results in ID order, context).

    ``Phi`` replaces the wave-operator constructor in every Phi-dependent check (tests pass a
    perturbed one); ``proofs=False`` skips running proofs/*.py; ``workers`` training processes
    (default: one per core; 0 trains in this process, when a claim first reads a run); ``n_seeds`` seeds per
    trained family instead of the mode's 5 (quick) or 20 (full), at least 5.
    """
    from tqdm.auto import tqdm

    ids = list(CLAIMS) if claims is None else list(claims)
    for cid in ids:
        if cid not in CLAIM_TITLES:
            raise ValueError(f"claims: unknown claim {cid!r}; expected IDs C1..C16")
    ctx = Context(Path(out), quick=quick, seed=seed, Phi=Phi or wave_operator.Phi, n_seeds=seed_count(n_seeds))
    ctx.out.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=len(ids) + int(proofs), desc="reproduce", disable=True if progress is False else None)
    ctx.progress = bar
    # every trained run of the requested claims starts now on the worker processes (one torch thread each),
    # while the proofs and the theory claims run here; a claim waits only for the runs it reads
    start_training(ctx, ids, workers)
    try:
        if proofs:
            bar.set_postfix_str("running proofs/")
            ctx.proofs = run_proofs()
            bar.update()
        results = []
        for cid in ids:
            bar.set_postfix_str(cid)
            fn = CLAIMS.get(cid)
            results.append(fn(ctx) if fn else ClaimResult(cid, [], summary="no check implemented"))
            bar.update()
    except BaseException:  # an error, Ctrl-C or SIGTERM: stop the training workers now
        stop_training(ctx, kill=True)
        raise
    ctx.cache["training"] = stop_training(ctx)
    bar.close()
    ctx.cache["results"] = results
    return results, ctx


# --------------------------------------------------------------------------- figures and the main job


def _figures(ctx: Context) -> list[tuple[str, Path]]:
    """Figures of the theory side (the training claims add theirs to ctx.cache['figures'])."""
    from ..theory.attention import anti_similarity_sbc, repeat_copy_sbc, sbc_rollout
    from ..plots import plot_attention, plot_gradient_norms, plot_matrix, plot_spectrum

    figs: list[tuple[str, Path]] = []
    der = ctx.cache.get("c4_derivation")
    if der is not None:
        exact = np.array([complex(e.value.evalf()) for e in der.eigenvalues for _ in range(e.algebraic)])
        task = ctx.cache.get("c4_task")
        series = {"exact (SymPy)": exact}
        if task is not None:
            series["numeric eig(Phi)"] = np.linalg.eigvals(ctx.Phi(task))
        figs.append(("C4: spectrum of Phi on the unit circle, exact vs numeric",
                     plot_spectrum(series, title="spectrum of Phi", path=ctx.out / "spectrum_theory.png")))
        if task is not None:
            figs.append(("C3/C4: the wave operator Phi = S + E_s [A_s ... A_1]",
                         plot_matrix([("Phi", ctx.Phi(task))], title=task.name, path=ctx.out / "phi_theory.png")))
    g = ctx.cache.get("c5_gradients")
    if g is not None:
        figs.append(("C5: ||dh(1+k)/dx(1)|| vs lag, wave RNN (repeat copy, s = 8) vs random RNN (mu = 0.9), bound dashed",
                     plot_gradient_norms(g["lag"], {"wave RNN": g["wave"], "random RNN": g["random"]}, bound=g["bound"],
                                         title="gradient propagation", path=ctx.out / "gradients.png")))
    if "C6" in {r.id for r in ctx.cache.get("results", [])}:
        hist = np.random.default_rng(ctx.seed).choice([-1.0, 1.0], size=(1, 5, 3))
        _, w_pos = sbc_rollout(repeat_copy_sbc(3, 5), hist, 15)
        _, w_con = sbc_rollout(anti_similarity_sbc(3), hist, 15)
        figs.append(("C6: attention of the SBC over the substrate on repeat copy (s = 5): positional code vs content only",
                     plot_attention({"positional code": w_pos[0], "content only": w_con[0]},
                                    title="SBC attention on repeat copy", path=ctx.out / "attention.png")))
    return figs


def _cpu_seconds() -> dict[str, float]:
    """CPU seconds of this process and of its finished children (proof scripts, training workers)."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    main, children = own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime
    return {"total": round(main + children, 1), "main": round(main, 1), "children": round(children, 1)}


def run_main_job(out: str | Path, quick: bool = True, seed: int = 0, claims: list[str] | None = None,
                 progress: bool | None = None, command: str = "", workers: int | None = None,
                 n_seeds: int | None = None) -> dict[str, Any]:
    """``wavetheory reproduce``: run every claim's checks, write claims.json, report.md/.html and the figures."""
    from .report import machine, numerics, write_claims, write_reports

    t0 = time.perf_counter()
    out = Path(out)
    results, ctx = reproduce(out, quick=quick, seed=seed, claims=claims, progress=progress, workers=workers,
                             n_seeds=n_seeds)
    figures = _figures(ctx) + ctx.cache.get("figures", [])
    latex: dict[str, list[str]] = {}
    der = ctx.cache.get("c4_derivation")
    if der is not None:
        tex = der.to_latex()
        latex[f"C4: {ctx.cache['c4_task'].name}"] = [tex["charpoly"], tex["factors"]] + tex["eigenvalues"][:12]
    meta = {
        "command": command or f"wavetheory reproduce {'--quick ' if quick else ''}--out {out}",
        "mode": "quick" if quick else "full",
        "seed": seed,
        "seeds_per_family": len(seeds(ctx)),
        "wall_seconds": time.perf_counter() - t0,
        "cpu": _cpu_seconds(),
        "training": ctx.cache.get("training", {}),
        "machine": machine(),
        "numerics": numerics(),
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "figures": len(figures),
    }
    write_claims(out, results, meta)
    write_reports(out, results, meta, latex, figures)
    return {"claims": {r.id: r.status for r in results}, "out": str(out), "figures": [str(p) for _, p in figures],
            "wall_seconds": meta["wall_seconds"]}
