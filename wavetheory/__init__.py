"""wavetheory: the traveling-wave theory of working memory in recurrent neural networks.

Reference implementation of Karuvally, Sejnowski & Siegelmann, "Hidden Traveling Waves bind
Working Memory Variables in Recurrent Neural Networks" (ICML 2024). Claim IDs C1..C16 refer to
THEORY.md. Every public name loads on first attribute access (``wt.Phi`` imports the numpy core,
``wt.train`` torch), so ``import wavetheory`` imports nothing heavy: the command line installs its
signal handlers before numpy loads (Ctrl-C at launch is one line, never a traceback), and
``dir(wavetheory)`` lists every public name.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# every public name, loaded on first use: attribute name -> module
_CORE = {  # numpy only
    "theory.task_library": ("TASKS", "make_task", "random_linear"),
    "theory.tasks": ("HDS", "Binding", "LinearHDS", "authors_task", "fibonacci", "from_lags", "load_task", "parse_bindings",
                     "random_signed_selection", "repeat_copy", "rollout", "signed_selection"),
    "theory.two_phase": ("two_phase_batch",),
    "theory.wave_memory": ("WaveMemory", "run_two_phase", "simulate"),
    "theory.wave_operator": ("E", "LinearRNN", "Phi", "StructuredPhi", "block_shift", "boundary_row", "charpoly",
                             "compile_rnn", "continuation_map", "group_eigenvalues", "make_basis", "markov_parameters",
                             "spectral_radius", "spectrum"),
}
_LAZY: dict[str, str] = {name: module for module, names in _CORE.items() for name in names}
_LAZY |= {  # SymPy, torch and the rest
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
    "GatedWeights": "theory.gated", "compile_gated": "theory.gated", "nonlinear_copy": "theory.nonlinear_tasks", "c14_study": "claims.reproduce",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'wavetheory' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [  # noqa: PLE0605 - the names resolve through __getattr__
    "HDS", "LinearHDS", "Binding", "TASKS", "repeat_copy", "fibonacci", "signed_selection",
    "parse_bindings", "random_signed_selection", "authors_task", "random_linear", "from_lags", "load_task",
    "make_task", "rollout", "two_phase_batch",
    "WaveMemory", "simulate", "run_two_phase",
    "block_shift", "E", "boundary_row", "Phi", "StructuredPhi", "LinearRNN", "make_basis",
    "compile_rnn", "spectrum", "spectral_radius", "charpoly", "group_eigenvalues", "markov_parameters", "continuation_map",
] + list(_LAZY)
