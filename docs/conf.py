"""Sphinx configuration of the documentation site (why Sphinx: docs/about_these_docs.md).

Build: ``python -m sphinx -W --keep-going -b html docs docs/_build/html`` (``-W``: a warning fails the
build; tests/test_docs.py builds it so). Generated parts: ``docs/_ext/wavedocs.py``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(ROOT), str(DOCS / "_ext")]
os.environ.setdefault("MPLBACKEND", "Agg")

# The notebooks' kernels show the figures each cell leaves open (docs/_ext/ipython_startup_figures.py).
_ipython = Path(tempfile.mkdtemp(prefix="wavetheory-docs-ipython-"))
(_ipython / "profile_default" / "startup").mkdir(parents=True)
shutil.copy(DOCS / "_ext" / "ipython_startup_figures.py", _ipython / "profile_default" / "startup" / "00-figures.py")
os.environ["IPYTHONDIR"] = str(_ipython)
os.environ.setdefault("OMP_NUM_THREADS", "1")

project = "wavetheory"
author = "the wavetheory authors"
copyright = "the wavetheory authors"  # noqa: A001 (Sphinx's name)
extensions = ["myst_nb", "sphinx.ext.autodoc", "wavedocs"]

exclude_patterns = ["_build", "**/.ipynb_checkpoints", "_ext", "*.json", "*.toml"]
suppress_warnings = ["mystnb.unknown_mime_type"]

# Markdown (MyST): $...$ and $$...$$ are math, drawn to SVG at build time (no MathJax, no network)
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_dmath_double_inline = True  # $$...$$ inside a paragraph is display math (the notebooks write it so)
myst_heading_anchors = 3
html_math_renderer = "mathtext"

# Notebooks: executed at every build, in a temporary folder, an error fails the build
nb_execution_mode = os.environ.get("WAVETHEORY_DOCS_EXECUTE", "force")
nb_execution_timeout = 300
nb_execution_in_temp = True
nb_execution_raise_on_error = True
nb_merge_streams = True

# API reference: the docstrings are plain text (docs/_ext/plain_docstrings.py), signatures with their types
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
add_module_names = False

highlight_language = "none"  # an unlabelled block is plain text (printouts, tables), not Python
html_theme = "furo"
html_title = "wavetheory"
html_static_path = ["_static"]
html_css_files = ["wavetheory.css"]
html_permalinks_icon = "#"
smartquotes = False  # show quotes and dashes as written (docstrings, commands)
