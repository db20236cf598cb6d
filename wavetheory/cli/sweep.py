"""Sweep commands: ``sweep`` (a grid of train + analyze cells on a process pool or Dask) and ``sweep-report``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import add_json_flag
from ..thresholds import EIG_MATCH, SOLVED_ACCURACY

BACKENDS = ("local", "dask")  # mirrors wavetheory.learning.executor.BACKENDS (not imported: it pulls numpy)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="train and analyze a grid of RNNs (tasks x seeds x sizes x inits); resumable")
    p.add_argument("config", metavar="CONFIG", help="sweep config, .toml or .json (see wavetheory.sweeps.run)")
    p.add_argument("--out", required=True, metavar="DIR", help="results folder: results.csv, results.jsonl, cells/<id>/")
    p.add_argument("--executor", "--backend", dest="executor", choices=BACKENDS, default="local",
                   help="local worker processes (default) or dask (--backend: the former name)")
    p.add_argument("--scheduler", metavar="ADDR", help="dask scheduler to join, e.g. tcp://host:8786 (default: a LocalCluster)")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: CPU count)")
    p.add_argument("--retry-failed", action="store_true", help="run cells recorded as failed again")
    add_json_flag(p)
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("sweep-report", help="statistics and figures of a sweep: per-task distributions, convergence, C12")
    p.add_argument("dir", metavar="DIR", help="a sweep folder (or a results.csv file)")
    p.add_argument("--by", default="task", metavar="COLS", help="comma-separated grouping columns (default: task)")
    p.add_argument("--acc-threshold", type=float, default=SOLVED_ACCURACY, metavar="A",
                   help=f"converged: accuracy >= A ({SOLVED_ACCURACY})")
    p.add_argument("--eig-threshold", type=float, default=EIG_MATCH, metavar="E",
                   help=f"converged: EIG_COLUMN <= E ({EIG_MATCH})")
    p.add_argument("--eig-column", default="eig_match_mean", metavar="NAME",
                   help="spectrum column of the convergence test (default eig_match_mean; e.g. eig_match_angle_max)")
    p.add_argument("--figures", metavar="DIR", help="where the report goes (default: DIR/report)")
    add_json_flag(p)
    p.set_defaults(func=cmd_sweep_report)


def cmd_sweep(args: argparse.Namespace) -> tuple[Any, str]:
    from ..sweeps.config import load_config
    from ..sweeps.run import run_sweep

    config = load_config(args.config)
    result = run_sweep(config, args.out, backend=args.executor, workers=args.workers, scheduler=args.scheduler,
                       retry_failed=args.retry_failed, on_record=SweepProgress(len(config.cells())))
    text = (f"sweep: {result['cells']} cells, {result['skipped']} already recorded, ran {result['ok']} ok and "
            f"{result['error']} failed -> {result['table']}")
    failure = (f"{result['failed']} of {result['cells']} cells failed (see {result['table']}; --retry-failed runs them again)"
               if result["failed"] else None)
    return result, text, failure  # failed cells: the result is printed, then one line on stderr and exit status 1


class SweepProgress:
    """``sweep``'s ``on_record``: one line per recorded cell, as it is recorded (terminal or not)."""

    def __init__(self, cells: int, clock=None) -> None:
        import time

        self.cells, self.recorded, self.clock = cells, 0, clock or time.monotonic
        self.start = self.clock()

    def __call__(self, record: dict) -> None:
        import logging

        from ..learning.estimates import format_duration

        self.recorded += 1
        logging.getLogger(__name__).info("sweep: cell %s %s (%d recorded in this run, of %d cells; %s)",
                                         record.get("cell_id"), record.get("status"), self.recorded, self.cells,
                                         format_duration(self.clock() - self.start))


def cmd_sweep_report(args: argparse.Namespace) -> tuple[Any, str]:
    from ..io import locked_folder, write_json
    from ..plots import sweep_figures
    from ..sweeps.report import format_summary, summarize
    from ..sweeps.results import read_results

    for name in ("acc_threshold", "eig_threshold"):
        v = getattr(args, name)
        if not 0 <= v <= (1 if name == "acc_threshold" else float("inf")):
            raise ValueError(f"--{name.replace('_', '-')}: expected a number in [0, 1] for accuracy, >= 0 for eig, got {v}")
    records = read_results(args.dir)
    summary = summarize(records, by=[b.strip() for b in args.by.split(",") if b.strip()],
                        acc_threshold=args.acc_threshold, eig_threshold=args.eig_threshold, eig_column=args.eig_column)
    base = Path(args.dir)
    out = Path(args.figures) if args.figures else (base if base.is_dir() else base.parent) / "report"
    with locked_folder(out, "--figures"):
        summary["figures"] = sweep_figures(records, summary, out)
        write_json(out / "summary.json", summary)
    text = format_summary(summary) + f"\nreport: {out / 'summary.json'}, " + ", ".join(summary["figures"])
    return summary, text
