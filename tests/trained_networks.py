"""The small trained networks committed under tests/data/networks, for tests of the measurements on real weights.

Tanh Elman networks trained on repeat copy d = 3, s = 4 with hidden 24 (seeds 0, 1, 2; the command is in
tests/data/networks/README.md). Unlike compiled networks they are non-normal, their spectrum has an
initialization bulk, and their readout is not the transpose of their input map: the bugs that make no
difference on a compiled network (a transposed W_hh, a W_uh for a pinv(W_hy), a wrong radius) change
the readings here. Each file holds the trained weights and their initialization (``_init`` keys).
"""

from __future__ import annotations

import json
from pathlib import Path

from wavetheory.learning.weights import load_weights
from wavetheory.theory.tasks import repeat_copy
from wavetheory.theory.wave_operator import LinearRNN

NETWORK_DIR = Path(__file__).resolve().parent / "data" / "networks"
SEEDS = (0, 1, 2)
D, S, HIDDEN = 3, 4, 24
TASK = repeat_copy(D, S)


def path(seed: int) -> Path:
    return NETWORK_DIR / f"repeat_copy_d{D}_s{S}_h{HIDDEN}_seed{seed}.npz"


def network(seed: int) -> tuple[LinearRNN, LinearRNN]:
    """(trained, initialization) of the committed network of ``seed``."""
    trained, init = load_weights(path(seed))
    assert init is not None, f"{path(seed)}: the initialization is missing"
    return trained, init


def metrics(seed: int) -> dict:
    """The training run's record (task, fresh accuracy, steps, TrainConfig) written beside the weights."""
    return json.loads(path(seed).with_suffix(".json").read_text())
