#!/usr/bin/env bash
# Mutation testing of the code that decides verdicts (not part of CI; slow: about an hour on 2 shared cores).
#
#   bash scripts/mutation.sh                 # the documented run (MUTATED below)
#   bash scripts/mutation.sh 'wavetheory.theory.gradients*'   # any other mutant-name globs
#
# mutmut (configured in pyproject.toml, [tool.mutmut], for wavetheory/theory and wavetheory/claims) copies
# the package to mutants/, mutates one function at a time and runs the tests that cover it. Then
# scripts/mutation_report.py writes docs/mutation_run.json (counts, score, every surviving mutant and, for
# those listed in docs/mutation_equivalent.toml, why it is equivalent) and the docs' Mutation testing page; it
# exits 1 while a surviving mutant is neither killed by a test nor listed as equivalent.
set -euo pipefail
cd "$(dirname "$0")/.."
# the status rule and proof scopes, the C12 criterion, and the Jordan-structure and conditioning functions of
# eigenstructure (its selection_* and match_eigenvalues functions are configured but left out for time)
E=wavetheory.theory.eigenstructure
MUTATED=('wavetheory.claims.evidence.*' 'wavetheory.theory.realizability.*' "$E.x_rank_sequence*" "$E.x_jordan_*"
         "$E.x_structure_eigenvalues*" "$E.x_eigenvalue_condition_numbers*" "$E.x_eigenvector_condition*"
         "$E.x_departure_from_normality*" "$E.x_cluster_spread*")
if [ "$#" -gt 0 ]; then MUTATED=("$@"); fi
export HYPOTHESIS_PROFILE=ci OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 MPLBACKEND=Agg
nice -n 10 python -m mutmut run --max-children "${MUTMUT_CHILDREN:-1}" "${MUTATED[@]}" || true
python scripts/mutation_report.py "${MUTATED[@]}"
