"""The numerics fingerprint of this machine: what a trained network's numbers depend on besides its seed.

Training is bit-identical for a fixed seed on one machine, but floating-point reductions follow the CPU
(its model and instruction sets pick the kernels of torch and of the BLAS) and the library versions: two
CPUs with the same vector ISA can still train different networks from one seed (issue 25: an AMD EPYC
and the reference machine, both AVX512, differed in 321 trained numbers). ``fingerprint()`` collects
those inputs; two runs may be required to agree on trained numbers only when their fingerprints are
equal (``same_numerics``). The CPU is described by its model name, its family/model/stepping and a digest
of its feature flags, so that a virtual machine that reports only "AMD EPYC" is still told apart from
another generation; an unknown field reads "unknown" (never equal to a known one by accident, and two
unknowns still compare equal only when every other field agrees).
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from pathlib import Path
from typing import Any

__all__ = ["FIELDS", "cpu_model", "fingerprint", "fingerprint_hash", "same_numerics"]

FIELDS = ("cpu_model", "machine", "torch", "numpy", "cpu_capability", "python")
CPUINFO = Path("/proc/cpuinfo")


def _cpuinfo_fields(text: str) -> dict[str, str]:
    """The ``key: value`` lines of the first processor block of /proc/cpuinfo."""
    out: dict[str, str] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out.setdefault(key.strip().lower(), value.strip())
    return out


def cpu_model(cpuinfo: str | None = None) -> str:
    """The CPU's model name, ``[family/model/stepping, flags <digest>]`` where /proc/cpuinfo tells them.

    ``cpuinfo`` is the text of /proc/cpuinfo (read from the machine when None); without it (macOS,
    Windows) ``platform.processor()``, or "unknown".
    """
    if cpuinfo is None:
        try:
            cpuinfo = CPUINFO.read_text(errors="replace")
        except OSError:
            cpuinfo = ""
    f = _cpuinfo_fields(cpuinfo)
    name = f.get("model name") or f.get("hardware") or f.get("cpu") or platform.processor() or "unknown"
    ident = "/".join(f[k] for k in ("cpu family", "model", "stepping") if f.get(k))
    if not ident:  # ARM: implementer/part/revision
        ident = "/".join(f[k] for k in ("cpu implementer", "cpu part", "cpu revision") if f.get(k))
    flags = f.get("flags") or f.get("features") or ""
    extra = ([ident] if ident else []) + ([f"flags {hashlib.sha256(' '.join(sorted(flags.split())).encode()).hexdigest()[:8]}"]
                                         if flags else [])
    return " ".join(name.split()) + (f" [{', '.join(extra)}]" if extra else "")


def fingerprint() -> dict[str, str]:
    """What trained numbers depend on: CPU model, machine, torch, numpy, torch's CPU capability, Python."""
    import numpy
    import torch

    return {"cpu_model": cpu_model(), "machine": platform.machine() or "unknown", "torch": torch.__version__,
            "numpy": numpy.__version__, "cpu_capability": str(torch.backends.cpu.get_cpu_capability()),
            "python": sys.version.split()[0]}


def fingerprint_hash(fp: dict[str, Any] | None = None) -> str:
    """A stable 12-hex-digit digest of a fingerprint (this machine's when None): sha256 of its sorted JSON."""
    fp = fingerprint() if fp is None else fp
    if not isinstance(fp, dict):
        raise TypeError(f"fp: expected a dict, got {type(fp).__name__}")
    return hashlib.sha256(json.dumps(fp, sort_keys=True).encode()).hexdigest()[:12]


def same_numerics(other: Any, mine: dict[str, Any] | None = None) -> bool:
    """True when ``other`` (a fingerprint read from a file, possibly missing or malformed) is this machine's.

    Every field of ``FIELDS`` must be present and equal; anything else (None, an older file without a
    fingerprint, a partial dict) is another machine, so that trained numbers are never required to match
    by accident.
    """
    mine = fingerprint() if mine is None else mine
    return isinstance(other, dict) and all(k in other and other[k] == mine.get(k) for k in FIELDS)
