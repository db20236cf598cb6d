"""The theory wing: pure NumPy/SymPy mathematics of THEORY.md (no torch at module level).

tasks (HDS, LinearHDS, bindings) <- wave_memory, two_phase, wave_operator <- task_library,
symbolic, polymatrix, eigenstructure, gradients, realizability, attention, ssm, gated;
realizability, symbolic <- minimal (C16) <- diagonal_recurrence (C15).
"""
