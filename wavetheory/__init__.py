"""wavetheory: the traveling-wave theory of working memory in recurrent neural networks.

Reference implementation of Karuvally, Sejnowski & Siegelmann, "Hidden Traveling Waves bind
Working Memory Variables in Recurrent Neural Networks" (ICML 2024). Claim IDs C1..C14 refer to
THEORY.md. The numpy core is imported eagerly; modules that need SymPy or torch load lazily on
first attribute access so that ``import wavetheory`` stays fast and torch-free.
"""

from __future__ import annotations

import importlib
from typing import Any

from .tasks import (
    HDS,
    TASKS,
    Binding,
    LinearHDS,
    fibonacci,
    from_lags,
    load_task,
    make_task,
    parse_bindings,
    random_linear,
    random_signed_selection,
    repeat_copy,
    rollout,
    signed_selection,
    two_phase_batch,
)
from .wave_memory import WaveMemory, run_two_phase, simulate
from .wave_operator import (
    E,
    LinearRNN,
    Phi,
    StructuredPhi,
    block_shift,
    boundary_row,
    charpoly,
    compile_rnn,
    group_eigenvalues,
    make_basis,
    spectral_radius,
    spectrum,
)

__version__ = "0.1.0"

# heavy modules (SymPy, torch), loaded on first use: attribute name -> module
_LAZY: dict[str, str] = {
    "SBCParams": "attention", "sbc_boundary": "attention", "random_sbc": "attention", "repeat_copy_sbc": "attention",
    "ShiftSSM": "ssm", "AttentionOnlyTransformer": "transformer",
    "symbolic_charpoly": "symbolic", "factor_charpoly": "symbolic", "eigen_structure": "symbolic",
    "derive": "symbolic", "symbolic_Phi": "symbolic", "exact_lags": "symbolic",
    "is_realizable": "realizability", "realizability_report": "realizability",
    "match_eigenvalues": "eigenstructure", "jordan_structure": "eigenstructure", "selection_jordan_structure": "eigenstructure",
    "wave_input_jacobians": "gradients", "compare_gradient_flow": "gradients", "boundary_gradients": "gradients", "decay_slope": "gradients",
    "SweepConfig": "sweep_config", "run_sweep": "sweep",
    "TrainConfig": "trainer", "train": "trainer", "analyze": "analysis", "load_weights": "analysis",
    "GatedWeights": "gated", "compile_gated": "gated", "nonlinear_copy": "substrate", "c14_study": "c14",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'wavetheory' has no attribute {name!r}")


__all__ = [
    "HDS", "LinearHDS", "Binding", "TASKS", "repeat_copy", "fibonacci", "signed_selection",
    "parse_bindings", "random_signed_selection", "random_linear", "from_lags", "load_task",
    "make_task", "rollout", "two_phase_batch",
    "WaveMemory", "simulate", "run_two_phase",
    "block_shift", "E", "boundary_row", "Phi", "StructuredPhi", "LinearRNN", "make_basis",
    "compile_rnn", "spectrum", "spectral_radius", "charpoly", "group_eigenvalues",
] + list(_LAZY)
