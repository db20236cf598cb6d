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

import numpy as np

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


# --------------------------------------------------------------------------- second roads (written without the library)


def explicit_power_basis(W: np.ndarray, P: np.ndarray, s: int = S) -> np.ndarray:
    """[W^(s-1) P, ..., W P, P] by explicit matrix powers (block s is the seed: the package's ordering, C8)."""
    return np.concatenate([np.linalg.matrix_power(W, s - i) @ P for i in range(1, s + 1)], axis=1)


def free_column_repeat_copy(W: np.ndarray, P: np.ndarray) -> float:
    """C8's free column error for repeat copy: ||C_1 - E_s||_F / ||E_s||_F, C_1 the least-squares coordinates of
    W^s P in the basis K (for repeat copy U = I and (C_Phi)_1 = Phi E_1 = E_s A_s = E_s, norm sqrt(d))."""
    K = explicit_power_basis(W, P)
    C1 = np.linalg.lstsq(K, np.linalg.matrix_power(W, S) @ P, rcond=None)[0]  # (sd, d)
    Es = np.zeros((S * D, D))
    Es[-D:] = np.eye(D)
    return float(np.linalg.norm(C1 - Es) / np.linalg.norm(Es))


def gradient_norms(W_hh: np.ndarray, W_uh: np.ndarray, k_max: int = 2 * S) -> np.ndarray:
    """||W_hh^k W_uh||_2 for k = 1..k_max: the largest singular value of explicit matrix powers (C10 at 0)."""
    return np.array([np.linalg.svd(np.linalg.matrix_power(W_hh, k) @ W_uh, compute_uv=False)[0]
                     for k in range(1, k_max + 1)])


def outside_count(W_hh: np.ndarray, keep: float = 0.01) -> int:
    """Eigenvalues of W_hh beyond the s*d largest whose modulus exceeds keep^(1/s) (C7's extra eigenvalues)."""
    moduli = np.sort(np.abs(np.linalg.eigvals(W_hh)))[::-1]
    return int(np.sum(moduli[S * D :] > keep ** (1.0 / S)))
