"""Figures read without guessing: legends lie off the data, every heatmap of values has a colorbar."""

from __future__ import annotations

import numpy as np

from wavetheory import plots


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_spectrum_legend_is_outside_the_axes():
    ev = np.exp(2j * np.pi * np.arange(12) / 12)  # points on the unit circle, corners of the box included
    fig = plots.plot_spectrum({"eig(Phi)": ev, "W_hh": 1.05 * ev, "Jacobian": 0.98 * ev})
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert legend is not None and len(legend.get_texts()) == 3
    assert not _overlaps(legend.get_window_extent(), ax.get_window_extent())


def test_diagonal_spectra_legends_are_outside_the_axes():
    fig = plots.plot_diagonal_spectra({"LRU": (np.array([1j, -1.0]), np.array([0.9j, -0.95, 0.1]))})
    fig.canvas.draw()
    ax = fig.axes[0]
    assert not _overlaps(ax.get_legend().get_window_extent(), ax.get_window_extent())


def test_waves_have_one_colorbar_per_panel_on_its_own_scale():
    rng = np.random.default_rng(0)
    s, d, T = 4, 2, 10
    waves, substrate = 3.0 * rng.standard_normal((T, s * d)), rng.choice([-1.0, 1.0], size=(T, s * d))
    fig = plots.plot_waves(waves, substrate, s, d)
    images = [im for ax in fig.axes for im in ax.get_images()]
    assert len(images) == 2
    bars = [im.colorbar for im in images]
    assert all(b is not None for b in bars) and len(fig.axes) == 4  # two panels, two colorbars
    # each colorbar spans its panel's symmetric range, so the colours read as values
    for im, M in zip(images, (waves, substrate)):
        assert im.get_clim() == (-np.max(np.abs(M)), np.max(np.abs(M)))
