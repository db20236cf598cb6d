"""Apply each of the audit's one-line measurement bugs (issue 21, item 4) in turn, run the tests that guard them, revert.

    python scripts/mutation_audit_bugs.py        # prints, per bug, the tests that fail; exits 1 if a bug passes them all

Each bug is applied at every place it could be written (the learning wing's function and the claims' caller);
the file is restored in a ``finally`` even when pytest crashes. Run it on a clean work tree: it edits sources.
"""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)
BUGS = {
 "A radius s*d (match_spectrum)": ("wavetheory/learning/spectrum_match.py", "r = persistence_radius(task.s) if radius", "r = persistence_radius(task.s * task.d) if radius"),
 "A' radius s*d (persistence_radius body, d=3 baked)": ("wavetheory/learning/spectrum_match.py", "return float(keep ** (1.0 / s))", "return float(keep ** (1.0 / (3 * s)))"),
 "B free column / whole matrix": ("wavetheory/learning/power_basis.py", "/ np.linalg.norm(C_Phi[:, :d]))", "/ np.linalg.norm(C_Phi))"),
 "C readout road seeded from W_uh (analysis)": ("wavetheory/learning/analysis.py", "return truncated_pinv(rnn.W_hy, rcond)[0]  # (H, d)", "return rnn.W_uh  # (H, d)"),
 "C' readout seeded from W_uh (claims network_reading)": ("wavetheory/claims/trained_runs.py", "readout = truncated_pinv(net.W_hy)[0]", "readout = net.W_uh"),
 "D W_hh transposed (analysis grad_after)": ("wavetheory/learning/analysis.py", "grad_after=propagation_norms(rnn.W_hh, rnn.W_uh, k_max)", "grad_after=propagation_norms(rnn.W_hh.T, rnn.W_uh, k_max)"),
 "D' W_hh transposed (gradients.input_jacobians)": ("wavetheory/theory/gradients.py", "        J = W_hh @ J\n", "        J = W_hh.T @ J\n"),
}
TESTS = ["tests/claims/test_trained_readings.py", "tests/learning/test_spectrum_match.py", "tests/learning/test_power_basis.py", "tests/learning/test_trained_networks.py", "tests/learning/test_data.py"]
TESTS = [t for t in TESTS if os.path.exists(t)]
missed = []
for name, (path, old, new) in BUGS.items():
    src = open(path).read()
    assert src.count(old) == 1, (name, src.count(old))
    open(path, "w").write(src.replace(old, new))
    try:
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "not slow", "-p", "no:cacheprovider", *TESTS], capture_output=True, text=True)
        failed = [l.split(" - ")[0].replace("FAILED ", "") for l in r.stdout.splitlines() if l.startswith("FAILED")]
        print(f"== {name}: {len(failed)} failing\n   " + "\n   ".join(failed))
        if not failed:
            missed.append(name)
    finally:
        open(path, "w").write(src)
print("every bug is caught" if not missed else f"NOT caught: {missed}")
sys.exit(1 if missed else 0)
