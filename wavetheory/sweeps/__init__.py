"""The sweeps wing: grids of training runs (config, results journal, executors, report)."""
