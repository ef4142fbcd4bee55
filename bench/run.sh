#!/usr/bin/env bash
# smtpdiag's benchmarks, all in one run: `sudo bash bench/run.sh` (root: the
# lab is network namespaces). Builds the extension and the benchmark
# binaries, brings the fault lab up if it is not (and down at the end only
# if it started it), runs every comparison of bench/README.md on the same
# lab, and writes bench/RESULTS.md (raw data in bench/out/).
#
# Environment: BENCH_RUNS (default 3) repetitions of every measurement,
# BENCH_SLOW_RUNS (default 2) for the baselines of the broken cases, which
# are bound by 10 s timeouts; BENCH_SKIP_BUILD=1 uses modules/smtpdiag.so
# and bench/_build as they are. A full run takes about 16 minutes.
#
# Faults are applied only through `tests/lab/fault.sh with`, which waits
# until no one else's fault is applied and holds the fault lock meanwhile;
# each part that needs a clean network runs under `fault.sh with --` too.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
self=$here/run.sh
# shellcheck source=../tests/lab/common.sh
. "$root/tests/lab/common.sh"

RUNS=${BENCH_RUNS:-3}
SLOW_RUNS=${BENCH_SLOW_RUNS:-2}
# fault.sh with waits this long for other runners' faults to clear.
export FAULT_LOCK_WAIT=${FAULT_LOCK_WAIT:-1200}
LAB=$root/tests/lab/lab.sh
FAULT=$root/tests/lab/fault.sh
CA=$LAB_DIR/certs/root.pem
FROM_I=40 TO_I=239                  # comparison 3: 200 extra server addresses
RANGE=198.51.100.$FROM_I-$TO_I
DELAY_MS=${BENCH_DELAY_MS:-10}       # comparison 2b: one-way delay on the first router
out=$here/out
work=${BENCH_WORK:-}
SO=$work/smtpdiag.so
FLOOR=$work/floor_client
# A command inside the client namespace, the lab CA as OpenSSL's store.
CLIENT=(ip netns exec "$LAB_NS_CLIENT" env SSL_CERT_FILE="$CA" SMTPDIAG_LAB_DIR="$LAB_DIR")

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Peak RSS (KiB) of a command; instructions it executed (callgrind).
maxrss() {
  /usr/bin/time -v -o "$work/time.out" "$@" >/dev/null 2>&1
  awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.out"
}
cg_ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | awk '/Collected :/ {print $NF}' | tail -1; }
# (valgrind does not follow exec: inside the lab it must run after `ip netns exec`.)
cg_ir_client() { "${CLIENT[@]}" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | awk '/Collected :/ {print $NF}' | tail -1; }

# ================================================================== parts
# Each part runs as `run.sh --part NAME` under `fault.sh with`.

part_c2() {
  # Comparison 2: the floor, diagnose, the floor again (a drift of the lab shows).
  "${CLIENT[@]}" "$FLOOR" rtt mail.lab.test 587 user@lab.test labpass "$CA" 10 >"$out/c2.floor.jsonl"
  "${CLIENT[@]}" php -n -d "extension=$SO" "$here/php/rtt_diagnose.php" 10 >"$out/c2.diagnose.jsonl"
  "${CLIENT[@]}" "$FLOOR" rtt mail.lab.test 587 user@lab.test labpass "$CA" 10 >>"$out/c2.floor.jsonl"
  # Port 465's greeting after the handshake, without and with TCP_QUICKACK.
  "${CLIENT[@]}" "$FLOOR" greet mail.lab.test 465 "$CA" 5 >"$out/c2.greet.jsonl"
  "${CLIENT[@]}" php -n "$here/php/ssl_greeting.php" 5 >>"$out/c2.greet.jsonl"
  # Comparison 4: peak memory of one diagnose call (the process with it, and without).
  local i
  for i in $(seq 1 "$RUNS"); do
    printf 'diagnose\t%s\n' "$(maxrss "${CLIENT[@]}" php -n -d "extension=$SO" "$here/php/diagnose.php" healthy default)"
    printf 'no call\t%s\n' "$(maxrss "${CLIENT[@]}" php -n -d "extension=$SO" -r '')"
  done >"$out/c4.diagnose_rss.tsv"
}

part_c2b() {
  # Comparison 2b: the same floor and diagnose under a real round trip,
  # DELAY_MS each way added on the first router (bench/lib/delay.sh).
  bash "$here/lib/delay.sh" on "$work/delay_link" "$DELAY_MS" || die "the delay link did not start"
  "${CLIENT[@]}" ping -c 3 -i 0.2 mail.lab.test >"$out/c2b.ping.txt" 2>&1 || true
  local rc=0
  {
    "${CLIENT[@]}" "$FLOOR" rtt mail.lab.test 587 user@lab.test labpass "$CA" 10 >"$out/c2b.floor.jsonl" &&
      "${CLIENT[@]}" php -n -d "extension=$SO" "$here/php/rtt_diagnose.php" 10 >"$out/c2b.diagnose.jsonl" &&
      "${CLIENT[@]}" "$FLOOR" rtt mail.lab.test 587 user@lab.test labpass "$CA" 10 >>"$out/c2b.floor.jsonl"
  } || rc=$?
  bash "$here/lib/delay.sh" off || rc=1
  echo "$DELAY_MS" >"$out/c2b.delay_ms"
  return "$rc"
}

part_c3() {
  local i
  cat /etc/ssl/certs/ca-certificates.crt "$CA" >"$work/bundle.pem"
  # Every address answers before anything is measured.
  "${CLIENT[@]}" "$FLOOR" probe "$CA" - 587 "$RANGE" >"$out/c3.warmup.json" \
    || die "the bench addresses do not all answer: $(cat "$out/c3.warmup.json")"
  for i in $(seq 1 "$RUNS"); do
    # A probe that fails shows in the "ok" counts; the loop goes on.
    "${CLIENT[@]}" "$FLOOR" probe "$CA" - 587 "$RANGE" >>"$out/c3.floor.jsonl" || true
    "${CLIENT[@]}" php -n -d "extension=$SO" "$here/php/throughput.php" probe "$RANGE" >>"$out/c3.probe.jsonl" || true
    "${CLIENT[@]}" php -n -d "extension=$SO" "$here/php/throughput.php" many "$RANGE" 32 >>"$out/c3.many.jsonl" || true
    "${CLIENT[@]}" php -n "$here/php/throughput.php" stream "$RANGE" >>"$out/c3.stream.jsonl" || true
    "${CLIENT[@]}" bash "$here/lib/swaks_loop.sh" "$RANGE" >>"$out/c3.swaks.jsonl" || true
    # The same with a real-world CA bundle (Debian's, plus the lab root).
    "${CLIENT[@]}" "$FLOOR" probe "$work/bundle.pem" - 587 "$RANGE" >>"$out/c3.floor_bundle.jsonl" || true
    "${CLIENT[@]}" BENCH_CA="$work/bundle.pem" php -n -d "extension=$SO" "$here/php/throughput.php" probe "$RANGE" \
      >>"$out/c3.probe_bundle.jsonl" || true
    "${CLIENT[@]}" BENCH_CA="$work/bundle.pem" php -n "$here/php/throughput.php" stream "$RANGE" \
      >>"$out/c3.stream_bundle.jsonl" || true
  done
  # Instructions per probe (callgrind): 20 probes minus 10, same process
  # otherwise (what every probe costs; once-per-process set-up cancels).
  local r20=198.51.100.$FROM_I-$((FROM_I + 19)) r0=198.51.100.$FROM_I-$((FROM_I + 9))
  {
    printf 'floor\t%s\t%s\n' "$(cg_ir_client "$FLOOR" probe "$CA" - 587 "$r20")" \
      "$(cg_ir_client "$FLOOR" probe "$CA" - 587 "$r0")"
    printf 'probe\t%s\t%s\n' "$(cg_ir_client php -n -d "extension=$SO" "$here/php/throughput.php" probe "$r20")" \
      "$(cg_ir_client php -n -d "extension=$SO" "$here/php/throughput.php" probe "$r0")"
    printf 'stream\t%s\t%s\n' "$(cg_ir_client php -n "$here/php/throughput.php" stream "$r20")" \
      "$(cg_ir_client php -n "$here/php/throughput.php" stream "$r0")"
  } >"$out/c3.callgrind.tsv"
  # Where smtpdiag_probe()'s instructions go (10 probes; inclusive counts).
  "${CLIENT[@]}" valgrind --tool=callgrind --callgrind-out-file="$work/cg.probe" \
    php -n -d "extension=$SO" "$here/php/throughput.php" probe "$r0" >/dev/null 2>&1 || true
  callgrind_annotate --inclusive=yes "$work/cg.probe" 2>/dev/null | awk '
    /PROGRAM TOTALS/ { gsub(",", "", $1); print "total\t" $1 }
    /:zif_smtpdiag_probe\(/ { gsub(",", "", $1); print "zif_smtpdiag_probe\t" $1 }
    /:smtpdiag::run_probe\(/ { gsub(",", "", $1); print "run_probe\t" $1 }
    /:smtpdiag::make_client_context\(/ { gsub(",", "", $1); print "make_client_context\t" $1 }
    /:smtpdiag::TrustCache::context\(/ { gsub(",", "", $1); print "trust_context\t" $1 }
    / \?\?\?:SSL_CTX_new \[/ { gsub(",", "", $1); print "SSL_CTX_new\t" $1 }
    / \?\?\?:SSL_CTX_load_verify_locations \[/ { gsub(",", "", $1); print "SSL_CTX_load_verify_locations\t" $1 }
    / \?\?\?:SSL_do_handshake \[/ { gsub(",", "", $1); print "SSL_do_handshake\t" $1 }
    /:smtpdiag_php::probe_result_to_zval\(/ { gsub(",", "", $1); print "probe_result_to_zval\t" $1 }
  ' | awk -F'\t' '!seen[$1]++' >"$out/c3.profile.tsv"
}

part_c1() {
  "${CLIENT[@]}" bash "$here/lib/c1_case.sh" "$1" "$out" "$work" "$RUNS" "$SLOW_RUNS"
}

if [[ "${1:-}" == --part ]]; then
  [[ -n "$work" && -x "$FLOOR" ]] || die "--part is internal to run.sh"
  "part_$2" "${@:3}"
  exit 0
fi

# ================================================================== main
[[ $(id -u) -eq 0 ]] || die "run as root (the lab is network namespaces): sudo bash bench/run.sh"
T_START=$SECONDS
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d /tmp/smtpdiag-bench.XXXXXX)
chmod 755 "$work"
export BENCH_WORK=$work
SO=$work/smtpdiag.so
FLOOR=$work/floor_client
lab_started=0
bench_net=0

# The 200 extra server addresses of comparison 3: /32s on sd-server's link,
# DNAT to Postfix's 198.51.100.25 (table ip smtpdiag_bench).
bench_net_up() {
  local i
  bench_net=1
  for ((i = FROM_I; i <= TO_I; i++)); do echo "addr add 198.51.100.$i/32 dev eth-r2"; done \
    | ip -n "$LAB_NS_SERVER" -batch - || die "could not add the bench addresses to $LAB_NS_SERVER"
  ip netns exec "$LAB_NS_SERVER" nft -f - <<EOF || die "could not load the bench DNAT in $LAB_NS_SERVER"
table ip smtpdiag_bench {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr 198.51.100.$FROM_I-198.51.100.$TO_I tcp dport { 25, 443, 465, 587, 2525 } dnat to 198.51.100.25
	}
}
EOF
}
bench_net_down() {
  local i
  ip netns exec "$LAB_NS_SERVER" nft delete table ip smtpdiag_bench 2>/dev/null || true
  for ((i = FROM_I; i <= TO_I; i++)); do echo "addr del 198.51.100.$i/32 dev eth-r2"; done \
    | ip -n "$LAB_NS_SERVER" -force -batch - >/dev/null 2>&1 || true
  bench_net=0
}

# The lab this run brought up carries a token; if someone else took it down
# or brought up a lab of their own meanwhile, the token is gone and that
# lab is left alone.
OWNER=$LAB_DIR/.smtpdiag-bench-owner
cleanup() {
  local rc=$?
  trap - TERM INT HUP
  # Only our own table and addresses: harmless on any lab.
  if ((bench_net)); then bench_net_down; fi
  bash "$here/lib/delay.sh" off >/dev/null 2>&1 || true
  if ((lab_started)) && [[ "$(cat "$OWNER" 2>/dev/null)" == "$$" ]]; then
    log "taking the lab down (this run started it)"
    bash "$LAB" down >/dev/null 2>&1 || true
  elif ((lab_started)); then
    log "not taking the lab down: it is no longer the one this run started"
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

# ------------------------------------------------------------------ tools
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v swaks >/dev/null || need+=(swaks)
command -v valgrind >/dev/null || need+=(valgrind)
command -v cmake >/dev/null || need+=(cmake)
[[ -r /usr/share/php/libphp-phpmailer/autoload.php ]] || need+=(libphp-phpmailer)
[[ -r /usr/include/benchmark/benchmark.h ]] || need+=(libbenchmark-dev)
if ((${#need[@]})); then
  log "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >"$out/apt.log" 2>&1 \
    || die "apt-get install ${need[*]} failed (see $out/apt.log)"
fi

# ------------------------------------------------------------------ build
if [[ "${BENCH_SKIP_BUILD:-}" != 1 ]]; then
  log "building the extension (make -j2) and the benchmarks (CMake -DSMTPDIAG_BENCH=ON)"
  (cd "$root" && make -j2) >"$out/build.log" 2>&1 || die "make failed (see $out/build.log)"
  cmake -S "$root" -B "$here/_build" -DSMTPDIAG_BENCH=ON -DSMTPDIAG_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >>"$out/build.log" 2>&1 || die "cmake failed (see $out/build.log)"
  cmake --build "$here/_build" -j2 --target core_bench floor_client delay_link >>"$out/build.log" 2>&1 \
    || die "building core_bench/floor_client/delay_link failed (see $out/build.log)"
fi
# Private copies: others rebuild modules/smtpdiag.so in place.
cp "$root/modules/smtpdiag.so" "$SO" || die "no modules/smtpdiag.so"
cp "$here/_build/bench/core_bench" "$here/_build/bench/floor_client" "$here/_build/bench/delay_link" "$work/" \
  || die "no bench/_build binaries"
chmod 755 "$work"/*

# ------------------------------------------------------------------ lab
lab_is_up() {
  local ns
  for ns in "${LAB_NAMESPACES[@]}"; do lab_ns_exists "$ns" || return 1; done
  [[ -r "$CA" ]] && lab_listening "$LAB_NS_SERVER" 198.51.100.25:587
}
if lab_is_up; then
  log "the lab is up: using it (and leaving it up)"
else
  log "bringing the lab up"
  lab_started=1
  bash "$LAB" up >"$out/lab.log" 2>&1 || die "lab.sh up failed (see $out/lab.log)"
  echo "$$" >"$OWNER"
fi
# ok.lab.test (a fully configured From domain) comes with the current
# lab.sh; a lab brought up by an older one needs a reload.
if ! ip netns exec "$LAB_NS_CLIENT" php -n -r 'exit(@dns_get_record("_dmarc.ok.lab.test", DNS_TXT) ? 0 : 1);'; then
  log "the lab lacks ok.lab.test's records: lab.sh reload"
  bash "$LAB" reload >>"$out/lab.log" 2>&1 || die "lab.sh reload failed (see $out/lab.log)"
fi

# with_faults [NAME...] -- PART [ARG...]: a part of this script with exactly
# these faults and no one else's.
with_faults() {
  local names=()
  while [[ "$1" != -- ]]; do names+=("$1"); shift; done
  shift
  bash "$FAULT" with "${names[@]}" -- bash "$self" --part "$@"
}

# ------------------------------------------------------------------ environment
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "cpus=$(nproc)"
  echo "mem=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "kernel=$(uname -r)"
  echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "virt=$(systemd-detect-virt 2>/dev/null || echo unknown)"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "php=$(php -n -r 'echo PHP_VERSION;')"
  echo "smtpdiag=$(php -n -d "extension=$SO" -r '$v = smtpdiag_version(); echo $v["extension"], " (OpenSSL ", $v["openssl"], ", c-ares ", $v["cares"], ")";')"
  echo "commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null)$(git -C "$root" diff --quiet HEAD -- ext php-bindings 2>/dev/null || echo ' + uncommitted changes in ext/ or php-bindings/')"
  echo "openssl=$(openssl version)"
  echo "postfix=$(ip netns exec "$LAB_NS_SERVER" postconf -h mail_version 2>/dev/null)"
  echo "phpmailer=$(sed -n "s/.*const VERSION = '\(.*\)'.*/\1/p" /usr/share/php/libphp-phpmailer/src/PHPMailer.php)"
  echo "hyperfine=$(hyperfine --version | cut -d' ' -f2)"
  echo "swaks=$(swaks --version 2>/dev/null | sed -n 's/^swaks version //p')"
  echo "valgrind=$(valgrind --version)"
  echo "benchmark=$(dpkg-query -W -f '${Version}' libbenchmark-dev 2>/dev/null)"
  echo "compiler=$(c++ --version | head -1)"
  echo "so_size=$(stat -c %s "$SO")"
  echo "runs=$RUNS"
  echo "slow_runs=$SLOW_RUNS"
} >"$out/env.txt"

# ------------------------------------------------------------------ 4. cost of being loaded
log "4. cost of being loaded: hyperfine, /usr/bin/time, callgrind"
hyperfine -N --style basic --warmup 20 --runs 200 --export-json "$out/c4.hyperfine.json" \
  -n "php -r ''" "php -r ''" \
  -n "php -r '' + smtpdiag" "php -d extension=$SO -r ''" \
  -n "php -n -r ''" "php -n -r ''" \
  -n "php -n -r '' + smtpdiag" "php -n -d extension=$SO -r ''" >"$out/c4.hyperfine.txt" 2>&1 \
  || die "hyperfine failed (see $out/c4.hyperfine.txt)"
# The same pair interleaved, 400 times: ratios pair by pair (bench/lib/paired.py).
/usr/bin/python3 "$here/lib/paired.py" 400 20 "php -r ''" "php -r '' + smtpdiag" \
  -- php -r '' -- php -d "extension=$SO" -r '' >"$out/c4.paired.json" || die "paired.py failed"
/usr/bin/python3 "$here/lib/paired.py" 400 20 "php -n -r ''" "php -n -r '' + smtpdiag" \
  -- php -n -r '' -- php -n -d "extension=$SO" -r '' >"$out/c4.paired_n.json" || die "paired.py failed"
for i in $(seq 1 20); do
  printf 'php\t%s\n' "$(maxrss php -r '')"
  printf 'php+smtpdiag\t%s\n' "$(maxrss php -d "extension=$SO" -r '')"
  printf 'php -n\t%s\n' "$(maxrss php -n -r '')"
  printf 'php -n+smtpdiag\t%s\n' "$(maxrss php -n -d "extension=$SO" -r '')"
done >"$out/c4.rss.tsv"
{
  printf 'php\t%s\n' "$(cg_ir php -r '')"
  printf 'php+smtpdiag\t%s\n' "$(cg_ir php -d "extension=$SO" -r '')"
  printf 'php -n\t%s\n' "$(cg_ir php -n -r '')"
  printf 'php -n+smtpdiag\t%s\n' "$(cg_ir php -n -d "extension=$SO" -r '')"
} >"$out/c4.callgrind.tsv"

# ------------------------------------------------------------------ core hot paths
log "core hot paths: Google Benchmark, $((RUNS + 2)) repetitions"
"$work/core_bench" --benchmark_repetitions=$((RUNS + 2)) --benchmark_min_time=0.2 \
  --benchmark_out="$out/core_bench.json" --benchmark_out_format=json >"$out/core_bench.txt" 2>&1 \
  || die "core_bench failed (see $out/core_bench.txt)"

# ------------------------------------------------------------------ 2. healthy vs the round-trip floor
log "2. healthy diagnosis vs the round-trip floor"
with_faults -- c2 || die "comparison 2 failed"
log "2b. the same with ${DELAY_MS} ms each way added on the first router"
with_faults -- c2b || die "comparison 2b failed"

# ------------------------------------------------------------------ 3. throughput
log "3. throughput: 200 addresses on one Postfix ($RANGE)"
bench_net_up
with_faults -- c3 || die "comparison 3 failed"
bench_net_down

# ------------------------------------------------------------------ 1. time to an answer on a broken setup
log "1. time to an answer: healthy and three broken setups (the longest part)"
with_faults -- c1 healthy || die "comparison 1 (healthy) failed"
with_faults local_drop_465 -- c1 port_dropped || die "comparison 1 (port_dropped) failed"
with_faults upstream_drop_all -- c1 all_dropped || die "comparison 1 (all_dropped) failed"
with_faults ipv6_blackhole -- c1 ipv6_blackhole || die "comparison 1 (ipv6_blackhole) failed"

echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/env.txt"
echo "total_s=$((SECONDS - T_START))" >>"$out/env.txt"
log "writing bench/RESULTS.md"
/usr/bin/python3 "$here/report.py" "$out" >"$work/RESULTS.md" || die "report.py failed"
cp "$work/RESULTS.md" "$here/RESULTS.md"
log "done in $((SECONDS - T_START)) s: bench/RESULTS.md"
