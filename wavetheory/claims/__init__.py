"""The claims wing: the evidence model, the checks behind every claim of THEORY.md, the main job and its report."""
