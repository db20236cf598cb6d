"""Attention commands (C6): ``sbc`` (SBC wave memory vs transformer) and ``sbc-copy`` (repeat copy + figure)."""

from __future__ import annotations

import argparse
from typing import Any

from . import CliError, add_json_flag


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sbc", help="SBC wave memory vs an attention-only transformer, random weights (C6)")
    _add_size_args(p)
    p.add_argument("--seed", type=int, default=0, metavar="K", help="seed for the weights and the context (default 0)")
    p.add_argument("--heads", type=int, default=1, metavar="H", help="number of attention heads (default 1)")
    p.add_argument("--residual", action="store_true", help="residual variant: f(H) = h_s + attention")
    add_json_flag(p)
    p.set_defaults(func=cmd_sbc)

    p = sub.add_parser("sbc-copy", help="repeat copy solved by a positional SBC; attention figure (C6)")
    _add_size_args(p)
    p.add_argument("--seed", type=int, default=0, metavar="K", help="seed for the +-1 history (default 0)")
    p.add_argument("--out", metavar="FILE", help="save the attention pattern (time x column) as PNG")
    add_json_flag(p)
    p.set_defaults(func=cmd_sbc_copy)


def _add_size_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--d", type=int, required=True, metavar="D", help="token width d (>= 1)")
    p.add_argument("--s", type=int, required=True, metavar="S", help="context window / substrate length s (>= 1)")
    p.add_argument("--steps", type=int, required=True, metavar="N", help="generated tokens (>= 0)")


def _check_sizes(args: argparse.Namespace, d_in: int | None = None) -> None:
    """Flag ranges, then the memory of the transformer side: causal attention over the window of s
    tokens (heads x s x s scores), its projections (~7 s x d_in per head), the weights and the outputs."""
    from .._validate import require_memory

    for flag in ("d", "s", "heads"):
        value = getattr(args, flag, 1)
        if value < 1:
            raise CliError(f"--{flag} must be >= 1, got {value}")
    if args.steps < 0:
        raise CliError(f"--steps must be >= 0, got {args.steps}")
    if args.seed < 0:
        raise CliError(f"--seed must be >= 0, got {args.seed}")
    h, s, d_in = getattr(args, "heads", 1), args.s, d_in or args.d
    need = 8 * (h * s * s + 7 * h * s * d_in + 4 * h * d_in * d_in + 4 * args.steps * (args.d + h * s))
    require_memory(need, f"sbc: d = {args.d}, s = {s}, {args.steps} steps")


def _generate(params: Any, history: Any, steps: int) -> Any:
    """The transformer side (float64, one intra-op thread): generated tokens (B, steps, d) as numpy."""
    import torch

    from ..learning.transformer import AttentionOnlyTransformer, generate

    torch.set_num_threads(1)
    model = AttentionOnlyTransformer.from_sbc(params)
    return generate(model, torch.from_numpy(history), steps).numpy()


def cmd_sbc(args: argparse.Namespace) -> tuple[Any, str]:
    import numpy as np

    from ..theory.attention import random_sbc
    from ..theory.wave_memory import simulate

    _check_sizes(args)
    rng = np.random.default_rng(args.seed)
    params = random_sbc(args.d, n_heads=args.heads, seed=rng, residual=args.residual)
    history = rng.standard_normal((1, args.s, args.d))
    wave = simulate(params.boundary, history, args.steps)
    gen = _generate(params, history, args.steps)
    diff = float(np.max(np.abs(wave - gen))) if args.steps else 0.0
    variant = "residual" if args.residual else "plain"
    text = (
        f"SBC wave memory vs attention-only transformer (d = {args.d}, s = {args.s}, heads = {args.heads}, "
        f"{variant}, seed {args.seed}): max |diff| over {args.steps} steps = {diff:.3g}"
    )
    return {"max_abs_diff": diff, "steps": args.steps}, text


def cmd_sbc_copy(args: argparse.Namespace) -> tuple[Any, str]:
    import numpy as np

    from ..theory.attention import anti_similarity_sbc, repeat_copy_sbc, sbc_rollout
    from ..theory.tasks import repeat_copy, rollout

    _check_sizes(args, d_in=args.d + args.s)  # the positional code adds s one-hot rows
    params = repeat_copy_sbc(args.d, args.s)
    history = np.random.default_rng(args.seed).choice([-1.0, 1.0], size=(1, args.s, args.d))
    wave, weights = sbc_rollout(params, history, args.steps)
    gen = _generate(params, history, args.steps)
    target = rollout(repeat_copy(args.d, args.s), history, args.steps)
    content, content_weights = sbc_rollout(anti_similarity_sbc(args.d), history, args.steps)
    result: dict[str, Any] = {
        "d": args.d,
        "s": args.s,
        "steps": args.steps,
        "max_abs_error_vs_repeat_copy": float(np.max(np.abs(wave - target))) if args.steps else 0.0,
        "max_abs_diff_wave_vs_transformer": float(np.max(np.abs(wave - gen))) if args.steps else 0.0,
        "min_weight_on_column_1": float(np.min(weights[..., 0])) if args.steps else 1.0,
        "content_only_max_abs_error_vs_repeat_copy": float(np.max(np.abs(content - target))) if args.steps else 0.0,
    }
    if args.out:
        from ..plots import plot_attention

        panels = {"positional code (one-hot p_i)": weights[0], "content only (K^T Q = -c I)": content_weights[0]}
        result["figure"] = str(plot_attention(panels, title=f"SBC on repeat copy (d = {args.d}, s = {args.s})", path=args.out))
    lines = [f"{k}: {v}" for k, v in result.items()]
    return result, "\n".join(lines)
