#!/usr/bin/env bash
# Comparison 3: swaks once per address (STARTTLS on 587, chain verified
# against the lab CA, quit after the second EHLO), one after another.
# Prints one JSON line; CPU is that of the swaks children (getrusage
# RUSAGE_CHILDREN through bash's `times`), wall from the loop.
#   swaks_loop.sh RANGE
set -u
spec=${1:-198.51.100.40-239}
ca=${SMTPDIAG_LAB_DIR:-/tmp/smtpdiag-lab}/certs/root.pem
prefix=${spec%.*}.
range=${spec##*.}
from=${range%-*} to=${range#*-}
# `times` prints user/sys of this shell and of its children ("0m1.234s");
# it runs in this shell (a $(...) subshell would not see the children).
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
children_cpu() { tail -1 "$tmp" | awk '{ split($1,u,/[ms]/); split($2,s,/[ms]/); printf "%.3f %.3f\n", u[1]*60+u[2], s[1]*60+s[2] }'; }
times >"$tmp"
read -r u0 s0 < <(children_cpu)
t0=$EPOCHREALTIME
ok=0 n=0
for ((i = from; i <= to; i++)); do
  n=$((n + 1))
  if swaks --server "$prefix$i" --port 587 --timeout 10 --ehlo client.lab.test --from user@ok.lab.test \
       --to user@lab.test --tls --tls-verify --tls-ca-path "$ca" --quit-after helo --hide-all >/dev/null 2>&1; then
    ok=$((ok + 1))
  fi
done
wall=$(awk -v a="$EPOCHREALTIME" -v b="$t0" 'BEGIN { printf "%.6f", a - b }')
times >"$tmp"
read -r u1 s1 < <(children_cpu)
awk -v n="$n" -v ok="$ok" -v w="$wall" -v u="$(awk -v a="$u1" -v b="$u0" 'BEGIN{print a-b}')" \
    -v s="$(awk -v a="$s1" -v b="$s0" 'BEGIN{print a-b}')" \
    'BEGIN { printf "{\"tool\":\"swaks\",\"probes\":%d,\"ok\":%d,\"wall_s\":%s,\"user_s\":%s,\"sys_s\":%s}\n", n, ok, w, u, s }'
