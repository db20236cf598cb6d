"""Process-group bookkeeping for the kill tests (Linux /proc): who is still alive after a kill."""

from __future__ import annotations

import os
import time
from pathlib import Path

HAVE_PROC = Path("/proc/self/stat").exists()


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes whose process group is ``pgid``."""
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # exited meanwhile
            continue
        state, _, pgrp = stat[stat.rindex(")") + 2 :].split()[:3]  # after "pid (comm) ": state ppid pgrp
        if int(pgrp) == pgid and state != "Z":
            alive.append(int(entry))
    return alive


def wait_gone(pgid: int, timeout: float) -> list[int]:
    """Poll until the group is empty or ``timeout`` seconds passed; the members still alive."""
    deadline = time.monotonic() + timeout
    while (left := group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def describe(pids: list[int]) -> str:
    """Command lines of ``pids`` (for an assertion message)."""
    out = []
    for pid in pids:
        try:
            out.append(f"{pid}: " + Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200])
        except OSError:
            out.append(f"{pid}: (gone)")
    return "; ".join(out)


def kill_group(pgid: int) -> None:
    """Clean up after a failed test: SIGKILL whatever is left of the group."""
    import signal

    for pid in group_members(pgid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
