"""The suite's own set-up (tests/conftest.py): pools sized by the core count start at most 2 workers here."""

import os



def test_pools_sized_by_the_core_count_start_at_most_two_workers(tmp_path):
    from wavetheory.claims.trained_runs import start_training, stop_training

    assert 1 <= os.cpu_count() <= 2
    pool = start_training(tmp_path, {}, [], None)  # reproduce's default: one worker per core
    try:
        assert 1 <= pool.workers <= 2
    finally:
        stop_training(pool, kill=True)
