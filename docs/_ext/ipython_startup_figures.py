"""IPython startup for the notebooks executed by the docs build: every figure a cell makes is shown on the page.

The notebooks select matplotlib's Agg backend and save their figures to files (so that
``python notebooks/NAME.py`` runs headless), which shows nothing in a kernel. Here a figure is displayed
(PNG) the first time it is saved, and after each cell the figures it left open and never saved are
displayed and closed, as Jupyter's inline backend does. docs/conf.py points the kernels' IPYTHONDIR here;
nothing changes when the notebooks run anywhere else.
"""

import io

from IPython import get_ipython
from IPython.display import Image, display
from matplotlib.figure import Figure

_savefig = Figure.savefig


def _show(fig: Figure) -> None:
    if getattr(fig, "_shown_in_docs", False):
        return
    fig._shown_in_docs = True
    buf = io.BytesIO()
    _savefig(fig, buf, format="png", dpi=90, bbox_inches="tight")
    display(Image(data=buf.getvalue(), format="png"))


def _savefig_and_show(self, *args, **kwargs):
    out = _savefig(self, *args, **kwargs)
    _show(self)
    return out


def _show_open_figures(*_):
    import sys

    if "matplotlib.pyplot" not in sys.modules:
        return
    import matplotlib.pyplot as plt

    for num in plt.get_fignums():
        _show(plt.figure(num))
    plt.close("all")


if get_ipython() is not None:
    Figure.savefig = _savefig_and_show
    get_ipython().events.register("post_execute", _show_open_figures)
