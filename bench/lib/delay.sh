#!/usr/bin/env bash
# Adds a fixed delay to every packet the lab's first router (sd-r1)
# forwards, both ways, with bench/delay_link (a TUN device; this kernel has
# no sch_netem). Comparison 2b uses it to measure under a real round trip.
#   delay.sh on DELAY_LINK_BIN MS_EACH_WAY
#   delay.sh off
# Only the lab's own namespace is touched; `off` undoes all of it and is
# safe to run when nothing is on.
set -euo pipefail
ns=sd-r1 dev=sd-delay table=77 pref=77
pidfile=/tmp/smtpdiag-bench-delay.pid
ifaces=(eth-client eth-r2)

off() {
  if [[ -f $pidfile ]]; then
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  fi
  local fam
  for fam in -4 -6; do
    while ip -n "$ns" "$fam" rule del pref "$pref" 2>/dev/null; do :; done
    ip -n "$ns" "$fam" route flush table "$table" 2>/dev/null || true
  done
  # The device goes with the process; wait for it so a next `on` can reuse the name.
  local i
  for i in $(seq 1 50); do
    ip -n "$ns" link show "$dev" >/dev/null 2>&1 || return 0
    sleep 0.05
  done
  echo "delay.sh: $dev still present in $ns" >&2
  return 1
}

on() {
  local bin=$1 ms=$2 i
  off
  ip netns exec "$ns" "$bin" "$dev" "$ms" 2>/tmp/smtpdiag-bench-delay.log &
  echo $! >"$pidfile"
  for i in $(seq 1 50); do
    ip -n "$ns" link show "$dev" >/dev/null 2>&1 && break
    sleep 0.05
  done
  ip -n "$ns" link show "$dev" >/dev/null 2>&1 || { echo "delay.sh: delay_link did not start: $(cat /tmp/smtpdiag-bench-delay.log)" >&2; off; return 1; }
  ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 "net.ipv4.conf.$dev.rp_filter=0" \
    "net.ipv4.conf.$dev.forwarding=1" "net.ipv6.conf.$dev.forwarding=1"
  ip -n "$ns" link set "$dev" up
  local fam ifc
  for fam in -4 -6; do
    ip -n "$ns" "$fam" route add default dev "$dev" table "$table"
    # Forwarded packets from either side go through the delay; packets
    # written back by delay_link arrive on $dev and take the main table.
    for ifc in "${ifaces[@]}"; do ip -n "$ns" "$fam" rule add iif "$ifc" lookup "$table" pref "$pref"; done
  done
}

case ${1:-} in
  on) on "$2" "$3" ;;
  off) off ;;
  *) echo "usage: delay.sh on DELAY_LINK_BIN MS_EACH_WAY | off" >&2; exit 2 ;;
esac
