#!/usr/bin/env bash
# Runs smtpdiag_send_test()'s cases against the lab's real Postfix: each case
# of tests/lab/send_cases.php inside sd-client, trusting the lab CA through
# SSL_CERT_FILE (and the ca_file option). The lab must be up
# (tests/lab/lab.sh up); no fault is applied. Delivered test messages are
# deleted from the Maildirs by the cases themselves.
#
#   tests/lab/run-send-cases.sh EXTENSION_SO [CASE...]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
source "$here/common.sh"
so=${1:?usage: run-send-cases.sh /path/to/smtpdiag.so [case...]}
shift
cases=("$@")
matrix=(
  starttls_plain
  starttls_login
  implicit_465
  implicit_465_ipv6
  wrong_password
  two_recipients
  no_tls_587
  auth_needs_tls
  cert_expired
)
passed=0 failed=0
if ! lab_ns_exists "$LAB_NS_CLIENT" || [[ ! -r "$LAB_DIR/certs/root.pem" ]]; then
  echo "not ok - the lab is not up (run tests/lab/lab.sh up)"
  echo "lab send cases: 0 passed, 1 failed"
  exit 1
fi
for name in "${matrix[@]}"; do
  if ((${#cases[@]})) && [[ ! " ${cases[*]} " == *" $name "* ]]; then continue; fi
  out=$(timeout 60 ip netns exec "$LAB_NS_CLIENT" env SSL_CERT_FILE="$LAB_DIR/certs/root.pem" SMTPDIAG_LAB_DIR="$LAB_DIR" \
    php -n -d "extension=$so" "$here/send_cases.php" "$name" 2>&1)
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
echo "lab send cases: $passed passed, $failed failed"
((failed == 0))
