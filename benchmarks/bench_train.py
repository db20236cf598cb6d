"""Benchmark the trainer (issues 5, 16): the training protocol, the authors' code side by side, reproduce.

Parts (``python benchmarks/bench_train.py PART [options]``); each writes its own key of ``--json``
(default ``docs/bench_train.json``, the committed record from which ``scripts/readme.py``
renders the benchmark block of the docs' Benchmarks page), with the commit, date, machine and load average:

* ``protocol``: steps and seconds to 0.99 fresh accuracy at horizon 100 on the authors' configuration
  (repeat copy d = 8, s = 10, hidden 128, batch 64, Adam 1e-3, clip 1, curriculum 10/20/40/60/100)
  for the old protocol (the ``authors`` preset's curriculum threshold 0.96, stopped at 0.99) and the
  new default (``CURRICULUM_MASTERY``), under the stop rule of issue 23 (a fresh evaluation of
  ``eval_batch`` >= 2048 sequences stops a run; ``accuracy`` is a separate one of ``eval_size`` >= 4096), seed by seed in alternation so that both see the same load;
  the step and second at which each level is cleared (the Benchmarks page compares the old protocol's with the
  authors' anchor of issue 16); the C7 figures of every trained network, also for the C7 network
  (repeat copy d = 3, s = 4, 3000 steps). The record is rewritten after every run; a rerun skips the
  runs already recorded with the same bound and resumes an interrupted one from its checkpoint.
* ``authors``: with ``--authors-src DIR --authors-python PY`` (a checkout of the authors' repository
  and the Python of a venv with their requirements), their script
  ``experiments_public/2_all_linearVB/1_0_binary_linearVB.py`` (task (255, 0, 0), their defaults: the
  authors' configuration) run unmodified by ``benchmarks/authors_driver.py`` until it clears horizon
  100, then our trainer under their protocol, back to back, per seed: steps and seconds per level.
* ``target`` (issue 23's target): with ``--authors-src DIR --authors-python PY``, per seed and back to back,
  their script (unmodified, ``scripts/authors_networks.run_authors``) until *their* criterion of 0.99 (mean
  batch accuracy over 20 batches at horizon 100), then our default trainer until *ours* (the honest rule: a fresh
  evaluation of >= 2048 sequences reaches 0.99; ``accuracy`` from a separate one of >= 4096): steps and wall
  seconds of each, and the ratio of wall seconds. With ``--keep-networks`` their trained networks are kept as the
  C7/C8 arm ``authors`` (``wavetheory/claims/authors_networks``, manifest with sha256).
* ``reproduce``: wall time of ``wavetheory reproduce --quick`` in a fresh folder.
* ``step``: seconds per step at horizons 10 and 100 with 1 and 2 torch threads, and the data's share.
* ``init``: steps to solve repeat copy (d = 3, curriculum 10/20/40) per initialization (C13).
* ``ensemble``: the authors' configuration at horizon 100 for ``--steps`` steps (no early stop), the seeds
  trained as one batched ensemble (``learning.ensemble``) and one by one, on ``--device`` (a GPU: cuda):
  seconds of each, and the largest weight difference between the two (float32 rounding, issue 23).

The machine is shared: wall times are only comparable within one run (ratios); steps are exact.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from readme import BENCH_RUN, render_bench  # noqa: E402  (scripts/readme.py)
from wavetheory.claims.report import machine, numerics
from wavetheory.io import read_json, write_json
from wavetheory.learning.analysis import analyze
from wavetheory.learning.config import TrainConfig
from wavetheory.learning.data import TwoPhaseData
from wavetheory.learning.models import ElmanRNN
from wavetheory.learning.trainer import train
from wavetheory.theory.tasks import repeat_copy
from wavetheory.theory.two_phase import two_phase_batch
from wavetheory.thresholds import SOLVED_ACCURACY

ROOT = Path(__file__).resolve().parents[1]
DRIVER = Path(__file__).resolve().parent / "authors_driver.py"

# Issue 16's anchor: the authors' script (task (255, 0, 0), their defaults, PyTorch Lightning 2.5) on a quiet
# 2-core machine of this kind, one torch thread, clock from the start of the training loop: the step and the
# seconds (range over repeats) at which each horizon was cleared (> 0.96), and, left to train on, a mean batch
# accuracy of 0.99 over 20 batches at step 12833, 418 s.
ANCHOR = {"source": "issue 16: the authors' script on a quiet 2-core machine, one torch thread",
          "levels": {10: (637, 3.2, 3.3), 20: (836, 4.5, 4.6), 40: (1036, 6.4, 6.7), 60: (1122, 7.5, 7.9),
                     100: (1665, 18.3, 18.8)},
          "to_0.99": {"step": 12833, "seconds": 418, "criterion": "mean batch accuracy over 20 batches"}}

NETWORKS = {"authors": (repeat_copy(8, 10), 20000), "c7": (repeat_copy(3, 4), 3000)}  # task, default step bound


def load() -> float:
    return round(os.getloadavg()[0], 2)


def meta(command: str) -> dict:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {"command": command, "commit": commit or "unknown", "date": time.strftime("%Y-%m-%d", time.gmtime()),
            "machine": machine(), "numerics": numerics(), "torch_threads": 1}


class Record:
    """The benchmark's JSON record: one key per part, rewritten (atomically) after every change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data = read_json(path) if path.exists() else {}
        self.data["anchor"] = ANCHOR

    def part(self, name: str, command: str, fresh: bool = False) -> dict:
        old = {} if fresh else self.data.get(name, {})
        self.data[name] = {**old, "meta": meta(command)}
        return self.data[name]

    def save(self) -> None:
        write_json(self.path, self.data)


# --------------------------------------------------------------------------- protocol: old vs new


def protocol_config(protocol: str, seed: int, bound: int) -> TrainConfig:
    """old: the authors' protocol (curriculum threshold 0.96) stopped at 0.99; new: the default."""
    if protocol == "old":
        return TrainConfig.preset("authors", seed=seed, steps=bound, target=SOLVED_ACCURACY, checkpoint_every=1000)
    return TrainConfig(seed=seed, steps=bound, checkpoint_every=1000)


def c7_figures(result, task, seed: int) -> dict:
    """The C7 numbers of a trained network (learning.analysis.analyze), as claim_c7 reads them."""
    a = analyze(result.rnn, task, result.init, seed=seed).to_json()
    em = a["eig_match"]
    return {"eig_mean": em["mean"], "eig_max": em["max"], "angle_max": em["angle_max"], "modulus_mean": em["modulus_mean"],
            "n_outside": a["n_outside"], "horizon": result.config.horizons[-1]}


def levels(curriculum: list[dict]) -> list[dict]:
    return [{"horizon": lv["horizon"], "step_cleared": lv.get("step_cleared"), "wall_cleared": lv.get("wall_cleared")}
            for lv in curriculum]


def eval_sizes(result) -> dict:
    """The honest stop rule's sizes (issue 23): the evaluation that stopped the run, the one behind ``accuracy``."""
    m = result.to_json()
    return {"eval_size": m["eval_size"], "stop_eval_size": m["stop_eval_size"]}


def protocol_run(network: str, protocol: str, seed: int, bound: int, out: Path) -> dict:
    task = NETWORKS[network][0]
    config = protocol_config(protocol, seed, bound)
    run = out / f"protocol-{network}-{protocol}-seed{seed}-bound{bound}"
    before = load()
    r = train(task, config, run, resume=True, progress=None)  # resume: an interrupted benchmark continues the run
    return {"network": network, "protocol": protocol, "seed": seed, "bound": bound, "threshold": config.threshold,
            "target_step": r.target_step, "target_wall": r.target_wall, "steps": r.steps, "wall": round(r.wall_seconds, 3),
            "accuracy": r.accuracy, **eval_sizes(r), "seconds_per_step": r.seconds_per_step, "levels": levels(r.curriculum),
            "c7": c7_figures(r, task, seed), "load": [before, load()]}


def protocol(record: Record, part: dict, networks: list[str], seeds: list[int], bound: int | None, out: Path) -> None:
    runs = part.setdefault("runs", [])
    for seed in seeds:
        for network in networks:
            b = bound or NETWORKS[network][1]
            for proto in ("old", "new"):
                key = (network, proto, seed, b, protocol_config(proto, seed, b).threshold)
                if any((r["network"], r["protocol"], r["seed"], r["bound"], r["threshold"]) == key for r in runs):
                    print(f"  {network} {proto} seed {seed}: recorded, skipped", flush=True)
                    continue
                r = protocol_run(network, proto, seed, b, out)
                runs[:] = [x for x in runs if (x["network"], x["protocol"], x["seed"]) != (network, proto, seed)] + [r]
                record.save()
                print(f"  {network} {proto} seed {seed}: 0.99 at step {r['target_step']} ({r['target_wall']} s); "
                      f"levels {[lv['step_cleared'] for lv in r['levels']]}; load {r['load']}", flush=True)


# --------------------------------------------------------------------------- the authors' code side by side


def authors_side_by_side(part: dict, src: Path, python: str, seeds: list[int], steps: int, out: Path) -> None:
    """Their script (authors_driver.py, in their venv), then ours under their protocol, per seed."""
    runs = part.setdefault("runs", [])
    for seed in seeds:
        path = out / f"authors-code-seed{seed}.json"
        before = load()
        proc = subprocess.run([python, str(DRIVER), str(src), str(path), str(steps), "--seed", str(seed),
                               "--experiment_name", "bench_train"], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"authors' script failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        theirs = read_json(path)
        config = TrainConfig.preset("authors", seed=seed, steps=steps, checkpoint_every=10**6)
        ours = train(repeat_copy(8, 10), config, None, progress=None)
        runs[:] = [r for r in runs if r["seed"] != seed] + [{
            "seed": seed, "steps": steps, "load": [before, load()],
            "authors": {k: theirs[k] for k in ("levels", "steps", "wall_seconds", "threshold", "torch", "lightning")},
            "ours": {"levels": levels(ours.curriculum), "steps": ours.steps, "wall_seconds": round(ours.wall_seconds, 3),
                     "accuracy": ours.accuracy, **eval_sizes(ours)}}]
        print(f"  seed {seed}: authors {[(lv['step_cleared'], lv['wall_cleared']) for lv in theirs['levels']]}; "
              f"ours {[(lv['step_cleared'], lv['wall_cleared']) for lv in runs[-1]['ours']['levels']]}", flush=True)


# --------------------------------------------------------------------------- to 0.99: their script vs ours (issue 23)


def to_target(record: Record, part: dict, src: Path, python: str, seeds: list[int], bound: int, out: Path,
              keep_networks: bool, commit: str | None) -> None:
    """Their script to their 0.99 and our default trainer to the honest 0.99, back to back per seed."""
    import authors_networks as an  # scripts/authors_networks.py (scripts/ is on sys.path: see the imports above)

    runs = part.setdefault("runs", [])
    for seed in seeds:
        if any(r["seed"] == seed and r["bound"] == bound for r in runs):
            print(f"  seed {seed}: recorded, skipped", flush=True)
            continue
        before = load()
        weights = an.OUT / f"seed{seed}" if keep_networks else None
        theirs = an.run_authors(src, python, seed, bound, weights)
        if keep_networks:
            an.keep(seed, theirs, commit, bound)
        reached = theirs.get("until_mean")
        r = train(repeat_copy(8, 10), protocol_config("new", seed, bound), out / f"target-seed{seed}-bound{bound}",
                  resume=True, progress=None)
        row = {"seed": seed, "bound": bound, "load": [before, load()],
               "authors": {"step": reached["step"] if reached else None, "wall": reached["wall"] if reached else None,
                           "steps": theirs["steps"], "wall_seconds": theirs["wall_seconds"], "criterion": "mean batch accuracy "
                           "over 20 batches >= 0.99 at horizon 100", "torch": theirs["torch"], "lightning": theirs["lightning"]},
               "ours": {"step": r.target_step, "wall": r.target_wall, "steps": r.steps, "accuracy": r.accuracy, **eval_sizes(r),
                        "criterion": "fresh evaluation of >= 2048 sequences >= 0.99 at horizon 100"}}
        row["speedup"] = (round(row["authors"]["wall"] / row["ours"]["wall"], 2)
                          if row["authors"]["wall"] and row["ours"]["wall"] else None)
        runs[:] = [x for x in runs if x["seed"] != seed] + [row]
        record.save()
        print(f"  seed {seed}: authors 0.99 at step {row['authors']['step']} ({row['authors']['wall']} s); ours at step "
              f"{row['ours']['step']} ({row['ours']['wall']} s, final accuracy {r.accuracy:.4f} on {row['ours']['eval_size']}); "
              f"speedup {row['speedup']}", flush=True)


# --------------------------------------------------------------------------- reproduce --quick


def reproduce_quick(part: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        before, t0 = load(), time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "wavetheory", "reproduce", "--quick", "--out", tmp],
                              capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode not in (0, 1):  # 1: some claim refuted, still a complete run
            raise RuntimeError(f"reproduce failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        claims = read_json(Path(tmp) / "claims.json")
    part.update(wall_seconds=round(wall, 1), load=[before, load()], mode=claims["meta"]["mode"], seed=claims["meta"]["seed"],
                statuses={c["id"]: c["status"] for c in claims["claims"]})
    print(f"  reproduce --quick: {wall:.0f} s", flush=True)


# --------------------------------------------------------------------------- step time (issue 5)


def step_times(reps: int = 20) -> dict:
    """Seconds per optimizer step (median of ``reps``) for threads 1/2 and horizons 10/100, plus data cost."""
    task = repeat_copy(8, 10)
    out: dict = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for horizon in (10, 100):
            torch.manual_seed(0)
            model = ElmanRNN(8, 128)
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            data = TwoPhaseData(task, torch.device("cpu"))
            gen, rng = torch.Generator().manual_seed(0), np.random.default_rng(0)
            times = []
            for _ in range(reps + 2):
                t0 = time.perf_counter()
                u, y = data.batch(64, horizon, gen, rng)
                loss = torch.mean((model(u, 10) - y) ** 2)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                times.append(time.perf_counter() - t0)
            out[f"threads{threads}_h{horizon}"] = statistics.median(times[2:])
    torch.set_num_threads(1)
    data = TwoPhaseData(task, torch.device("cpu"))
    gen, rng = torch.Generator().manual_seed(0), np.random.default_rng(0)
    data.batch(64, 100, gen, rng)  # builds G_100 once (not part of the per-step cost)
    for name, fn in (("data_torch_h100", lambda: data.batch(64, 100, gen, rng)),
                     ("data_numpy_h100", lambda: two_phase_batch(task, 64, 100, rng))):
        t0 = time.perf_counter()
        for _ in range(50):
            fn()
        out[name] = (time.perf_counter() - t0) / 50
    return out


def report_steps(r: dict) -> None:
    print("seconds per step (d=8, s=10, H=128, B=64), median:")
    for h in (10, 100):
        t1, t2 = r[f"threads1_h{h}"], r[f"threads2_h{h}"]
        print(f"  horizon {h:3d}: 1 thread {t1 * 1e3:7.1f} ms   2 threads {t2 * 1e3:7.1f} ms   ratio t2/t1 = {t2 / t1:.2f}")
    base = r["threads1_h100"]
    print(f"  data at horizon 100: torch {r['data_torch_h100'] * 1e3:.3f} ms ({100 * r['data_torch_h100'] / base:.1f}% of a step), "
          f"numpy two_phase_batch {r['data_numpy_h100'] * 1e3:.3f} ms ({100 * r['data_numpy_h100'] / base:.1f}%)")


# --------------------------------------------------------------------------- C13: initializations


def init_table(s_values: list[int], seeds: list[int], steps: int, d: int, out: Path, inits: tuple[str, ...]) -> list[dict]:
    rows = []
    for s in s_values:
        for init in inits:
            for seed in seeds:
                config = TrainConfig(seed=seed, init=init, steps=steps, horizons=(10, 20, 40), eval_every=50,
                                     checkpoint_every=10**6)  # the default (honest) stop and final evaluations
                m = train(repeat_copy(d, s), config, None, progress=None).to_json()
                rows.append({"s": s, "init": init, "seed": seed, "solved_step": m["target_step"], "steps": m["steps"],
                             "accuracy": m["accuracy"], "eval_size": m["eval_size"], "stop_eval_size": m["stop_eval_size"],
                             "wall": m["wall_seconds"],
                             "eig_match_final": m["eig_history"]["mean"][-1],
                             "levels": [lv.get("step_cleared") for lv in m["curriculum"]]})
                print(f"  s={s:3d} {init:8s} seed {seed}: solved at {rows[-1]['solved_step']} "
                      f"(acc {m['accuracy']:.4f}, {m['wall_seconds']:.1f} s)", flush=True)
    return rows


def report_init(rows: list[dict], steps: int, inits: tuple[str, ...]) -> None:
    print(f"steps to solve repeat copy (fresh accuracy >= 0.99 at horizon 40); '>{steps}' = not solved:")
    for s in sorted({r["s"] for r in rows}):
        cells = [",".join(str(r["solved_step"]) if r["solved_step"] is not None else f">{steps}"
                          for r in rows if r["s"] == s and r["init"] == i) for i in inits]
        print(f"  s = {s:3d}  " + "  ".join(f"{i}: {c}" for i, c in zip(inits, cells)))


# --------------------------------------------------------------------------- a family as one ensemble (issue 23)


def ensemble_times(seeds: list[int], steps: int, device: str) -> dict:
    """Wall seconds of ``seeds`` trained as one ensemble and one by one (same configs), and their weight gap."""
    from wavetheory.learning.ensemble import train_ensemble

    task = repeat_copy(8, 10)
    configs = [TrainConfig(seed=s, steps=steps, horizons=(100,), target=None, device=device, checkpoint_every=10**6)
               for s in seeds]
    before, t0 = load(), time.perf_counter()
    together = train_ensemble(task, configs, progress=None)
    t1 = time.perf_counter()
    alone = [train(task, c, progress=None) for c in configs]
    t2 = time.perf_counter()
    gap = max(float(np.max(np.abs(getattr(a.rnn, k) - getattr(b.rnn, k))))
              for a, b in zip(together, alone) for k in ("W_hh", "W_uh", "W_hy"))
    out = {"device": together[0].device, "seeds": len(seeds), "steps": steps, "ensemble_seconds": round(t1 - t0, 2),
           "separate_seconds": round(t2 - t1, 2), "speedup": round((t2 - t1) / (t1 - t0), 2), "max_weight_gap": gap,
           "load": [before, load()]}
    print(f"  {len(seeds)} seeds x {steps} steps at horizon 100 on {out['device']}: ensemble {out['ensemble_seconds']} s, "
          f"one by one {out['separate_seconds']} s ({out['speedup']}x); largest weight gap {gap:.2e}", flush=True)
    return out


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("part", choices=["protocol", "authors", "target", "reproduce", "step", "init", "ensemble", "report"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="seeds (default 0-4)")
    ap.add_argument("--networks", nargs="+", choices=list(NETWORKS), default=list(NETWORKS), help="protocol: networks")
    ap.add_argument("--steps", type=int, default=None,
                    help="step bound (protocol: 20000 for d = 8, 3000 for the C7 network; authors: 3000; init: 1500)")
    ap.add_argument("--authors-src", type=Path, metavar="DIR", help="authors: a checkout of emt_variable_binding")
    ap.add_argument("--authors-python", default=sys.executable, metavar="PY",
                    help="authors: the Python of a venv with the authors' requirements (default: this one)")
    ap.add_argument("--keep-networks", action="store_true",
                    help="target: keep the authors' trained networks as the C7/C8 arm (wavetheory/claims/authors_networks)")
    ap.add_argument("--authors-commit", default=None, help="target: the commit of --authors-src (for the manifest)")
    ap.add_argument("--s", type=int, nargs="+", default=[10, 20, 40], help="init: history lengths")
    ap.add_argument("--inits", nargs="+", default=["default", "shift", "wave"], help="init: initializations")
    ap.add_argument("--json", type=Path, default=BENCH_RUN, help="the record (default docs/bench_train.json)")
    ap.add_argument("--out", type=Path, default=Path("results/bench_train"), help="training runs")
    ap.add_argument("--fresh", action="store_true", help="drop this part's recorded runs first")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="ensemble: the device (default cpu)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)  # measured fastest on 2 cores: the ``step`` part
    args.out.mkdir(parents=True, exist_ok=True)
    record = Record(args.json)
    command = "python benchmarks/bench_train.py " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.part != "report":
        part = record.part(args.part, command, fresh=args.fresh)
    if args.part == "protocol":
        protocol(record, part, args.networks, args.seeds, args.steps, args.out)
    elif args.part == "authors":
        if args.authors_src is None:
            ap.error("authors: --authors-src DIR is required (a checkout of the authors' repository)")
        authors_side_by_side(part, args.authors_src, args.authors_python, args.seeds, args.steps or 3000, args.out)
    elif args.part == "target":
        if args.authors_src is None:
            ap.error("target: --authors-src DIR is required (a checkout of the authors' repository)")
        to_target(record, part, args.authors_src, args.authors_python, args.seeds, args.steps or 20000, args.out,
                  args.keep_networks, args.authors_commit)
    elif args.part == "reproduce":
        reproduce_quick(part)
    elif args.part == "step":
        part["results"] = step_times()
        report_steps(part["results"])
    elif args.part == "init":
        part["rows"] = init_table(args.s, args.seeds, args.steps or 1500, 3, args.out, tuple(args.inits))
        report_init(part["rows"], args.steps or 1500, tuple(args.inits))
    elif args.part == "ensemble":
        part.setdefault("runs", []).append(ensemble_times(args.seeds, args.steps or 200, args.device))
    record.save()
    print(render_bench(record.data))


if __name__ == "__main__":
    main()
