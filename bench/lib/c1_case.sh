#!/usr/bin/env bash
# Comparison 1, one case, inside sd-client (run.sh calls it through
# `fault.sh with FAULT -- ip netns exec sd-client ...`): hyperfine over each
# tool's whole process, one JSON file per tool, answers appended to $BENCH_LOG.
#   c1_case.sh CASE OUT_DIR WORK_DIR RUNS SLOW_RUNS
set -euo pipefail
case_=$1 out=$2 work=$3 runs=$4 slow=$5
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
php_ext=(php -n -d "extension=$work/smtpdiag.so")
# Healthy runs are fast: more of them. Broken ones are bound by timeouts.
n_ours=$runs n_base=$slow
if [[ "$case_" == healthy ]]; then n_ours=$((runs * 3)) n_base=$((runs * 3)); fi
hf() { # hf NAME RUNS CMD...
  local name=$1 n=$2; shift 2
  hyperfine -N -i --style basic --runs "$n" --export-json "$out/c1.$case_.$name.json" -n "$name" "$*" \
    >"$out/c1.$case_.$name.txt" 2>&1
}
export BENCH_LOG=$out/c1.answers.tsv
hf smtpdiag_equal "$n_ours" "${php_ext[*]} $here/php/diagnose.php $case_ equal"
hf smtpdiag_default "$n_ours" "${php_ext[*]} $here/php/diagnose.php $case_ default"
hf phpmailer_check "$n_base" "php -n $here/php/wpms_check.php $case_"
hf postsmtp_loop "$n_base" "php -n $here/php/postsmtp_loop.php $case_"
hf swaks_ports "$n_base" "bash $here/lib/swaks_ports.sh $case_"
