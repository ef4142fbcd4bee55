#!/usr/bin/env bash
# smtpdiag network fault lab.
#
#   tests/lab/lab.sh up        build namespaces, DNS, certificates, Postfix, script server
#   tests/lab/lab.sh down      remove everything (idempotent, safe when nothing is up)
#   tests/lab/lab.sh status    what is running
#   tests/lab/lab.sh check     exit 0 only when the lab is whole: namespaces,
#                              dnsmasq, Postfix, script server, listeners, and a
#                              name resolved from sd-client (says what is missing)
#   tests/lab/lab.sh exec CMD  = ip netns exec sd-client CMD
#   tests/lab/lab.sh reload    re-apply this script's DNS records and Postfix
#                              configuration to a running lab (dnsmasq restarted,
#                              postfix reload; namespaces, faults, script server kept)
#
# Topology (veth pairs):  sd-client -- sd-r1 -- sd-r2 -- sd-server
#   sd-client  192.0.2.10/24   2001:db8:1::10/64   default via r1
#   sd-r1      192.0.2.1/24    2001:db8:1::1/64    | 203.0.113.1/24  2001:db8:3::1/64
#   sd-r2      203.0.113.2/24  2001:db8:3::2/64    | 198.51.100.1/24 2001:db8:2::1/64
#   sd-server  198.51.100.25 / 2001:db8:2::25   Postfix        mail.lab.test
#              198.51.100.26 / 2001:db8:2::26   scriptsmtp.py  script.lab.test
#              198.51.100.53 / 2001:db8:2::53   dnsmasq        (zone lab.test)
#   Hops from the client: TTL 1 -> 192.0.2.1, TTL 2 -> 203.0.113.2, TTL 3 -> server.
#
# Postfix on 198.51.100.25 and [2001:db8:2::25]:
#   25    smtp, STARTTLS offered
#   587   submission, TLS required (STARTTLS), SASL AUTH PLAIN LOGIN
#   465   smtps (implicit TLS), SASL AUTH PLAIN LOGIN
#   2525  plain smtp, no TLS
#   2526  strict: STARTTLS offered, SASL after TLS, relays for SASL users only
#         (mynetworks = loopback), sender must be owned by the SASL login
#         (user@lab.test owns user@lab.test), nobody@lab.test -> 550 5.1.1;
#         Postfix's default smtpd_delay_reject=yes: a refused sender is
#         answered at RCPT TO
#   2527  as 2526 with smtpd_delay_reject=no: a refused sender at MAIL FROM
#   SASL: user@lab.test / labpass. Mail for user, alice, bob, postmaster and
#   test @lab.test lands in $LAB_DIR/mail/lab.test/LOCALPART/new/*, other
#   @lab.test addresses in $LAB_DIR/mail/lab.test/catchall/new/*, anything
#   relayed (allowed from 192.0.2.0/24 and 2001:db8:1::/64) in
#   $LAB_DIR/mail/relayed/new/*.
#   Nothing is ever delivered outside the lab.
#
# scriptsmtp.py on 198.51.100.26 and [2001:db8:2::26] (same ports on both):
#   25, 587  normal          465  implicit_tls       2525  closed (RST)
#   2601 greeting_delay:30   2602 greeting_421       2603 starttls_inject
#   2604 no_starttls         2605 slow               2606 silent
#   2607 accept_close        2608 binary             2609 mixed_codes
#   2610 long_line           2611 endless_multiline  2612 greeting_554
#   2613 bare_lf
#   Log: $LAB_DIR/scriptsmtp.log, accepted messages: $LAB_DIR/script-mail/.
#
# Certificate matrix, also scriptsmtp.py on 198.51.100.26 / [2001:db8:2::26]
# (certs.sh makes the certificates; each NAME.lab.test has A 198.51.100.26
# and AAAA 2001:db8:2::26). Port 3000+N: `normal` (STARTTLS), port 3100+N:
# `implicit_tls`, both serving NAME-chain.pem:
#    N  NAME        certificate                              connect as
#    1  valid       valid.lab.test, leaf + intermediate      valid.lab.test
#    2  expired     expired 5 days ago                       expired.lab.test
#    3  notyet      valid from now + 5 days                  notyet.lab.test
#    4  expiring    expires in 3 days                        expiring.lab.test
#    5  wrongname   CN/SAN other.lab.test                    wrongname.lab.test
#    6  wild        *.lab.test                               wild.lab.test
#    7  wildmiss    *.other.test                             wildmiss.lab.test
#    8  ipsan       SAN IP:198.51.100.26 only                198.51.100.26
#    9  selfsigned  self-signed leaf, sent alone             selfsigned.lab.test
#   10  noint       leaf only, intermediate not sent         noint.lab.test
#   11  rsa1024     RSA 1024-bit key                         rsa1024.lab.test
#   12  sha1        signed with SHA-1                        sha1.lab.test
#   13  tls10       valid, but the server speaks TLS 1.0 only tls10.lab.test
#   14  tls11       valid, the server speaks TLS 1.0 and 1.1  tls11.lab.test
#   15  noaia       leaf only, and it names no AIA           noaia.lab.test
#   16  aia404      leaf only, its AIA URI answers 404       aia404.lab.test
#   noint's AIA URI http://aia.lab.test/intermediate.der is served on port 80
#   of script.lab.test's addresses (scriptsmtp.py http_aia).
#   e.g. expired: STARTTLS on 3002, implicit TLS on 3102. Tests: run-cert-cases.sh.
#
# DNS (dnsmasq, zone lab.test): see dns_up; ok.lab.test is a fully configured
# sending domain (MX, SPF covering the client, mail.lab.test and script.lab.test,
# DMARC p=none, DKIM selector "lab"); lab.test's SPF covers only the client;
# permerror.lab.test's SPF has a typo ("includes:"), lookups.lab.test's needs 11
# DNS lookups, reject.lab.test has DMARC p=reject and neither SPF nor DKIM.
#
# State lives in ${SMTPDIAG_LAB_DIR:-/tmp/smtpdiag-lab}; certificates in
# $LAB_DIR/certs (root.pem is the CA to trust). Faults: tests/lab/fault.sh.
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

PF_CONF=$LAB_DIR/postfix
PF_QUEUE=$LAB_DIR/postfix-queue
PF_DATA=$LAB_DIR/postfix-data

SCRIPT_ADDRS=(198.51.100.26 '[2001:db8:2::26]')
SCRIPT_PORTS=(
  "25=normal" "587=normal" "465=implicit_tls"
  "2601=greeting_delay:30" "2602=greeting_421" "2603=starttls_inject" "2604=no_starttls"
  "2605=slow" "2606=silent" "2607=accept_close" "2608=binary" "2609=mixed_codes"
  "2610=long_line" "2611=endless_multiline" "2612=greeting_554" "2613=bare_lf"
  "80=http_aia"
)
# The certificate matrix: CERT_NAMES[N-1] is served on 3000+N (STARTTLS) and
# 3100+N (implicit TLS); see the table above.
CERT_NAMES=(valid expired notyet expiring wrongname wild wildmiss ipsan selfsigned noint rsa1024 sha1 tls10 tls11 noaia aia404)
cert_ports() {
  local i name opt
  for i in "${!CERT_NAMES[@]}"; do
    name=${CERT_NAMES[$i]}
    opt=",cert=$name"
    [[ "$name" == tls10 ]] && opt+=",tls=1.0"
    [[ "$name" == tls11 ]] && opt+=",tls=1.1"
    SCRIPT_PORTS+=("$((3001 + i))=normal$opt" "$((3101 + i))=implicit_tls$opt")
  done
}
cert_ports

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

need_cmds() {
  local missing=() c
  for c in ip nft dnsmasq postfix postconf saslpasswd2 openssl ping ss setsid timeout flock useradd; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
  done
  [[ -x "$LAB_PY" ]] || missing+=("$LAB_PY")
  ((${#missing[@]} == 0)) || lab_die "missing commands: ${missing[*]} (Debian: iproute2 nftables dnsmasq-base postfix sasl2-bin libsasl2-modules openssl iputils-ping util-linux passwd python3)"
}

# wait_until SECONDS CMD...: retry CMD every 0.1 s until it succeeds.
wait_until() {
  local limit=$1; shift
  local end=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < end)) || return 1
    sleep 0.1
  done
}

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

# The lock is fd 9 on this script; daemons are started with 9<&- so they
# do not inherit (and hold) it.
take_lock() {
  exec 9<"${BASH_SOURCE[0]}"
  flock -w 60 9 || lab_die "another lab.sh up/down is running"
}

# ---------------------------------------------------------------------------
# network
# ---------------------------------------------------------------------------

net_up() {
  local ns
  for ns in "${LAB_NAMESPACES[@]}"; do
    ip netns add "$ns"
    lab_in "$ns" ip link set lo up
    # Leave ICMP rate limits at their defaults; only forwarding changes.
    lab_in "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  done
  for ns in "$LAB_NS_R1" "$LAB_NS_R2"; do
    lab_in "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  done

  ip link add eth-r1 netns "$LAB_NS_CLIENT" type veth peer name eth-client netns "$LAB_NS_R1"
  ip link add eth-r2 netns "$LAB_NS_R1" type veth peer name eth-r1 netns "$LAB_NS_R2"
  ip link add eth-server netns "$LAB_NS_R2" type veth peer name eth-r2 netns "$LAB_NS_SERVER"

  # addr NS DEV ADDR...
  addr() {
    local ns=$1 dev=$2 a; shift 2
    for a in "$@"; do
      if [[ "$a" == *:* ]]; then
        lab_in "$ns" ip -6 addr add "$a" dev "$dev" nodad
      else
        lab_in "$ns" ip -4 addr add "$a" dev "$dev"
      fi
    done
    lab_in "$ns" ip link set "$dev" up
  }
  addr "$LAB_NS_CLIENT" eth-r1     192.0.2.10/24 2001:db8:1::10/64
  addr "$LAB_NS_R1"     eth-client 192.0.2.1/24  2001:db8:1::1/64
  addr "$LAB_NS_R1"     eth-r2     203.0.113.1/24 2001:db8:3::1/64
  addr "$LAB_NS_R2"     eth-r1     203.0.113.2/24 2001:db8:3::2/64
  addr "$LAB_NS_R2"     eth-server 198.51.100.1/24 2001:db8:2::1/64
  addr "$LAB_NS_SERVER" eth-r2     198.51.100.25/24 198.51.100.26/24 198.51.100.53/24 \
                                   2001:db8:2::25/64 2001:db8:2::26/64 2001:db8:2::53/64

  lab_in "$LAB_NS_CLIENT" ip -4 route add default via 192.0.2.1
  lab_in "$LAB_NS_CLIENT" ip -6 route add default via 2001:db8:1::1
  lab_in "$LAB_NS_R1" ip -4 route add 198.51.100.0/24 via 203.0.113.2
  lab_in "$LAB_NS_R1" ip -6 route add 2001:db8:2::/64 via 2001:db8:3::2
  lab_in "$LAB_NS_R2" ip -4 route add 192.0.2.0/24 via 203.0.113.1
  lab_in "$LAB_NS_R2" ip -6 route add 2001:db8:1::/64 via 2001:db8:3::1
  lab_in "$LAB_NS_SERVER" ip -4 route add default via 198.51.100.1
  lab_in "$LAB_NS_SERVER" ip -6 route add default via 2001:db8:2::1

  # Per-namespace resolver and hosts files (ip netns exec bind-mounts them),
  # so nothing in the lab ever asks the host's resolver.
  for ns in "${LAB_NAMESPACES[@]}"; do
    mkdir -p "/etc/netns/$ns"
    printf '127.0.0.1 localhost\n::1 localhost\n' >"/etc/netns/$ns/hosts"
    printf 'nameserver 198.51.100.53\noptions timeout:2 attempts:2\n' >"/etc/netns/$ns/resolv.conf"
  done
  # The server needs no DNS (Postfix only delivers locally): point it at a
  # closed local port so lookups fail fast even while dns_down is applied.
  printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"/etc/netns/$LAB_NS_SERVER/resolv.conf"
  cat >>"/etc/netns/$LAB_NS_SERVER/hosts" <<'EOF'
198.51.100.25 mail.lab.test
2001:db8:2::25 mail.lab.test
198.51.100.26 script.lab.test
2001:db8:2::26 script.lab.test
EOF
}

net_verify() {
  local t ok
  for t in 192.0.2.1 203.0.113.2 198.51.100.25 198.51.100.26 198.51.100.53 \
           2001:db8:1::1 2001:db8:3::2 2001:db8:2::25 2001:db8:2::26 2001:db8:2::53; do
    ok=0
    for _ in 1 2 3; do
      if lab_in "$LAB_NS_CLIENT" ping -q -n -c 1 -W 2 "$t" >/dev/null 2>&1; then ok=1; break; fi
    done
    ((ok)) || lab_die "ping from $LAB_NS_CLIENT to $t failed"
  done
}

# ---------------------------------------------------------------------------
# DNS
# ---------------------------------------------------------------------------

# The DKIM key of ok.lab.test (selector "lab"): made once per lab, kept by reload.
dkim_public_key() {
  local key=$LAB_DIR/dkim-ok.lab.test.key
  [[ -s "$key" ]] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$key" 2>/dev/null
  openssl pkey -in "$key" -pubout 2>/dev/null | grep -v -- '-----' | tr -d '\n'
}

dns_up() {
  local cert_records=() n dkim
  for n in "${CERT_NAMES[@]}"; do cert_records+=("--host-record=$n.lab.test,198.51.100.26,2001:db8:2::26"); done
  dkim=$(dkim_public_key)
  [[ -n "$dkim" ]] || lab_die "could not make the DKIM key of ok.lab.test"
  lab_in "$LAB_NS_SERVER" dnsmasq \
    --conf-file=/dev/null \
    --pid-file="$LAB_DIR/dnsmasq.pid" \
    --log-facility="$LAB_DIR/dnsmasq.log" --log-queries \
    --user=root --group=root \
    --port=53 \
    --listen-address=198.51.100.53 --listen-address=2001:db8:2::53 \
    --bind-interfaces --no-resolv --no-hosts --no-poll \
    --local=/test/ \
    --host-record=mail.lab.test,198.51.100.25,2001:db8:2::25 \
    --host-record=script.lab.test,198.51.100.26,2001:db8:2::26 \
    --host-record=aia.lab.test,198.51.100.26,2001:db8:2::26 \
    --host-record=v4only.lab.test,198.51.100.25 \
    --host-record=v6only.lab.test,2001:db8:2::25 \
    "${cert_records[@]}" \
    --mx-host=lab.test,mail.lab.test,10 \
    --txt-record=lab.test,"v=spf1 ip4:192.0.2.10 -all" \
    --mx-host=ok.lab.test,mail.lab.test,10 \
    --txt-record=ok.lab.test,"v=spf1 ip4:192.0.2.10 ip4:198.51.100.25 ip4:198.51.100.26 ip6:2001:db8:2::25 ip6:2001:db8:2::26 -all" \
    --txt-record=_dmarc.ok.lab.test,"v=DMARC1; p=none; rua=mailto:postmaster@ok.lab.test" \
    --txt-record=lab._domainkey.ok.lab.test,"v=DKIM1; k=rsa; p=$dkim" \
    --txt-record=permerror.lab.test,"v=spf1 ip4:198.51.100.25 includes:ok.lab.test -all" \
    --txt-record=lookups.lab.test,"v=spf1 $(printf 'a:script.lab.test %.0s' {1..11})-all" \
    --txt-record=_dmarc.reject.lab.test,"v=DMARC1; p=reject" 9<&-
  wait_until 5 test -s "$LAB_DIR/dnsmasq.pid" || lab_die "dnsmasq did not start (see $LAB_DIR/dnsmasq.log)"
}

# ---------------------------------------------------------------------------
# Postfix
# ---------------------------------------------------------------------------

postfix_config() {
  local uid gid
  uid=$(id -u postfix) gid=$(id -g postfix)
  mkdir -p "$PF_CONF/sasl" "$LAB_DIR/mail"
  chown "$uid:$gid" "$LAB_DIR/mail"

  cat >"$PF_CONF/main.cf" <<EOF
# Generated by tests/lab/lab.sh for the smtpdiag lab. Runs in netns $LAB_NS_SERVER.
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $PF_DATA
mail_owner = postfix
setgid_group = postdrop
maillog_file = $LAB_DIR/postfix.log
maillog_file_prefixes = $LAB_DIR
readme_directory = no
biff = no
append_dot_mydomain = no

myhostname = mail.lab.test
mydomain = lab.test
myorigin = lab.test
mydestination =
inet_interfaces = 198.51.100.25, [2001:db8:2::25]
inet_protocols = all
mynetworks = 127.0.0.0/8, [::1]/128, 192.0.2.0/24, [2001:db8:1::]/64
smtpd_banner = \$myhostname ESMTP smtpdiag-lab Postfix
smtpd_peername_lookup = no
message_size_limit = 10240000
recipient_delimiter = +

# Delivery: everything into Maildirs under $LAB_DIR/mail, never out of the lab.
alias_maps =
alias_database =
local_recipient_maps =
local_transport = error:5.1.1 local delivery is disabled in the lab
virtual_mailbox_domains = lab.test
virtual_mailbox_base = $LAB_DIR/mail
virtual_mailbox_maps = regexp:$PF_CONF/vmailbox.regexp
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
virtual_minimum_uid = 1
default_transport = virtual
relay_transport = virtual
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination

# TLS
smtpd_tls_chain_files = $LAB_DIR/certs/mail.key, $LAB_DIR/certs/mail-chain.pem
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes

# SASL (Cyrus, sasldb), switched on per service in master.cf
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $PF_CONF/sasl
smtpd_sasl_auth_enable = no
smtpd_sasl_security_options = noanonymous
smtpd_tls_auth_only = yes
EOF

  # Service table. chroot is "n" everywhere.
  cat >"$PF_CONF/master.cf" <<'EOF'
# service  type  private unpriv chroot wakeup maxproc command + args
25         inet  n       -      n      -      -       smtpd
  -o syslog_name=postfix/smtp25
587        inet  n       -      n      -      -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
465        inet  n       -      n      -      -       smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
2525       inet  n       -      n      -      -       smtpd
  -o syslog_name=postfix/plain2525
  -o smtpd_tls_security_level=none
2526       inet  n       -      n      -      -       smtpd
  -o syslog_name=postfix/strict2526
  -o mynetworks=127.0.0.0/8
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject_unauth_destination
  -o smtpd_sender_login_maps=regexp:$config_directory/sender_login.regexp
  -o smtpd_sender_restrictions=reject_sender_login_mismatch
  -o smtpd_recipient_restrictions=check_recipient_access,regexp:$config_directory/recipient_access.regexp
2527       inet  n       -      n      -      -       smtpd
  -o syslog_name=postfix/strict2527
  -o mynetworks=127.0.0.0/8
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_delay_reject=no
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject_unauth_destination
  -o smtpd_sender_login_maps=regexp:$config_directory/sender_login.regexp
  -o smtpd_sender_restrictions=reject_sender_login_mismatch
  -o smtpd_recipient_restrictions=check_recipient_access,regexp:$config_directory/recipient_access.regexp
pickup     unix  n       -      n      60     1       pickup
cleanup    unix  n       -      n      -      0       cleanup
qmgr       unix  n       -      n      300    1       qmgr
tlsmgr     unix  -       -      n      1000?  1       tlsmgr
rewrite    unix  -       -      n      -      -       trivial-rewrite
bounce     unix  -       -      n      -      0       bounce
defer      unix  -       -      n      -      0       bounce
trace      unix  -       -      n      -      0       bounce
verify     unix  -       -      n      -      1       verify
flush      unix  n       -      n      1000?  0       flush
proxymap   unix  -       -      n      -      -       proxymap
proxywrite unix  -       -      n      -      1       proxymap
smtp       unix  -       -      n      -      -       smtp
relay      unix  -       -      n      -      -       smtp
showq      unix  n       -      n      -      -       showq
error      unix  -       -      n      -      -       error
retry      unix  -       -      n      -      -       error
discard    unix  -       -      n      -      -       discard
local      unix  -       n      n      -      -       local
virtual    unix  -       n      n      -      -       virtual
anvil      unix  -       -      n      -      1       anvil
scache     unix  -       -      n      -      1       scache
postlog    unix-dgram n  -      n      -      1       postlogd
EOF

  # virtual(8) forbids regexp substitution, so: a rule per named mailbox
  # (with or without +extension), a catch-all for the rest of lab.test and
  # one box for everything relayed.
  {
    local u
    for u in user alice bob postmaster test; do
      printf '/^%s(\\+[^@]*)?@lab\\.test$/\tlab.test/%s/\n' "$u" "$u"
    done
    printf '/@lab\\.test$/\tlab.test/catchall/\n'
    printf '/@/\trelayed/\n'
  } >"$PF_CONF/vmailbox.regexp"

  # Ports 2526/2527: who may send as whom, and a recipient that does not exist.
  printf '/^user@lab\\.test$/\tuser@lab.test\n' >"$PF_CONF/sender_login.regexp"
  printf '/^nobody@lab\\.test$/\t550 5.1.1 User unknown\n' >"$PF_CONF/recipient_access.regexp"

  # Cyrus SASL: sasldb with user@lab.test / labpass.
  cat >"$PF_CONF/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $LAB_DIR/sasldb2
EOF
  printf 'labpass' | saslpasswd2 -f "$LAB_DIR/sasldb2" -p -c -u lab.test user
  chown root:postfix "$LAB_DIR/sasldb2"
  chmod 0640 "$LAB_DIR/sasldb2"

  mkdir -p "$PF_QUEUE" "$PF_DATA"
  chown root:root "$PF_QUEUE"
  chown postfix:root "$PF_DATA"
  chmod 0755 "$PF_QUEUE"
  chmod 0700 "$PF_DATA"
  touch "$LAB_DIR/postfix.log"
}

postfix_up() {
  postfix_config
  timeout 30 ip netns exec "$LAB_NS_SERVER" postfix -c "$PF_CONF" check >"$LAB_DIR/postfix-check.log" 2>&1 \
    || { cat "$LAB_DIR/postfix-check.log" >&2; lab_die "postfix check failed"; }
  timeout 30 ip netns exec "$LAB_NS_SERVER" postfix -c "$PF_CONF" start >"$LAB_DIR/postfix-start.log" 2>&1 9<&- \
    || { cat "$LAB_DIR/postfix-start.log" "$LAB_DIR/postfix.log" >&2; lab_die "postfix start failed"; }
}

postfix_down() {
  if [[ -f "$PF_CONF/main.cf" ]] && lab_ns_exists "$LAB_NS_SERVER"; then
    timeout 20 ip netns exec "$LAB_NS_SERVER" postfix -c "$PF_CONF" stop >/dev/null 2>&1 || true
  fi
}

# ---------------------------------------------------------------------------
# scriptable SMTP server
# ---------------------------------------------------------------------------

script_up() {
  local args=() a p
  for a in "${SCRIPT_ADDRS[@]}"; do
    for p in "${SCRIPT_PORTS[@]}"; do args+=(--listen "$a:$p"); done
  done
  mkdir -p "$LAB_DIR/script-mail"
  ip netns exec "$LAB_NS_SERVER" setsid "$LAB_PY" "$LAB_HERE/scriptsmtp.py" \
    --cert "$LAB_DIR/certs/script-chain.pem" --key "$LAB_DIR/certs/script.key" --cert-dir "$LAB_DIR/certs" \
    --log "$LAB_DIR/scriptsmtp.log" --pidfile "$LAB_DIR/scriptsmtp.pid" \
    --spool "$LAB_DIR/script-mail" "${args[@]}" \
    </dev/null >>"$LAB_DIR/scriptsmtp.stderr" 2>&1 9<&- &
  wait_until 10 test -s "$LAB_DIR/scriptsmtp.pid" \
    || { cat "$LAB_DIR/scriptsmtp.stderr" >&2; lab_die "scriptsmtp.py did not start"; }
}

# ---------------------------------------------------------------------------
# readiness
# ---------------------------------------------------------------------------

listeners_ready() {
  local have want absent=0
  have=$(ip netns exec "$LAB_NS_SERVER" ss -Htln | awk '{print $4}')
  for want in 198.51.100.25:25 198.51.100.25:465 198.51.100.25:587 198.51.100.25:2525 198.51.100.25:2526 198.51.100.25:2527 \
              '[2001:db8:2::25]:25' '[2001:db8:2::25]:465' '[2001:db8:2::25]:587' '[2001:db8:2::25]:2525' \
              198.51.100.26:25 198.51.100.26:465 198.51.100.26:587 198.51.100.26:2613 \
              '[2001:db8:2::26]:25' '[2001:db8:2::26]:2613' \
              198.51.100.26:3001 198.51.100.26:3116 '[2001:db8:2::26]:3001' '[2001:db8:2::26]:3116' \
              198.51.100.26:80 '[2001:db8:2::26]:80' \
              198.51.100.53:53 '[2001:db8:2::53]:53'; do
    grep -qxF -- "$want" <<<"$have" || absent=1
  done
  return $absent
}

# ---------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------

cmd_up() {
  lab_require_root
  lab_check_dir
  need_cmds
  take_lock
  local t0=$SECONDS
  if lab_any_up; then
    lab_log "lab (or leftovers) present: tearing down first"
    do_down
  fi
  # shellcheck disable=SC2154  # rc is set inside the trap
  trap 'rc=$?; if ((rc)); then lab_log "up failed (exit $rc): cleaning up"; do_down; fi' EXIT
  trap 'exit 143' TERM INT HUP
  mkdir -p "$LAB_DIR"
  chmod 0755 "$LAB_DIR"
  touch "$LAB_DIR/$LAB_MARKER"

  id -u "$LAB_USER" >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin "$LAB_USER"

  lab_log "network"
  net_up
  lab_log "certificates"
  bash "$LAB_HERE/certs.sh" "$LAB_DIR/certs"
  lab_log "dnsmasq"
  dns_up
  lab_log "postfix"
  postfix_up
  lab_log "scriptsmtp"
  script_up
  wait_until 20 listeners_ready || { ip netns exec "$LAB_NS_SERVER" ss -Htln >&2; lab_die "listeners did not come up"; }
  lab_log "verifying reachability (ping v4+v6) and DNS"
  net_verify
  wait_until 10 cmd_check 2>/dev/null || { cmd_check; lab_die "the lab is not whole (see above)"; }
  trap - EXIT TERM INT HUP
  lab_log "up in $((SECONDS - t0))s; state in $LAB_DIR"
}

lab_any_up() {
  local ns
  for ns in "${LAB_NAMESPACES[@]}"; do
    lab_ns_exists "$ns" && return 0
    [[ -e "/etc/netns/$ns" ]] && return 0
  done
  [[ -e "$LAB_DIR" ]]
}

kill_ns_procs() {
  local ns pids p round
  for round in TERM TERM TERM TERM TERM TERM TERM TERM TERM TERM KILL; do
    pids=()
    for ns in "${LAB_NAMESPACES[@]}"; do
      lab_ns_exists "$ns" || continue
      for p in $(ip netns pids "$ns" 2>/dev/null); do pids+=("$p"); done
    done
    ((${#pids[@]})) || return 0
    for p in "${pids[@]}"; do kill "-$round" "$p" 2>/dev/null || true; done
    sleep 0.3
  done
}

do_down() {
  set +e
  postfix_down
  kill_ns_procs
  # Processes recorded in pid files whose namespace is already gone.
  local f p ns
  for f in "$LAB_DIR/scriptsmtp.pid" "$LAB_DIR/dnsmasq.pid"; do
    [[ -f "$f" ]] || continue
    p=$(head -c 32 "$f" | tr -dc 0-9)
    if pid_alive "$p" && grep -qaE 'scriptsmtp.py|dnsmasq' "/proc/$p/cmdline" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null; sleep 0.3; kill -KILL "$p" 2>/dev/null
    fi
  done
  for ns in "${LAB_NAMESPACES[@]}"; do
    lab_ns_exists "$ns" && ip netns del "$ns"
    rm -rf "/etc/netns/$ns"
  done
  rmdir /etc/netns 2>/dev/null
  if [[ -d "$LAB_DIR" ]]; then
    if [[ -f "$LAB_DIR/$LAB_MARKER" ]]; then
      rm -rf "$LAB_DIR"
    else
      lab_log "WARNING: $LAB_DIR has no $LAB_MARKER marker: left in place"
    fi
  fi
  set -e
  return 0
}

cmd_down() {
  lab_require_root
  lab_check_dir
  take_lock
  local t0=$SECONDS
  do_down
  local ns
  for ns in "${LAB_NAMESPACES[@]}"; do
    lab_ns_exists "$ns" && lab_die "namespace $ns still present"
  done
  lab_log "down in $((SECONDS - t0))s"
}

# reload: bring a running lab up to date with this script's DNS records and
# Postfix configuration (for a lab brought up by an older lab.sh). dnsmasq is
# restarted (DNS is gone for a fraction of a second), Postfix reloaded
# gracefully; namespaces, faults, certificates and the script server stay.
cmd_reload() {
  lab_require_root
  lab_check_dir
  take_lock
  local ns p
  for ns in "${LAB_NAMESPACES[@]}"; do
    lab_ns_exists "$ns" || lab_die "lab is not up (namespace $ns missing): run lab.sh up"
  done
  [[ -f "$LAB_DIR/$LAB_MARKER" && -f "$PF_CONF/main.cf" ]] || lab_die "no lab state in $LAB_DIR: run lab.sh up"
  p=$(head -c 32 "$LAB_DIR/dnsmasq.pid" 2>/dev/null | tr -dc 0-9)
  if pid_alive "$p" && grep -qa dnsmasq "/proc/$p/cmdline" 2>/dev/null; then
    kill -TERM "$p"
    wait_until 5 bash -c "! kill -0 $p" || kill -KILL "$p" 2>/dev/null || true
  fi
  rm -f "$LAB_DIR/dnsmasq.pid"
  lab_log "dnsmasq"
  dns_up
  lab_log "postfix reload"
  postfix_config
  timeout 30 ip netns exec "$LAB_NS_SERVER" postfix -c "$PF_CONF" check >"$LAB_DIR/postfix-check.log" 2>&1 \
    || { cat "$LAB_DIR/postfix-check.log" >&2; lab_die "postfix check failed"; }
  timeout 30 ip netns exec "$LAB_NS_SERVER" postfix -c "$PF_CONF" reload >/dev/null 2>&1 9<&- \
    || lab_die "postfix reload failed"
  wait_until 20 listeners_ready || { ip netns exec "$LAB_NS_SERVER" ss -Htln >&2; lab_die "listeners did not come up"; }
  lab_log "reloaded"
}

cmd_status() {
  lab_check_dir
  local ns any=0
  for ns in "${LAB_NAMESPACES[@]}"; do
    if lab_ns_exists "$ns"; then
      any=1
      printf 'netns %-10s up   processes: %s\n' "$ns" "$(ip netns pids "$ns" 2>/dev/null | wc -l)"
      if lab_in "$ns" nft list table inet smtpdiag_fault >/dev/null 2>&1; then
        printf '      %-10s fault chains: %s\n' "$ns" \
          "$(lab_in "$ns" nft list table inet smtpdiag_fault | awk '$1=="chain"{printf "%s ", $2}')"
      fi
    else
      printf 'netns %-10s down\n' "$ns"
    fi
  done
  local f p
  for f in dnsmasq scriptsmtp; do
    p=$(cat "$LAB_DIR/$f.pid" 2>/dev/null || true)
    if pid_alive "$p"; then echo "$f: running (pid $p)"; else echo "$f: not running"; fi
  done
  p=$(head -1 "$PF_QUEUE/pid/master.pid" 2>/dev/null | tr -dc 0-9 || true)
  if pid_alive "$p"; then echo "postfix: running (master pid $p)"; else echo "postfix: not running"; fi
  if lab_ns_exists "$LAB_NS_SERVER"; then
    echo "listening in $LAB_NS_SERVER:"
    ip netns exec "$LAB_NS_SERVER" ss -Htln | awk '{print "  " $4}' | sort -V | tr '\n' ' '
    echo
  fi
  [[ -d "$LAB_DIR" ]] && echo "state dir: $LAB_DIR" || echo "state dir: absent"
  ((any)) || return 3
}

# check: is the lab whole? One line per missing piece on stderr; exit 1 if any.
cmd_check() {
  local bad=0 ns p f
  say() { echo "lab check: $*" >&2; bad=1; }
  for ns in "${LAB_NAMESPACES[@]}"; do lab_ns_exists "$ns" || say "namespace $ns missing"; done
  ((bad)) && return 1
  [[ -f "$LAB_DIR/$LAB_MARKER" ]] || say "no state in $LAB_DIR"
  for f in dnsmasq scriptsmtp; do
    p=$(head -c 32 "$LAB_DIR/$f.pid" 2>/dev/null | tr -dc 0-9)
    pid_alive "$p" || say "$f is not running"
  done
  p=$(head -1 "$PF_QUEUE/pid/master.pid" 2>/dev/null | tr -dc 0-9 || true)
  pid_alive "$p" || say "postfix is not running"
  listeners_ready || say "not every listener is up in $LAB_NS_SERVER"
  # A fault (or any other firewall table) left behind by a run that was cut
  # short changes what every later test sees.
  for ns in "${LAB_NAMESPACES[@]}"; do
    p=$(ip netns exec "$ns" nft list tables 2>/dev/null | tr '\n' ' ')
    [[ -z $p ]] || say "firewall tables left in $ns: $p(tests/lab/fault.sh clear removes faults)"
  done
  local got
  got=$(timeout 10 ip netns exec "$LAB_NS_CLIENT" getent ahostsv4 mail.lab.test 2>&1 | awk 'NR==1{print $1}')
  [[ $got == 198.51.100.25 ]] || say "mail.lab.test does not resolve in $LAB_NS_CLIENT (got '${got}'; resolv.conf there: $(ip netns exec "$LAB_NS_CLIENT" cat /etc/resolv.conf 2>&1 | tr '\n' ' '))"
  ((bad == 0))
}

usage() {
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}

main() {
  local cmd=${1:-}
  shift || true
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    check) cmd_check ;;
    reload) cmd_reload ;;
    exec)
      (($#)) || usage
      exec ip netns exec "$LAB_NS_CLIENT" "$@" ;;
    *) usage ;;
  esac
}

main "$@"
