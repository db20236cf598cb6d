"""wavetheory: the traveling-wave theory of working memory in recurrent neural networks.

Reference implementation of Karuvally, Sejnowski & Siegelmann, "Hidden Traveling Waves bind
Working Memory Variables in Recurrent Neural Networks" (ICML 2024). Claim IDs C1..C16 refer to
THEORY.md. The numpy core is imported eagerly; modules that need SymPy or torch load lazily on
first attribute access so that ``import wavetheory`` stays fast and torch-free.
"""

from __future__ import annotations

import importlib
from typing import Any

from .theory.task_library import TASKS, make_task, random_linear
from .theory.tasks import (
    HDS,
    Binding,
    LinearHDS,
    authors_task,
    fibonacci,
    from_lags,
    load_task,
    parse_bindings,
    random_signed_selection,
    repeat_copy,
    rollout,
    signed_selection,
)
from .theory.two_phase import two_phase_batch
from .theory.wave_memory import WaveMemory, run_two_phase, simulate
from .theory.wave_operator import (
    E,
    LinearRNN,
    Phi,
    StructuredPhi,
    block_shift,
    boundary_row,
    charpoly,
    compile_rnn,
    continuation_map,
    group_eigenvalues,
    make_basis,
    markov_parameters,
    spectral_radius,
    spectrum,
)

__version__ = "0.1.0"

# heavy modules (SymPy, torch), loaded on first use: attribute name -> module
_LAZY: dict[str, str] = {
    "SBCParams": "theory.attention", "sbc_boundary": "theory.attention", "random_sbc": "theory.attention", "repeat_copy_sbc": "theory.attention",
    "ShiftSSM": "theory.ssm", "AttentionOnlyTransformer": "learning.transformer",
    "symbolic_charpoly": "theory.symbolic", "factor_charpoly": "theory.symbolic", "eigen_structure": "theory.symbolic",
    "derive": "theory.symbolic", "symbolic_Phi": "theory.symbolic", "exact_lags": "theory.symbolic",
    "is_realizable": "theory.realizability", "realizability_report": "theory.realizability",
    "min_state_dim": "theory.minimal", "minimal_realization": "theory.minimal", "diagonal_profile": "theory.diagonal_recurrence",
    "match_eigenvalues": "theory.eigenstructure", "jordan_structure": "theory.eigenstructure", "selection_jordan_structure": "theory.eigenstructure",
    "wave_input_jacobians": "theory.gradients", "compare_gradient_flow": "theory.gradients", "boundary_gradients": "theory.gradients", "decay_slope": "theory.gradients",
    "SweepConfig": "sweeps.config", "run_sweep": "sweeps.run",
    "TrainConfig": "learning.config", "train": "learning.trainer", "TrainResult": "learning.trainer",
    "analyze": "learning.analysis", "Analysis": "learning.analysis", "load_weights": "learning.weights",
    "load_network": "learning.interop", "read_checkpoint": "checkpoint_reader",
    "GatedWeights": "theory.gated", "compile_gated": "theory.gated", "nonlinear_copy": "learning.substrate", "c14_study": "claims.reproduce",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'wavetheory' has no attribute {name!r}")


__all__ = [
    "HDS", "LinearHDS", "Binding", "TASKS", "repeat_copy", "fibonacci", "signed_selection",
    "parse_bindings", "random_signed_selection", "authors_task", "random_linear", "from_lags", "load_task",
    "make_task", "rollout", "two_phase_batch",
    "WaveMemory", "simulate", "run_two_phase",
    "block_shift", "E", "boundary_row", "Phi", "StructuredPhi", "LinearRNN", "make_basis",
    "compile_rnn", "spectrum", "spectral_radius", "charpoly", "group_eigenvalues", "markov_parameters", "continuation_map",
] + list(_LAZY)
