#!/usr/bin/env bash
# Network faults for the smtpdiag lab (needs `lab.sh up`).
#
#   tests/lab/fault.sh list             faults, where they act, which are applied
#   tests/lab/fault.sh apply NAME...    load fault(s)
#   tests/lab/fault.sh clear [NAME...]  remove the named faults, or all of them
#   tests/lab/fault.sh with [NAME...] -- CMD...
#                                       run CMD with exactly these faults (none: a
#                                       clean network) and no one else's: waits until
#                                       no fault is applied, applies NAMEs, runs CMD,
#                                       clears NAMEs; others' apply/clear wait meanwhile
#
# Each fault is a base chain named after the fault in the nft table
# `inet smtpdiag_fault` of one namespace, loaded from a multi-line rule file
# ($LAB_DIR/faults/NAME.nft). Faults in different hooks/namespaces stack;
# `clear` without a name deletes the table in every lab namespace.
# apply, clear and with serialise on $LAB_DIR/faults.lock (with holds it for
# the whole command, so concurrent test runners cannot clear or add faults
# under a running case); FAULT_LOCK_WAIT (default 300 s) bounds the wait.
#
# Faults:
#   local_drop_465       sd-client output: tcp dport 465 drop (security-plugin style block)
#   local_reject_587     sd-client output: tcp dport 587 reject (ICMP port-unreachable from this host)
#   local_reset_587      sd-client output: tcp dport 587 reject with tcp reset
#   user_block           sd-client output: skuid sdlab, tcp dport {25,465,587,2525} drop (root unaffected)
#   upstream_drop_all    sd-r1 forward:    tcp dport {25,465,587,2525} drop
#   upstream_prohibited  sd-r2 forward:    tcp dport {25,465,587,2525} reject, ICMP(v6) admin-prohibited
#   ipv6_blackhole       sd-r1 forward:    all IPv6 dropped (IPv4 fine)
#   dns_down             sd-server input:  udp/tcp dport 53 drop
#   user_block_587       sd-client output: skuid sdlab, tcp dport 587 drop (root and other ports unaffected)
#   upstream_drop_587    sd-r1 forward:    tcp dport 587 drop (other SMTP ports pass)
#   upstream_prohibited_587  sd-r2 forward: tcp dport 587 reject, ICMP(v6) admin-prohibited
#   server_drop_587      sd-server input:  tcp dport 587 drop (the destination itself ignores the SYN)
#   redirect_587         sd-r1 prerouting (nat): 587 to mail.lab.test goes to script.lab.test instead
#                        (a host that intercepts outgoing SMTP)
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

TABLE=smtpdiag_fault
SMTP_PORTS='{ 25, 465, 587, 2525 }'
FAULTS=(local_drop_465 local_reject_587 local_reset_587 user_block
        upstream_drop_all upstream_prohibited ipv6_blackhole dns_down
        user_block_587 upstream_drop_587 upstream_prohibited_587 server_drop_587 redirect_587)

# Each fault_NAME sets NS, HOOK, DESC and RULES (one nft statement per line),
# and TYPE/PRIO when the chain is not "type filter ... priority 0".
fault_local_drop_465() {
  NS=$LAB_NS_CLIENT HOOK=output
  DESC="client drops its own SYNs to port 465 (connect times out)"
  RULES="tcp dport 465 drop"
}
fault_local_reject_587() {
  NS=$LAB_NS_CLIENT HOOK=output
  DESC="client rejects port 587 with ICMP port-unreachable from itself"
  RULES="tcp dport 587 reject with icmpx type port-unreachable"
}
fault_local_reset_587() {
  NS=$LAB_NS_CLIENT HOOK=output
  DESC="client rejects port 587 with a TCP reset (connection refused)"
  RULES="tcp dport 587 reject with tcp reset"
}
fault_user_block() {
  NS=$LAB_NS_CLIENT HOOK=output
  DESC="user $LAB_USER may not connect to SMTP ports (cPanel SMTP_BLOCK style); root may"
  RULES="meta skuid $LAB_USER tcp dport $SMTP_PORTS drop"
}
fault_upstream_drop_all() {
  NS=$LAB_NS_R1 HOOK=forward
  DESC="first router silently drops SMTP ports"
  RULES="tcp dport $SMTP_PORTS drop"
}
fault_upstream_prohibited() {
  NS=$LAB_NS_R2 HOOK=forward
  DESC="second router answers SMTP ports with ICMP/ICMPv6 administratively prohibited"
  RULES="meta nfproto ipv4 tcp dport $SMTP_PORTS reject with icmp type admin-prohibited
meta nfproto ipv6 tcp dport $SMTP_PORTS reject with icmpv6 type admin-prohibited"
}
fault_ipv6_blackhole() {
  NS=$LAB_NS_R1 HOOK=forward
  DESC="first router drops all forwarded IPv6"
  RULES="meta nfproto ipv6 drop"
}
fault_dns_down() {
  NS=$LAB_NS_SERVER HOOK=input
  DESC="DNS server host drops all DNS queries (UDP and TCP)"
  RULES="udp dport 53 drop
tcp dport 53 drop"
}
fault_user_block_587() {
  NS=$LAB_NS_CLIENT HOOK=output
  DESC="user $LAB_USER may not connect to port 587 (a per-user rule); root and other ports may"
  RULES="meta skuid $LAB_USER tcp dport 587 drop"
}
fault_upstream_drop_587() {
  NS=$LAB_NS_R1 HOOK=forward
  DESC="first router silently drops port 587 only"
  RULES="tcp dport 587 drop"
}
fault_upstream_prohibited_587() {
  NS=$LAB_NS_R2 HOOK=forward
  DESC="second router answers port 587 only with ICMP/ICMPv6 administratively prohibited"
  RULES="meta nfproto ipv4 tcp dport 587 reject with icmp type admin-prohibited
meta nfproto ipv6 tcp dport 587 reject with icmpv6 type admin-prohibited"
}
fault_server_drop_587() {
  NS=$LAB_NS_SERVER HOOK=input
  DESC="the server host itself silently drops port 587 (its own firewall)"
  RULES="tcp dport 587 drop"
}
fault_redirect_587() {
  NS=$LAB_NS_R1 HOOK=prerouting TYPE=nat PRIO=-100
  DESC="first router sends port 587 for mail.lab.test to script.lab.test (SMTP interception)"
  RULES="ip daddr 198.51.100.25 tcp dport 587 dnat ip to 198.51.100.26
ip6 daddr 2001:db8:2::25 tcp dport 587 dnat ip6 to 2001:db8:2::26"
}

load_fault() {
  local name=$1
  declare -F "fault_$name" >/dev/null || lab_die "unknown fault: $name (see: fault.sh list)"
  TYPE=filter PRIO=0
  "fault_$name"
}

chain_present() { # chain_present NS CHAIN
  lab_in "$1" nft list chain inet "$TABLE" "$2" >/dev/null 2>&1
}

need_lab() {
  local ns
  for ns in "${LAB_NAMESPACES[@]}"; do
    lab_ns_exists "$ns" || lab_die "lab is not up (namespace $ns missing): run tests/lab/lab.sh up"
  done
}

cmd_apply() {
  (($#)) || lab_die "usage: fault.sh apply NAME..."
  need_lab
  local name file line
  for name in "$@"; do
    load_fault "$name"
    if chain_present "$NS" "$name"; then
      lab_log "fault $name already applied in $NS"
      continue
    fi
    mkdir -p "$LAB_DIR/faults"
    file=$LAB_DIR/faults/$name.nft
    {
      echo "# smtpdiag lab fault: $name -- $DESC"
      echo "table inet $TABLE {"
      echo "	chain $name {"
      echo "		type $TYPE hook $HOOK priority $PRIO; policy accept;"
      while IFS= read -r line; do
        [[ -n "$line" ]] && echo "		$line"
      done <<<"$RULES"
      echo "	}"
      echo "}"
    } >"$file"
    lab_in "$NS" nft -f "$file" || lab_die "nft rejected $file"
    lab_log "applied $name in $NS ($HOOK)"
  done
}

clear_one() {
  local name=$1 chains
  load_fault "$name"
  lab_ns_exists "$NS" || return 0
  if chain_present "$NS" "$name"; then
    lab_in "$NS" nft -f - <<EOF
flush chain inet $TABLE $name
delete chain inet $TABLE $name
EOF
    lab_log "cleared $name in $NS"
  fi
  # Drop the table once it holds no chain.
  if lab_in "$NS" nft list table inet "$TABLE" >/dev/null 2>&1; then
    chains=$(lab_in "$NS" nft list table inet "$TABLE" | awk '$1=="chain"' | wc -l)
    if ((chains == 0)); then lab_in "$NS" nft delete table inet "$TABLE"; fi
  fi
}

cmd_clear() {
  local ns name
  if (($#)); then
    for name in "$@"; do clear_one "$name"; done
    return 0
  fi
  for ns in "${LAB_NAMESPACES[@]}"; do
    lab_ns_exists "$ns" || continue
    if lab_in "$ns" nft list table inet "$TABLE" >/dev/null 2>&1; then
      lab_in "$ns" nft delete table inet "$TABLE"
      lab_log "cleared all faults in $ns"
    fi
  done
  return 0
}

# The fault lock (fd 8). Nested calls from a `with` command hold it already.
take_fault_lock() {
  [[ "${SMTPDIAG_FAULT_LOCK_HELD:-}" == "$LAB_DIR" ]] && return 0
  [[ -d "$LAB_DIR" ]] || return 0
  exec 8>>"$LAB_DIR/faults.lock"
  flock -w "${FAULT_LOCK_WAIT:-300}" 8 || lab_die "fault lock busy for ${FAULT_LOCK_WAIT:-300}s ($LAB_DIR/faults.lock)"
}
release_fault_lock() {
  [[ "${SMTPDIAG_FAULT_LOCK_HELD:-}" == "$LAB_DIR" ]] && return 0
  flock -u 8 2>/dev/null || true
}

any_fault_applied() {
  local ns
  for ns in "${LAB_NAMESPACES[@]}"; do
    lab_ns_exists "$ns" || continue
    lab_in "$ns" nft list table inet "$TABLE" >/dev/null 2>&1 && return 0
  done
  return 1
}

cmd_with() {
  local names=() rc end
  while (($#)) && [[ "$1" != -- ]]; do names+=("$1"); shift; done
  [[ "${1:-}" == -- ]] || lab_die "usage: fault.sh with [NAME...] -- CMD..."
  shift
  (($#)) || lab_die "usage: fault.sh with [NAME...] -- CMD..."
  [[ "${SMTPDIAG_FAULT_LOCK_HELD:-}" == "$LAB_DIR" ]] && lab_die "fault.sh with: nested use"
  need_lab
  local n
  for n in "${names[@]}"; do load_fault "$n"; done  # unknown names fail before waiting
  # Wait (without holding the lock, so their clear can run) until nobody's
  # fault is applied, then hold the lock.
  end=$((SECONDS + ${FAULT_LOCK_WAIT:-300}))
  while :; do
    take_fault_lock
    any_fault_applied || break
    release_fault_lock
    ((SECONDS < end)) || lab_die "fault.sh with: faults stayed applied for ${FAULT_LOCK_WAIT:-300}s (fault.sh list)"
    sleep 0.2
  done
  export SMTPDIAG_FAULT_LOCK_HELD=$LAB_DIR
  if ((${#names[@]})); then
    # Cleared however this ends (CMD failing, or this script killed).
    trap 'cmd_clear "${names[@]}" >/dev/null 2>&1 || true' EXIT
    trap 'exit 143' TERM INT HUP
    (cmd_apply "${names[@]}" >/dev/null 2>&1) || lab_die "could not apply ${names[*]}"
  fi
  rc=0
  "$@" 8>&- || rc=$?
  return "$rc"
}

cmd_list() {
  local name state
  for name in "${FAULTS[@]}"; do
    load_fault "$name"
    state=-
    if lab_ns_exists "$NS" && chain_present "$NS" "$name"; then state=APPLIED; fi
    printf '%-24s %-8s %-10s %-8s %s\n' "$name" "$state" "$NS" "$HOOK" "$DESC"
  done
}

main() {
  lab_require_root
  lab_check_dir
  local cmd=${1:-}
  shift || true
  case "$cmd" in
    apply) take_fault_lock; cmd_apply "$@" ;;
    clear) take_fault_lock; cmd_clear "$@" ;;
    with) cmd_with "$@" ;;
    list) cmd_list ;;
    *) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
}

main "$@"
