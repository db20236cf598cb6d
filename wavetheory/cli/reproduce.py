"""``wavetheory reproduce``: the main job (every claim's checks, claims.json, report, figures)."""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from . import add_json_flag


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reproduce", help="run the checks of every claim C1..C16; write claims.json, report and figures")
    p.add_argument("--out", metavar="DIR", help="output folder (required unless --plan)")
    p.add_argument("--plan", action="store_true",
                   help="print every declared check (claim, row, kind, threshold, controls) without running anything")
    p.add_argument("--quick", action="store_true", help="the quick run (under 5 minutes on 2 CPU cores)")
    p.add_argument("--seed", type=int, default=0, metavar="K", help="seed of every random choice (default 0)")
    p.add_argument("--claims", nargs="+", metavar="ID", help="only these claims (e.g. C1 C4)")
    p.add_argument("--seeds", type=int, default=None, metavar="N",
                   help="seeds per trained family (default: 5 with --quick, 20 without; at least 5)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="training processes, one torch thread each (default: one per core; 0: train in this process)")
    g = p.add_argument_group("where the training runs (the journal in DIR/runs makes every sitting resumable)")
    g.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local worker processes (default) or a dask.distributed cluster")
    g.add_argument("--scheduler", metavar="ADDRESS", help="dask scheduler to join, e.g. tcp://host:8786 "
                   "(default with --executor dask: a LocalCluster of --workers processes)")
    g.add_argument("--shard", metavar="K/N", help="train only the K-th of N deterministic shares of the runs "
                   "(no claim is judged); gather the shards with --merge")
    g.add_argument("--merge", nargs="+", metavar="SHARD_DIR", help="gather the runs of these --shard folders "
                   "into DIR (refusing shards of other plans or code), then run the claims on them")
    g.add_argument("--ensemble", action=argparse.BooleanOptionalAction, default=None,
                   help="train each family's seeds as one batched ensemble (default: when CUDA is available)")
    add_json_flag(p)
    p.set_defaults(func=cmd_reproduce)


def cmd_reproduce(args: argparse.Namespace) -> tuple[Any, str]:
    from pathlib import Path

    from .._validate import seed
    from ..claims.reproduce import run_main_job
    from ..io import locked_folder, remove_temporaries
    from ..learning.executor import check_backend
    from ..learning.journal import merge_shards, parse_shard

    seed(args.seed, "--seed")
    if args.plan:
        from ..claims.registry import claim, plan_json
        from ..claims.reproduce import plan_of

        for cid in args.claims or []:
            claim(cid)
        plan = plan_json(plan_of(args.quick, args.seed, args.seeds), args.claims)
        lines = [f"{c['row']:<6} {c['kind']:<8} {c['relation']} {c['threshold']}  {c['name']}" for c in plan["checks"]]
        return plan, "\n".join(lines + [f"{len(plan['checks'])} declared checks"])
    if not args.out:
        raise ValueError("--out: required (the output folder), unless --plan")
    shard = parse_shard(args.shard)
    check_backend(args.executor, args.workers or None, args.scheduler)
    if shard is not None and args.merge:
        raise ValueError("--shard: a shard trains its share; --merge gathers shards afterwards (not both)")
    command = "wavetheory " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["reproduce"] else ""
    where = {k: v for k, v in (("executor", args.executor), ("scheduler", args.scheduler), ("shard", shard),
                               ("ensemble", args.ensemble)) if v not in (None, "local")}  # forwarded when given
    # one run per folder (DIR/.lock, as train and sweep): a second reproduce on it is refused at once, and
    # a run that fails before writing anything leaves no folder behind
    merged = None
    with locked_folder(args.out, "--out"):
        remove_temporaries(args.out)  # what a killed run's atomic writes left behind
        if args.merge:
            merged = merge_shards([Path(d) / "runs" for d in args.merge], Path(args.out) / "runs")
        res = run_main_job(args.out, quick=args.quick, seed=args.seed, claims=args.claims, command=command,
                           workers=args.workers, n_seeds=args.seeds, **where)
    if shard is not None:
        return res, (f"shard {shard[0]}/{shard[1]}: {res['ok']} of {res['jobs']} runs trained, {res['failed']} failed, "
                     f"in {res['out']}/runs in {res['wall_seconds']:.0f} s; gather the shards with --merge")
    width = max(len(k) for k in res["claims"])
    lines = [f"{cid:<{width}}  {status}" for cid, status in res["claims"].items()]
    if merged is not None:
        lines.insert(0, f"merged {merged['jobs']} runs of shards {merged['shards']}"
                        + (f" (missing shards {merged['missing']}: their runs trained here)" if merged["missing"] else ""))
    lines.append(f"wrote {res['out']}/claims.json, report.md, report.html and {len(res['figures'])} figures "
                 f"in {res['wall_seconds']:.0f} s")
    return res, "\n".join(lines)
