#!/usr/bin/env bash
# Mutation testing of the code that decides verdicts (not part of CI; slow: about an hour on 2 shared cores).
#
#   bash scripts/mutation.sh                 # the documented run of the verdict code (VERDICTS below)
#   bash scripts/mutation.sh --learning      # the learning wing's measurements (LEARNING below)
#   bash scripts/mutation.sh 'wavetheory.theory.gradients*'   # any other mutant-name globs
#   bash scripts/mutation.sh --learning 'wavetheory.learning.spectrum_match.*'   # part of a suite
#
# mutmut (configured in pyproject.toml, [tool.mutmut], for wavetheory/theory, wavetheory/claims and the learning
# wing's measurement modules) copies
# the package to mutants/, mutates one function at a time and runs the tests that cover it. Then
# scripts/mutation_report.py writes docs/mutation_run.json (docs/mutation_run_learning.json for --learning; counts,
# score, every surviving mutant and, for
# those listed in docs/mutation_equivalent.toml, why it is equivalent) and the docs' Mutation testing page; it
# exits 1 while a surviving mutant is neither killed by a test nor listed as equivalent.
set -euo pipefail
cd "$(dirname "$0")/.."
# the status rule and proof scopes, the C12 criterion, and the Jordan-structure and conditioning functions of
# eigenstructure (its selection_* and match_eigenvalues functions are configured but left out for time)
E=wavetheory.theory.eigenstructure
VERDICTS=('wavetheory.claims.evidence.*' 'wavetheory.theory.realizability.*' "$E.x_rank_sequence*" "$E.x_jordan_*"
          "$E.x_structure_eigenvalues*" "$E.x_eigenvalue_condition_numbers*" "$E.x_eigenvector_condition*"
          "$E.x_departure_from_normality*" "$E.x_cluster_spread*")
# the measurements of trained networks (C7-C11, C14): spectrum match, power basis, the readings of analysis (not its
# figure and formatting methods), substrate, and the trainer's stop rule (_after_step) with the sign accuracy it reads
# (docs/mutation.md says what is left out and why: the training loop _train, data.evaluate)
L=wavetheory.learning
A=$L.analysis
LEARNING=("$L.spectrum_match.*" "$L.power_basis.*" "$A.x_analyze__*" "$A.x_wave_decoding__*" "$A.x_null_model__*"
          "$A.x__road_seed__*" "$A.x_hidden_states__*" "$A.x_check_task__*" "$L.substrate.*" "$L.trainer.x__after_step__*"
          "$L.data.x_sign_accuracy__*")
SUITE=()
MUTATED=("${VERDICTS[@]}")
if [ "${1:-}" = "--learning" ]; then
  SUITE=(--suite learning); MUTATED=("${LEARNING[@]}"); shift
  # the C14 study's end-to-end test (15 s, a tiny training per call) covers every substrate function: run for each
  # surviving mutant it would triple the run. Leaving it out can only turn a kill into a survivor (conservative).
  export PYTEST_ADDOPTS="--deselect tests/theory/test_gated.py::test_c14_study_structure_with_tiny_training"
fi
if [ "$#" -gt 0 ]; then MUTATED=("$@"); fi
export HYPOTHESIS_PROFILE=ci OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 MPLBACKEND=Agg
nice -n 10 python -m mutmut run --max-children "${MUTMUT_CHILDREN:-1}" "${MUTATED[@]}" || true
python scripts/mutation_report.py "${SUITE[@]}" "${MUTATED[@]}"
