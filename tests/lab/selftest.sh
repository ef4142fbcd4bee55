#!/usr/bin/env bash
# Self-test of the smtpdiag lab: up, baseline checks, the raw effect of every
# fault (connect result per port and family, from sd-client), down, and a
# check that down left nothing behind. One PASS/FAIL line per check, a final
# "N passed, N failed" line, exit status 1 on any failure. Bounded (< 2 min);
# the lab is torn down on any exit.
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"
lab_require_root
lab_check_dir

LAB="$LAB_HERE/lab.sh"
FAULT="$LAB_HERE/fault.sh"
PROBE="$LAB_HERE/probe.py"
BUDGET=115        # seconds for the whole run
T0=$SECONDS
PASSED=0
FAILED=0
LAB_IS_UP=0

pass() { PASSED=$((PASSED + 1)); echo "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
check() { # check LABEL CMD...: PASS if CMD succeeds
  local label=$1; shift
  if "$@" >/dev/null 2>&1; then pass "$label"; else fail "$label"; fi
}

budget() {
  if ((SECONDS - T0 > BUDGET)); then
    fail "time budget of ${BUDGET}s exceeded before: $*"
    exit 1
  fi
}

finish() {
  local rc=$?
  trap - EXIT
  if ((LAB_IS_UP)); then
    echo "--- cleanup: lab.sh down"
    timeout 60 bash "$LAB" down >/dev/null 2>&1 || echo "WARNING: lab.sh down failed"
  fi
  if ((rc != 0 && FAILED == 0)); then fail "selftest aborted (exit $rc)"; fi
  echo "--- selftest finished in $((SECONDS - T0))s"
  echo "$PASSED passed, $FAILED failed"
  if ((FAILED > 0 || rc != 0)); then exit 1; fi
  exit 0
}
trap finish EXIT
trap 'exit 130' INT TERM

# probe [--sdlab] [--timeout S] LABEL CHECK...: run probe.py in sd-client
probe() {
  local as=() opts=(--ca "$LAB_DIR/certs/root.pem")
  while [[ "$1" == --* ]]; do
    case "$1" in
      --sdlab) as=(setpriv --reuid "$LAB_USER" --regid "$LAB_USER" --clear-groups); shift ;;
      --timeout) opts+=(--timeout "$2"); shift 2 ;;
    esac
  done
  local label=$1; shift
  budget "$label"
  local out line
  # Fed on stdin so that the unprivileged user needs no read access to the tree.
  out=$(timeout 60 ip netns exec "$LAB_NS_CLIENT" "${as[@]}" "$LAB_PY" -I - "${opts[@]}" --label "$label" "$@" <"$PROBE" 2>&1) || true
  while IFS= read -r line; do
    case "$line" in
      PASS*) PASSED=$((PASSED + 1)); echo "$line" ;;
      FAIL*) FAILED=$((FAILED + 1)); echo "$line" ;;
      "") ;;
      *) fail "$label: probe said: $line" ;;
    esac
  done <<<"$out"
  grep -q '^\(PASS\|FAIL\)' <<<"$out" || fail "$label: probe produced no result"
}

# tcp_set ADDR E25 E465 E587 E2525: append the four port checks for ADDR to C
C=()
tcp_set() {
  local addr=$1
  C+=("tcp:$addr:25=$2" "tcp:$addr:465=$3" "tcp:$addr:587=$4" "tcp:$addr:2525=$5")
}

M4=198.51.100.25 M6='[2001:db8:2::25]' S4=198.51.100.26 S6='[2001:db8:2::26]'
D4=198.51.100.53 D6='[2001:db8:2::53]'

# ---------------------------------------------------------------------------
echo "--- lab.sh down (start from nothing)"
check "down before up is safe" timeout 60 bash "$LAB" down

echo "--- lab.sh up"
t=$SECONDS
LAB_IS_UP=1
if timeout 90 bash "$LAB" up >"$LAB_DIR.up.log" 2>&1; then
  pass "lab.sh up ($((SECONDS - t))s)"
  rm -f "$LAB_DIR.up.log"
else
  fail "lab.sh up"; cat "$LAB_DIR.up.log"; rm -f "$LAB_DIR.up.log"; exit 1
fi
check "lab.sh status" bash "$LAB" status
check "system user $LAB_USER exists" id -u "$LAB_USER"
check "client resolv.conf points at lab DNS" grep -qx 'nameserver 198.51.100.53' "/etc/netns/$LAB_NS_CLIENT/resolv.conf"
check "lab.sh exec runs in sd-client" bash -c "[[ \$(bash '$LAB' exec ip -4 -o addr show dev eth-r1 | awk '{print \$4}') == 192.0.2.10/24 ]]"

echo "--- baseline (no fault)"
C=()
tcp_set "$M4" open open open open; tcp_set "$M6" open open open open
tcp_set "$S4" open open open ECONNREFUSED; tcp_set "$S6" open open open ECONNREFUSED
probe baseline "${C[@]}" \
  "hop:$M4:25:1=192.0.2.1" "hop:$M4:25:2=203.0.113.2" "hop:$M4:25:3=open" \
  "hop:$M6:25:1=2001:db8:1::1" "hop:$M6:25:2=2001:db8:3::2" "hop:$M6:25:3=open" \
  "dns:$D4:mail.lab.test:A=198.51.100.25" "dns:$D4:mail.lab.test:AAAA=2001:db8:2::25" \
  "dns:$D6:script.lab.test:A=198.51.100.26" "dnstcp:$D6:script.lab.test:AAAA=2001:db8:2::26" \
  "dns:$D4:v4only.lab.test:A=198.51.100.25" "dns:$D4:v4only.lab.test:AAAA=empty" \
  "dns:$D4:v6only.lab.test:A=empty" "dns:$D4:v6only.lab.test:AAAA=2001:db8:2::25" \
  "dns:$D4:lab.test:MX=10 mail.lab.test." "dnstcp:$D4:lab.test:TXT=v=spf1 ip4:192.0.2.10 -all" \
  "dns:$D4:ok.lab.test:MX=10 mail.lab.test." \
  "dns:$D4:ok.lab.test:TXT=v=spf1 ip4:192.0.2.10 ip4:198.51.100.25 ip4:198.51.100.26 ip6:2001:db8:2::25 ip6:2001:db8:2::26 -all" \
  "dns:$D6:_dmarc.ok.lab.test:TXT=v=DMARC1; p=none; rua=mailto:postmaster@ok.lab.test" \
  "banner:$M4:2526=220 mail.lab.test" "banner:$M6:2527=220 mail.lab.test" \
  "dns:$D4:nope.lab.test:A=NXDOMAIN" "dns:$D6:example.com:A=REFUSED" \
  "banner:$M4:25=220 mail.lab.test" "banner:$S4:25=220 script.lab.test ESMTP smtpdiag-lab" \
  "banner:$S4:2602=421 4.3.2" "banner:$S6:2612=554 5.7.1" "banner:$S4:2604=220" \
  "banner:$S4:2609=220-a" "banner:$S4:2613=220 script.lab.test" \
  "tls:$M4:25:starttls:mail.lab.test=ok" "tls:$M6:587:starttls:mail.lab.test=ok" \
  "tls:$M4:465:implicit:mail.lab.test=ok" "tls:$S4:25:starttls:script.lab.test=ok" \
  "tls:$S6:465:implicit:script.lab.test=ok" "tls:$S4:465:implicit:mail.lab.test=Hostname mismatch" \
  "dns:$D4:expired.lab.test:A=198.51.100.26" "dns:$D4:tls10.lab.test:AAAA=2001:db8:2::26" \
  "tls:$S4:3001:starttls:valid.lab.test=ok" "tls:$S6:3106:implicit:wild.lab.test=ok" \
  "tls:$S4:3102:implicit:expired.lab.test=certificate has expired" \
  "tls:$S6:3005:starttls:wrongname.lab.test=Hostname mismatch" \
  "tls:$S4:3110:implicit:noint.lab.test=unable to get local issuer certificate" \
  "auth:$M4:587:starttls=235" "auth:$M6:465:implicit=235" "auth:$S4:587:starttls:script.lab.test=235" \
  "send:$M4:25:user@lab.test=$LAB_DIR/mail/lab.test/user/new/*" \
  "send:$M6:2525:someone@example.test=$LAB_DIR/mail/relayed/new/*" \
  "send:$S6:25:user@lab.test=$LAB_DIR/script-mail/*.eml"

# The silent behaviour: no greeting; the server log shows the connection and no command.
probe --timeout 2 silent "banner:$S4:2606=timeout" "banner:$S4:2601=timeout"
sleep 0.3
silent_conn=$(awk '$3=="198.51.100.26:2606" && $5=="ACCEPT" {print $2}' "$LAB_DIR/scriptsmtp.log" | tail -1)
if [[ -n "$silent_conn" ]] && ! awk -v c="$silent_conn" '$2==c && $5=="RECV"' "$LAB_DIR/scriptsmtp.log" | grep . >/dev/null; then
  pass "scriptsmtp log: silent connection $silent_conn logged, no command received"
else
  fail "scriptsmtp log: silent connection not logged as expected ($silent_conn)"
fi

# ---------------------------------------------------------------------------
# fault_case NAME [probe options] CHECK...: apply, probe, clear
fault_case() {
  local name=$1; shift
  budget "fault $name"
  echo "--- fault $name"
  if bash "$FAULT" apply "$name" >/dev/null 2>&1; then pass "$name: applied"; else fail "$name: apply"; return; fi
  probe "$@"
  if bash "$FAULT" clear >/dev/null 2>&1; then pass "$name: cleared"; else fail "$name: clear"; fi
}

TO=(--timeout 2.5)
C=(); tcp_set "$M4" open timeout open open; tcp_set "$M6" open timeout open open
fault_case local_drop_465 "${TO[@]}" local_drop_465 "${C[@]}" "tcp:$S4:465=timeout"

C=()
tcp_set "$M4" open open "ECONNREFUSED icmp=3/3 from=192.0.2.10" open
tcp_set "$M6" open open "ECONNREFUSED icmp=1/4 from=2001:db8:1::10" open
fault_case local_reject_587 "${TO[@]}" local_reject_587 "${C[@]}"

C=(); tcp_set "$M4" open open ECONNREFUSED open; tcp_set "$M6" open open ECONNREFUSED open
fault_case local_reset_587 "${TO[@]}" local_reset_587 "${C[@]}"

budget "fault user_block"
echo "--- fault user_block"
if bash "$FAULT" apply user_block >/dev/null 2>&1; then pass "user_block: applied"; else fail "user_block: apply"; fi
C=(); tcp_set "$M4" timeout timeout timeout timeout; tcp_set "$M6" timeout timeout timeout timeout
probe --sdlab "${TO[@]}" "user_block(as $LAB_USER)" "${C[@]}" "tcp:$S4:2601=open" "tcp:$S6:2604=open"
C=(); tcp_set "$M4" open open open open; tcp_set "$M6" open open open open
probe "${TO[@]}" "user_block(as root)" "${C[@]}"
if bash "$FAULT" clear user_block >/dev/null 2>&1; then pass "user_block: cleared"; else fail "user_block: clear"; fi
probe --sdlab "${TO[@]}" "user_block(cleared, as $LAB_USER)" "tcp:$M4:25=open" "tcp:$M6:587=open"

C=(); tcp_set "$M4" timeout timeout timeout timeout; tcp_set "$M6" timeout timeout timeout timeout
fault_case upstream_drop_all "${TO[@]}" upstream_drop_all "${C[@]}" \
  "tcp:$S4:2601=open" "tcp:$S6:2604=open" "hop:$M4:25:1=192.0.2.1" "dns:$D4:mail.lab.test:A=198.51.100.25"
P4="EHOSTUNREACH icmp=3/13 from=203.0.113.2" P6="EACCES icmp=1/1 from=2001:db8:3::2"
C=(); tcp_set "$M4" "$P4" "$P4" "$P4" "$P4"; tcp_set "$M6" "$P6" "$P6" "$P6" "$P6"
fault_case upstream_prohibited --timeout 4 upstream_prohibited "${C[@]}" "tcp:$S4:2601=open"
C=(); tcp_set "$M4" open open open open; tcp_set "$M6" timeout timeout timeout timeout
fault_case ipv6_blackhole "${TO[@]}" ipv6_blackhole "${C[@]}" \
  "tcp:$S6:2601=timeout" "dns:$D4:mail.lab.test:AAAA=2001:db8:2::25" "dns:$D6:mail.lab.test:A=timeout" \
  "hop:$M6:25:1=2001:db8:1::1"
C=("tcp:$M4:25=open" "tcp:$M6:465=open")
fault_case upstream_drop_587 "${TO[@]}" upstream_drop_587 "${C[@]}" "tcp:$M4:587=timeout" "tcp:$M6:587=timeout" \
  "hop:$M4:587:1=192.0.2.1"
fault_case upstream_prohibited_587 "${TO[@]}" upstream_prohibited_587 "${C[@]}" "tcp:$M4:587=$P4" "tcp:$M6:587=$P6"
fault_case server_drop_587 "${TO[@]}" server_drop_587 "${C[@]}" "tcp:$M4:587=timeout" "tcp:$M6:587=timeout" \
  "hop:$M4:587:2=203.0.113.2"
budget "fault user_block_587"
echo "--- fault user_block_587"
if bash "$FAULT" apply user_block_587 >/dev/null 2>&1; then pass "user_block_587: applied"; else fail "user_block_587: apply"; fi
probe --sdlab "${TO[@]}" "user_block_587(as $LAB_USER)" "tcp:$M4:587=timeout" "tcp:$M6:587=timeout" "tcp:$M4:25=open" "tcp:$M6:465=open"
probe "${TO[@]}" "user_block_587(as root)" "tcp:$M4:587=open" "tcp:$M6:587=open"
if bash "$FAULT" clear user_block_587 >/dev/null 2>&1; then pass "user_block_587: cleared"; else fail "user_block_587: clear"; fi
check "fault.sh with: runs the command with the fault, then clears it" bash -c \
  "bash '$FAULT' with local_drop_465 -- bash -c \"bash '$FAULT' list | grep '^local_drop_465 .*APPLIED' >/dev/null\" && ! bash '$FAULT' list | grep APPLIED >/dev/null"
check "fault.sh with: passes the command's status on" bash -c "bash '$FAULT' with -- false; [[ \$? -eq 1 ]]"
fault_case dns_down "${TO[@]}" dns_down \
  "dns:$D4:mail.lab.test:A=timeout" "dnstcp:$D4:mail.lab.test:A=timeout" \
  "dns:$D6:mail.lab.test:AAAA=timeout" "dnstcp:$D6:lab.test:MX=timeout" \
  "tcp:$M4:25=open" "tcp:$M6:25=open" "banner:$M4:25=220 mail.lab.test"

budget "stacking"
echo "--- stacking and clear NAME"
check "apply two faults in sd-client" bash "$FAULT" apply local_drop_465 local_reset_587
check "fault.sh list shows both" bash -c "[[ \$(bash '$FAULT' list | grep -c APPLIED) -eq 2 ]]"
check "clear local_drop_465 only" bash "$FAULT" clear local_drop_465
probe "${TO[@]}" stacked "tcp:$M4:465=open" "tcp:$M4:587=ECONNREFUSED"
check "clear (all)" bash "$FAULT" clear
check "no fault table left" bash -c "! bash '$FAULT' list | grep APPLIED >/dev/null"
check "apply of an unknown fault fails" bash -c "! bash '$FAULT' apply no_such_fault"

# ---------------------------------------------------------------------------
budget "down"
echo "--- lab.sh down"
pids=$(cat "$LAB_DIR/scriptsmtp.pid" "$LAB_DIR/dnsmasq.pid" 2>/dev/null; head -1 "$LAB_DIR/postfix-queue/pid/master.pid" 2>/dev/null) || true
t=$SECONDS
if timeout 60 bash "$LAB" down >/dev/null 2>&1; then pass "lab.sh down ($((SECONDS - t))s)"; else fail "lab.sh down"; fi
LAB_IS_UP=0
left=""
for ns in "${LAB_NAMESPACES[@]}"; do
  lab_ns_exists "$ns" && left+=" netns:$ns"
  [[ -e "/etc/netns/$ns" ]] && left+=" /etc/netns/$ns"
done
[[ -e "$LAB_DIR" ]] && left+=" $LAB_DIR"
for p in $pids; do
  p=${p//[!0-9]/}
  [[ -n "$p" && -r "/proc/$p/stat" ]] || continue
  # A zombie is dead; reaping it is up to its parent (pid 1 after daemonizing).
  [[ $(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) == Z ]] && continue
  left+=" pid:$p($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | head -c 60))"
done
if [[ -z "$left" ]]; then pass "down left nothing behind"; else fail "down left:$left"; fi
check "down again (idempotent)" timeout 60 bash "$LAB" down
check "fault.sh clear with no lab is safe" bash "$FAULT" clear
