#!/usr/bin/env bash
# Runs the probe's fault matrix in the lab: for each case, apply its fault,
# run tests/lab/probe_cases.php inside sd-client (as the unprivileged lab
# user where the case needs it), clear the fault. The lab must be up
# (tests/lab/lab.sh up); faults are cleared even when a case fails.
#
#   tests/lab/run-probe-faults.sh EXTENSION_SO [CASE...]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
so=${1:?usage: run-probe-faults.sh /path/to/smtpdiag.so [case...]}
shift
cases=("$@")
# case:fault:user
matrix=(
  healthy::
  local_drop_465:local_drop_465:
  local_reject_587:local_reject_587:
  local_reset_587:local_reset_587:
  user_block:user_block:sdlab
  user_block_root:user_block:
  upstream_drop_all:upstream_drop_all:
  upstream_prohibited:upstream_prohibited:
  closed_port::
  ipv6_blackhole:ipv6_blackhole:
  nxdomain::
  dns_down:dns_down:
  dns_unreachable_server::
)
trap 'bash "$here/fault.sh" clear >/dev/null 2>&1' EXIT
passed=0 failed=0
for entry in "${matrix[@]}"; do
  IFS=: read -r name fault user <<<"$entry"
  if ((${#cases[@]})) && [[ ! " ${cases[*]} " == *" $name "* ]]; then continue; fi
  bash "$here/fault.sh" clear >/dev/null 2>&1
  [[ -n "$fault" ]] && bash "$here/fault.sh" apply "$fault" >/dev/null 2>&1
  cmd=(php -n -d "extension=$so" "$here/probe_cases.php" "$name")
  [[ -n "$user" ]] && cmd=(runuser -u "$user" -- "${cmd[@]}")
  out=$(timeout 60 ip netns exec sd-client "${cmd[@]}" 2>&1)
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
echo "lab probe faults: $passed passed, $failed failed"
((failed == 0))
