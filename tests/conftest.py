"""Shared pytest set-up: hypothesis profiles, short arrays in falsifying examples, the Agg backend, at most 2 workers."""

import os

import matplotlib
import pytest

matplotlib.use("Agg")

from hypothesis import HealthCheck, settings  # noqa: E402

import wavetheory.strategies  # noqa: E402,F401 - registers the short printer of numpy arrays for every property test

# CI profile (the guide's measured choice): 50 examples, no deadline (shared, noisy machines),
# derandomized so a CI run is reproducible. "dev" explores more when run by hand.
settings.register_profile(
    "ci", max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Pools sized "one per core" (reproduce's training pool, sweeps, the C14 study) start at most this many
# processes in a test, whatever the machine: a 64-core machine, or one whose process limit is near, must not
# fork dozens of workers at once (issue 25: BlockingIOError [Errno 11] on fork). Tests that pass an explicit
# worker count keep it (none asks for more than 2).
MAX_TEST_WORKERS = 2
_cpu_count = os.cpu_count


@pytest.fixture(autouse=True, scope="session")
def _at_most_two_workers():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "cpu_count", lambda: min(_cpu_count() or 1, MAX_TEST_WORKERS))
        yield
