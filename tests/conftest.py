"""Shared pytest set-up: hypothesis profiles and the Agg backend."""

import os

import matplotlib

matplotlib.use("Agg")

from hypothesis import HealthCheck, settings  # noqa: E402

# CI profile (the guide's measured choice): 50 examples, no deadline (shared, noisy machines),
# derandomized so a CI run is reproducible. "dev" explores more when run by hand.
settings.register_profile(
    "ci", max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
