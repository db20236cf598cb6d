"""The learning wing: torch models, the trainer, and the analysis of trained weights against the theory.

Imports only ``wavetheory.theory`` and the base modules; ``config`` is importable without torch.
"""
