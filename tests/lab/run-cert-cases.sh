#!/usr/bin/env bash
# Runs the certificate matrix of smtpdiag_check_certificate() in the lab:
# every case of tests/lab/cert_cases.php inside sd-client, with
# SSL_CERT_FILE = the lab root (the lab root is the "system store"). The lab
# must be up (tests/lab/lab.sh up); see lab.sh for the port/name map.
#
#   tests/lab/run-cert-cases.sh EXTENSION_SO [CASE...]
#
# Cases (cert_cases.php --list): NAME/starttls, NAME/implicit for every
# certificate, stale_bundle/starttls, stale_bundle/implicit, starttls_inject.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/common.sh"
so=${1:?usage: run-cert-cases.sh /path/to/smtpdiag.so [case...]}
shift
[[ "$so" == /* ]] || so=$PWD/$so
cases=("$@")
root=$LAB_DIR/certs/root.pem
if [[ ! -s "$root" ]] || ! lab_listening "$LAB_NS_SERVER" 198.51.100.26:3113; then
  echo "not ok - lab is not up with the certificate matrix (run: tests/lab/lab.sh up)"
  echo "lab cert cases: 0 passed, 1 failed"
  exit 1
fi
if ! list=$(php -n "$here/cert_cases.php" --list 2>&1); then
  echo "not ok - cert_cases.php --list failed: $list"
  echo "lab cert cases: 0 passed, 1 failed"
  exit 1
fi
mapfile -t all <<<"$list"
passed=0 failed=0
for name in "${all[@]}"; do
  if ((${#cases[@]})) && [[ ! " ${cases[*]} " == *" $name "* ]]; then continue; fi
  out=$(timeout 60 ip netns exec "$LAB_NS_CLIENT" env SSL_CERT_FILE="$root" SMTPDIAG_LAB_DIR="$LAB_DIR" \
        php -n -d "extension=$so" "$here/cert_cases.php" "$name" 2>&1)
  rc=$?
  echo "$out"
  p=$(grep -c '^ok - ' <<<"$out")
  f=$(grep -c '^not ok - ' <<<"$out")
  passed=$((passed + p))
  failed=$((failed + f))
  if ((rc != 0 && f == 0)); then
    echo "not ok - $name: exited with status $rc"
    failed=$((failed + 1))
  fi
done
echo "lab cert cases: $passed passed, $failed failed"
((failed == 0))
