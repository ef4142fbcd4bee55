#!/bin/bash
# smtpdiag_check_domain() against local servers only (127.0.0.1):
#   domain_dns_server.py   the zones of zones.yaml, UDP+TCP, one port per set,
#                          with SERVFAIL/TIMEOUT/TRUNCATE/NXDOMAIN faults
#   https_policy_server.py MTA-STS policies on 127.0.0.1:443 (certificates
#                          from a throwaway CA this script makes; the PHP
#                          process trusts it through SSL_CERT_FILE)
#   relay_smtp_server.py   a relay whose EHLO reply says "[192.0.2.77]"
# and the cases of cases.php, one PHP process per group (a crash loses one
# group, not the run).
#
#   tests/domain/run.sh EXTENSION_SO
#
# Needs root (port 443), /usr/bin/python3 with dnslib, yaml; openssl; php.
# Ends with exactly one line "domain checks: N passed, N failed"; exit 0
# only when none failed. Bounded (< 3 min); every process it starts and
# every temporary file is removed on exit.
set -u

SO=${1:-}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
PHP=${PHP:-php}
T0=$SECONDS
BUDGET=${DOMAIN_BUDGET:-160}

passed=0
failed=0
summary() { echo "domain checks: $passed passed, $failed failed"; }
fail_all() { # a setup failure: one failed check that says why
	echo "not ok - setup: $1"
	failed=$((failed + 1))
	summary
	exit 1
}

TMP=$(mktemp -d /tmp/smtpdiag-domain.XXXXXX) || { echo "not ok - setup: mktemp"; echo "domain checks: 0 passed, 1 failed"; exit 1; }
PIDS=()     # the servers
CHILD=      # the running group (timeout + php)
interrupted=
cleanup() {
	exec 3>&- 2>/dev/null  # servers exit when their stdin closes...
	[ -n "$CHILD" ] && kill "$CHILD" 2>/dev/null  # timeout passes it on to php
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done  # ...or now
	for p in $CHILD "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
	if [ -n "$interrupted" ]; then
		echo "not ok - interrupted by a signal"
		failed=$((failed + 1))
		summary
	fi
}
trap cleanup EXIT
trap 'interrupted=1; exit 1' INT TERM HUP

[ -n "$SO" ] && [ -f "$SO" ] || fail_all "usage: run.sh EXTENSION_SO (got '${SO}')"
SO=$(cd "$(dirname "$SO")" && pwd)/$(basename "$SO")
command -v "$PHP" >/dev/null || fail_all "php not found"
command -v openssl >/dev/null || fail_all "openssl not found"
$PY -c 'import dnslib, yaml' 2>/dev/null || fail_all "$PY lacks dnslib or yaml (apt-get install python3-dnslib python3-yaml)"
[ "$(id -u)" = 0 ] || fail_all "must run as root (the MTA-STS policy server listens on 127.0.0.1:443)"

# --- keys, the long record, certificates -------------------------------------
gen() { openssl genpkey "$@" 2>/dev/null; }
spki_b64() { openssl pkey -pubout -outform DER 2>/dev/null | base64 -w0; }
{
	RSA2048=$(gen -algorithm RSA -pkeyopt rsa_keygen_bits:2048 | spki_b64)
	RSA1024=$(gen -algorithm RSA -pkeyopt rsa_keygen_bits:1024 | spki_b64)
	RSA512=$(gen -algorithm RSA -pkeyopt rsa_keygen_bits:512 | spki_b64)
	# DKIM ed25519 (RFC 8463): p= is the raw 32-byte key, not an SPKI.
	ED25519=$(gen -algorithm ed25519 | openssl pkey -pubout -outform DER 2>/dev/null | tail -c 32 | base64 -w0)
} || fail_all "openssl key generation"
[ -n "$RSA2048" ] && [ -n "$RSA1024" ] && [ -n "$RSA512" ] && [ -n "$ED25519" ] || fail_all "openssl key generation"
RSA2048=$RSA2048 RSA1024=$RSA1024 RSA512=$RSA512 ED25519=$ED25519 $PY - "$TMP/vars.json" <<'EOF' || fail_all "vars.json"
import json, os, sys
# 10,000 characters exactly: ip4: terms (no lookups), padding spaces
# (RFC 7208 allows 1*SP between terms), then the one that matches.
tail = " ip4:192.0.2.10 -all"
s, n = "v=spf1", 0
while len(s) + 20 + len(tail) < 10000:
    s += " ip4:198.51.100.%d" % (n % 254 + 1)
    n += 1
s += " " * (10000 - len(s) - len(tail)) + tail
assert len(s) == 10000
json.dump({"DKIM_RSA2048": os.environ["RSA2048"], "DKIM_RSA1024": os.environ["RSA1024"],
           "DKIM_RSA512": os.environ["RSA512"], "DKIM_ED25519": os.environ["ED25519"],
           "BIG_SPF": s}, open(sys.argv[1], "w"))
EOF

CERTS=$TMP/certs
mkdir -p "$CERTS"
mkca() { # name
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=smtpdiag test $1" -keyout "$TMP/$1.key" -out "$TMP/$1.pem" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
mkcert() { # ca out-name SAN...
	local ca=$1 out=$2
	shift 2
	local san
	san=$(printf 'DNS:%s,' "$@")
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$1" \
		-keyout "$CERTS/$out.key" -out "$TMP/$out.csr" 2>/dev/null &&
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n' \
		"${san%,}" >"$TMP/$out.ext" &&
	openssl x509 -req -in "$TMP/$out.csr" -CA "$TMP/$ca.pem" -CAkey "$TMP/$ca.key" -CAcreateserial \
		-days 2 -extfile "$TMP/$out.ext" -out "$CERTS/$out.pem" 2>/dev/null
}
{
	mkca ca && mkca rogue-ca &&
	mkcert ca default mta-sts.sts.test mta-sts.nopolicy.test &&
	mkcert rogue-ca mta-sts.untrusted.test mta-sts.untrusted.test
} || fail_all "openssl certificates"

# --- servers -------------------------------------------------------------------
mkfifo "$TMP/hold" || fail_all "mkfifo"
exec 3<>"$TMP/hold"  # every server reads this; closing it stops them all

wait_ready() { # file pid what
	local i
	for i in $(seq 1 100); do
		grep -q '^ready' "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

QLOG=$TMP/queries.log HLOG=$TMP/https.log SLOG=$TMP/smtp.log
: >"$QLOG"; : >"$HLOG"; : >"$SLOG"
DNS_PORTS=
for attempt in 1 2 3 4 5; do
	base=$((20000 + (RANDOM % 2000) * 10))
	$PY "$HERE/domain_dns_server.py" "$HERE/zones.yaml" "$TMP/vars.json" "$base" "$QLOG" \
		<&3 >"$TMP/dns.out" 2>"$TMP/dns.err" &
	pid=$!
	if wait_ready "$TMP/dns.out" "$pid"; then
		PIDS+=("$pid")
		DNS_PORTS=$(sed -n 's/^ready //p' "$TMP/dns.out")
		break
	fi
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
done
[ -n "$DNS_PORTS" ] || fail_all "DNS server did not start: $(tail -n 3 "$TMP/dns.err" | tr '\n' ' ')"

$PY "$HERE/https_policy_server.py" "$HERE/zones.yaml" "$CERTS" 443 "$HLOG" <&3 >"$TMP/https.out" 2>"$TMP/https.err" &
pid=$!
wait_ready "$TMP/https.out" "$pid" || fail_all "HTTPS policy server did not start on 127.0.0.1:443: $(tail -n 1 "$TMP/https.err")"
PIDS+=("$pid")

$PY "$HERE/relay_smtp_server.py" 192.0.2.77 "$SLOG" <&3 >"$TMP/smtp.out" 2>"$TMP/smtp.err" &
pid=$!
wait_ready "$TMP/smtp.out" "$pid" || fail_all "relay SMTP server did not start"
PIDS+=("$pid")
RELAY_PORT=$(sed -n 's/^ready //p' "$TMP/smtp.out")

# --- the cases, one process per group ---------------------------------------
export DOMAIN_DNS_PORTS="$DNS_PORTS" DOMAIN_QUERY_LOG="$QLOG" DOMAIN_HTTPS_LOG="$HLOG" \
	DOMAIN_SMTP_LOG="$SLOG" DOMAIN_RELAY_PORT="$RELAY_PORT" DOMAIN_VARS="$TMP/vars.json" \
	SSL_CERT_FILE="$TMP/ca.pem"
unset SSL_CERT_DIR
groups=$($PHP -n "$HERE/cases.php" --list) || fail_all "cases.php --list"
for g in $groups; do
	left=$((BUDGET - (SECONDS - T0)))
	if [ "$left" -lt 5 ]; then
		echo "not ok - $g: not run, the run's time budget (${BUDGET} s) is spent"
		failed=$((failed + 1))
		continue
	fi
	[ "$left" -gt 60 ] && left=60
	# In the background and waited for: a signal to this script is handled
	# at once (wait returns), not when the group ends.
	timeout -k 2 "$left" "$PHP" -n -d "extension=$SO" "$HERE/cases.php" "$g" </dev/null >"$TMP/out" 2>&1 &
	CHILD=$!
	wait "$CHILD" 2>/dev/null  # (bash would print "Aborted ..." itself; reported below)
	rc=$?
	CHILD=
	while IFS= read -r line; do
		case $line in
		"ok - "*) passed=$((passed + 1)); echo "$line" ;;
		"not ok - "*) failed=$((failed + 1)); echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done <"$TMP/out"
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
		echo "not ok - $g: php exited with status $rc$([ "$rc" = 124 ] && echo ' (timed out)')$([ "$rc" -gt 128 ] && echo " (signal $((rc - 128)))")"
		failed=$((failed + 1))
	fi
done
# A server that raised has answered something other than its zone says.
for f in dns https smtp; do
	if grep -q Traceback "$TMP/$f.err" 2>/dev/null; then
		echo "not ok - the $f test server raised: $(grep -v '^ ' "$TMP/$f.err" | grep -v '^-' | tail -n 1)"
		failed=$((failed + 1))
	fi
done
summary
[ "$failed" -eq 0 ]
