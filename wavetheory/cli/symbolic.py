"""Exact commands: ``derive`` (C4 spectrum over Q) and ``realizable`` (C12 verdict, C16 n_min, C15 profile). SymPy loads lazily.

``realizable --json`` gives ``"horizon"`` as a number, or ``null`` with ``"horizon_unbounded": true`` when no
``--horizon`` was given (every horizon; H >= s + 1 is equivalent): a number field never holds a word.
"""

from __future__ import annotations

import argparse
from typing import Any

from . import CliError, add_json_flag, add_task_args, task_from_args

_FLOAT_NOTE = "float lags converted to rationals from their exact binary values (sympy.Rational(float))"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("derive", help="exact charpoly, factors over Q, eigenvalues with multiplicities (C4)")
    add_task_args(p)
    p.add_argument("--latex", action="store_true", help="print LaTeX (adds a 'latex' object to --json)")
    p.add_argument(
        "--rationalize", choices=("exact", "nsimplify"), default="exact",
        help="how float lags become rationals: exact binary value (default) or nsimplify's simplest nearby rational",
    )
    add_json_flag(p)
    p.set_defaults(func=cmd_derive)

    p = sub.add_parser("realizable", help="can a linear time-invariant RNN realize the two-phase task exactly (C12), "
                                          "with how many states (C16), and can a diagonal recurrence (C15)?")
    add_task_args(p)
    p.add_argument("--horizon", type=int, default=None, metavar="H",
                   help="output-phase length (default: unbounded, JSON \"horizon\": null with \"horizon_unbounded\": true; "
                        "H >= s + 1 is equivalent)")
    add_json_flag(p)
    p.set_defaults(func=cmd_realizable)


def cmd_derive(args: argparse.Namespace) -> tuple[Any, str]:
    from ..theory.symbolic import derive, exact_lags

    task = task_from_args(args)
    lags = exact_lags(task, rationalize=args.rationalize)
    D = derive(lags)
    result = D.to_json()
    result["task"] = task.name
    if not task.is_integer:
        result["note"] = _FLOAT_NOTE if args.rationalize == "exact" else "float lags converted with sympy.nsimplify"
    lines = [f"task {task.name}: d = {D.d}, s = {D.s}"]
    if "note" in result:
        lines.append(f"note: {result['note']}")
    if args.latex:
        tex = D.to_latex()
        result["latex"] = tex
        lines += [tex["charpoly"], tex["factors"], "eigenvalues:"] + [f"  {e}" for e in tex["eigenvalues"]]
        return result, "\n".join(lines)
    lines.append(f"det(lam I - Phi) = {result['charpoly']}")
    lines.append("factors over Q: " + " * ".join(f"({f})^{m}" if m > 1 else f"({f})" for f, m in result["factors"]))
    lines.append("eigenvalues (value, algebraic, geometric, Jordan blocks):")
    lines += [f"  {e['value']}  alg {e['algebraic']}  geo {e['geometric']}  jordan {e['jordan']}" for e in result["eigenvalues"]]
    return result, "\n".join(lines)


def cmd_realizable(args: argparse.Namespace) -> tuple[Any, str]:
    from ..theory.diagonal_recurrence import diagonal_profile
    from ..theory.realizability import realizability_report

    from .._validate import matrix_bytes, require_memory

    if args.horizon is not None and args.horizon < 1:
        raise CliError(f"--horizon must be >= 1, got {args.horizon}")
    task = task_from_args(args)
    H = task.s + 1 if args.horizon is None else args.horizon
    # the continuation map (sd x (s + H) d), the required map and the Toeplitz fit: four copies
    require_memory(matrix_bytes(task.s * task.d, (task.s + H) * task.d, copies=4), f"realizable: horizon {H}")
    rep = realizability_report(task, horizon=args.horizon)
    rep["task"] = task.name
    rep["horizon"], rep["horizon_unbounded"] = args.horizon, args.horizon is None  # null, not the word "unbounded"
    lines = [
        f"task {task.name}: d = {task.d}, s = {task.s}, horizon {'unbounded' if args.horizon is None else args.horizon}",
        f"realizable by a linear time-invariant RNN: {'yes' if rep['realizable'] else 'no'}",
        f"condition A_i A_k = 0 (i <= {rep['i_max']}, k < s) violated at (i, k) = {rep['violations'] or 'none'}",
        f"Toeplitz least-squares residual of the required map: {rep['toeplitz_residual']:.3g}",
        f"best LTI mean squared error per output component (iid +-1 inputs): {rep['min_lti_mse']:.4g}",
    ]
    prof = diagonal_profile(task).to_json()  # C16 and C15 are about every horizon
    spec = prof.pop("minimal_spectrum")
    rep.update(min_state_dim=prof.pop("min_state_dim"), rank_H1=prof.pop("rank_H1"), minimal_spectrum=spec,
               diagonal_recurrence=prof)
    if rep["min_state_dim"] is None:
        lines.append("smallest linear RNN for every horizon (C16): none (not realizable at every horizon)")
        return rep, "\n".join(lines)
    lines += [
        f"smallest linear RNN for every horizon (C16): {rep['min_state_dim']} states (rank H_1 = {rep['rank_H1']})",
        "its spectrum (value, algebraic, Jordan blocks): "
        + ", ".join(f"{e['value']} x{e['algebraic']} {e['jordan']}" for e in spec),
        f"diagonal recurrence (LRU/S4D, C15): {'yes' if prof['diagonal_realizable'] else 'no'} ({prof['reason']})"
        + (f", {prof['n_complex_states']} complex states" if prof["diagonal_realizable"] else ""),
    ]
    return rep, "\n".join(lines)
