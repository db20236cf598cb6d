"""The wave-RNN of Keller et al. (ICLR 2024) as a trainer cell, adapted to the +-1 inputs of the two-phase tasks (C13).

    h(t) = relu(W_x u(t) + b_x + Conv1d_circular(h(t-1)) ),   y(t) = W_y h(t) + b_y,   h(-1) = 0,

with c = 2d channels on a ring of n = hidden / (2d) positions, kernel size 3 (their sweep's). Initialization
as in their sweep: the "fwd" kernel (a one-position shift per step; ``theory.wave_rnn.forward_kernel``), the
"solo" input weights (position 0 of each channel; here the sign-split encoder of ``theory.wave_rnn``,
+u_j on channel 2j, -u_j on channel 2j + 1, so the ReLU keeps both signs), b_x = 0, and PyTorch's default for
the convolution's bias and the readout (which, as theirs, has a bias). The adaptation is documented in
``theory.wave_rnn``; ``linearization()`` gives the unrolled (c n) x (c n) convolution as W_hh for ``analyze``.
"""

from __future__ import annotations

import numpy as np
import torch

from ..theory.gated import Linearization
from .cells import copy_parameters
from ..theory.wave_rnn import WaveRNN, forward_kernel, split_sign_encoder

__all__ = ["WaveRNNCell", "KERNEL_SIZE"]

KERNEL_SIZE = 3  # Keller et al.'s sweep (copy task): kernel 3, ReLU, fwd kernel, solo input init


def _numpy(p: torch.Tensor) -> np.ndarray:
    return p.detach().cpu().double().numpy()


class WaveRNNCell(torch.nn.Module):
    """Keller et al.'s wave-RNN with 2d channels x ``hidden // (2d)`` positions (ValueError unless 2d divides hidden)."""

    cell = "wrnn"

    def __init__(self, d: int, hidden: int, kernel: int = KERNEL_SIZE) -> None:
        super().__init__()
        c = 2 * d
        if hidden % c or hidden < c:
            raise ValueError(f"hidden: the wave-RNN needs a positive multiple of 2d = {c} units "
                             f"({c} channels x n positions), got {hidden}")
        self.d, self.channels, self.positions = d, c, hidden // c
        self.encoder = torch.nn.Linear(d, hidden)
        self.conv = torch.nn.Conv1d(c, c, kernel, padding=kernel // 2, padding_mode="circular")
        self.readout = torch.nn.Linear(hidden, d)
        with torch.no_grad():
            self.encoder.weight.copy_(torch.as_tensor(split_sign_encoder(d, self.positions), dtype=torch.float32))
            self.encoder.bias.zero_()
            self.conv.weight.copy_(torch.as_tensor(forward_kernel(c, kernel), dtype=torch.float32))

    def forward(self, inputs: torch.Tensor, s: int) -> torch.Tensor:
        """Outputs of the output phase: inputs (B, s + horizon, d) -> y (B, horizon, d)."""
        B = inputs.shape[0]
        drive = self.encoder(inputs)  # (B, T, c n)
        h = torch.zeros(B, self.channels, self.positions, dtype=inputs.dtype, device=inputs.device)
        out = []
        for t in range(inputs.shape[1]):
            h = torch.relu(drive[:, t].view(B, self.channels, self.positions) + self.conv(h))  # (B, c, n)
            if t >= s:
                out.append(h.reshape(B, -1))
        return self.readout(torch.stack(out, dim=1))  # (B, horizon, d)

    def weights(self) -> dict[str, np.ndarray]:
        """K (c, c, k), b_K (c,), W_x (c n, d), b_x (c n,), W_y (d, c n), b_y (d,) as float64 arrays."""
        return {"K": _numpy(self.conv.weight), "b_K": _numpy(self.conv.bias), "W_x": _numpy(self.encoder.weight),
                "b_x": _numpy(self.encoder.bias), "W_y": _numpy(self.readout.weight), "b_y": _numpy(self.readout.bias)}

    def set_weights(self, K: np.ndarray, b_K: np.ndarray, W_x: np.ndarray, b_x: np.ndarray, W_y: np.ndarray,
                    b_y: np.ndarray) -> None:
        pairs = ((self.conv.weight, K), (self.conv.bias, b_K), (self.encoder.weight, W_x), (self.encoder.bias, b_x),
                 (self.readout.weight, W_y), (self.readout.bias, b_y))
        copy_parameters(pairs)

    def network(self) -> WaveRNN:
        return WaveRNN(**self.weights())

    def linearization(self) -> Linearization:
        """W_hh = the unrolled circular convolution M (c n x c n), W_uh = W_x, W_hy = W_y; the network attached."""
        return self.network().linearization()
