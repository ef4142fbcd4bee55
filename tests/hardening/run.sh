#!/usr/bin/env bash
# The hardening suite in one command (see tests/hardening/README.md):
#
#   bash tests/hardening/run.sh EXTENSION_SO [--quick]
#
# 1. the core and its GoogleTest suite (with every fuzz corpus replayed)
#    under ASan+UBSan                                        -> _build-asan/
# 2. each libFuzzer target for 60 s (--quick: 20 s)           -> _build-fuzz/
# 3. the hostile-server suite: tests/lab/scriptsmtp.py and garbage_dns.py
#    on loopback, assertions in hostile.php
# 4. long-lived workers: 1,000 calls in one PHP process, and 1,000 requests
#    to php-fpm with 10 workers (worker.php, fpm_load.py)
# 5. valgrind over the PHPT suite (run-tests.php -m): zero errors, zero
#    definite leaks
# 6. static analysis: clang-tidy (.clang-tidy), cppcheck
#    (tests/hardening/cppcheck.supp), -Wall -Wextra -Werror on php-bindings/,
#    and no writable global state in the core library
#
# Works in its own directories only (_build-asan, _build-fuzz,
# _build-hardening); the extension is copied first, since other jobs rebuild
# modules/smtpdiag.so in place. Ends with exactly one line
# "hardening: N passed, N failed"; exit status 0 only when none failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/hardening
cd "$root"

so_arg=${1:-}
quick=0
for a in "${@:2}"; do [[ $a == --quick ]] && quick=1; done
if [[ -z $so_arg || ! -f $so_arg ]]; then
  echo "usage: tests/hardening/run.sh EXTENSION_SO [--quick]" >&2
  echo "hardening: 0 passed, 1 failed"
  exit 2
fi
fuzz_seconds=$((quick ? 20 : 60))
jobs=$(nproc 2>/dev/null || echo 2)
work=$root/_build-hardening
rm -rf "$work"
mkdir -p "$work"
so=$work/smtpdiag.so
cp "$so_arg" "$so"
py=/usr/bin/python3   # Debian's, with cryptography (NOTES.md)

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "  ok - $*"; }
fail() { failed=$((failed + 1)); echo "  not ok - $*"; }
tally() { passed=$((passed + $1)); failed=$((failed + $2)); }
section() { printf '\n== %s ==\n' "$*"; }
# "NAME: N passed, N failed" from a sub-suite's output, added to the tally.
take_summary() {
  local label=$1 out=$2
  if [[ $out =~ $label:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    tally "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
  else
    fail "$label produced no summary"
  fi
}
# N distinct ports on 127.0.0.1, each free for TCP and UDP, all held open
# until every one is found (so none is handed out twice), and taken below
# the kernel's ephemeral range, so that no outgoing connection of another
# process can take one between here and the servers' bind().
free_ports() {
  "$py" - "$1" <<'EOF'
import random, socket, sys
n = int(sys.argv[1])
try:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    low = 32768
top = low - 1 if low > 12000 else 65535
held, ports = [], []
for _ in range(20000):
    if len(ports) == n:
        break
    p = random.randint(10000, top)
    if p in ports:
        continue
    t = socket.socket(); u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        t.bind(("127.0.0.1", p)); u.bind(("127.0.0.1", p))
    except OSError:
        t.close(); u.close(); continue
    held += [t, u]; ports.append(p)
for s in held:
    s.close()
print(" ".join(map(str, ports)))
EOF
}
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  pids=()
}
trap cleanup EXIT

# ---------------------------------------------------------------------------
section "1. ASan+UBSan: the core's GoogleTest suite and the fuzz corpora (_build-asan)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if cmake -S . -B _build-asan -DCMAKE_BUILD_TYPE=Debug -DSMTPDIAG_SANITIZE=ON \
     -DCMAKE_CXX_FLAGS=-O1 -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$work/asan-cmake.log" 2>&1 &&
   cmake --build _build-asan -j"$jobs" >"$work/asan-build.log" 2>&1; then
  ctest_out=$(cd _build-asan && ctest --output-on-failure --timeout 300 -j"$jobs" 2>&1)
  echo "$ctest_out" > "$work/asan-ctest.log"
  echo "$ctest_out" | grep -E "tests passed|tests failed|\*\*\*|Failed|ERROR: AddressSanitizer|runtime error" | head -n 30
  if [[ $ctest_out =~ ([0-9]+)\ tests\ failed\ out\ of\ ([0-9]+) ]]; then
    tally $((BASH_REMATCH[2] - BASH_REMATCH[1])) "${BASH_REMATCH[1]}"
  else
    fail "ctest produced no summary (see $work/asan-ctest.log)"
  fi
else
  tail -n 30 "$work/asan-build.log"
  fail "ASan+UBSan build (see $work/asan-build.log)"
fi

# ---------------------------------------------------------------------------
section "2. libFuzzer, ${fuzz_seconds} s per target (_build-fuzz)"
targets=(reply_reader ehlo spf dmarc dkim certificate session)
if CC=clang CXX=clang++ cmake -S . -B _build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMTPDIAG_FUZZ=ON \
     -DSMTPDIAG_TESTS=OFF -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" >"$work/fuzz-cmake.log" 2>&1 &&
   cmake --build _build-fuzz -j"$jobs" >"$work/fuzz-build.log" 2>&1; then
  run_fuzzer() {
    local t=$1 dir=_build-fuzz/run/$1
    rm -rf "$dir/artifacts"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    # New inputs go to the first (scratch) directory; the committed corpus
    # is read only. Crashes land in $dir/artifacts/.
    ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=1 "_build-fuzz/${t}_fuzzer" -max_total_time="$fuzz_seconds" \
      -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
      "$dir/corpus" "tests/fuzz/corpus/$t" >"$dir/log" 2>&1
    echo $? >"$dir/rc"
  }
  running=0
  for t in "${targets[@]}"; do
    run_fuzzer "$t" &
    running=$((running + 1))
    if ((running >= jobs)); then wait -n; running=$((running - 1)); fi
  done
  wait
  for t in "${targets[@]}"; do
    dir=_build-fuzz/run/$t
    rc=$(cat "$dir/rc" 2>/dev/null || echo 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
    crash=$(ls "$dir/artifacts" 2>/dev/null | head -n 1)
    if [[ $rc == 0 && -z $crash ]]; then
      pass "fuzz $t: ${execs:-?} inputs, no crash"
    else
      grep -E "ERROR:|SUMMARY:|#[0-9]+ 0x" "$dir/log" | head -n 15
      fail "fuzz $t: rc=$rc ${crash:+crash $dir/artifacts/$crash} (reproduce: _build-fuzz/${t}_fuzzer $dir/artifacts/$crash; log $dir/log)"
    fi
  done
else
  tail -n 30 "$work/fuzz-build.log"
  fail "fuzz build with clang (see $work/fuzz-build.log; needs clang and libclang-rt-14-dev)"
fi

# ---------------------------------------------------------------------------
section "3. hostile servers (scriptsmtp.py, garbage_dns.py on 127.0.0.1)"
"$py" "$here/make_certs.py" "$work/certs" || fail "make_certs.py"
behaviours=(normal slow:0.5 long_line:1048576 endless_multiline:30 binary mixed_codes starttls_inject
  tls_alert rst_mid_reply accept_close ehlo_flood:100000 truncated oversized:1048576 normal,cert=chain50)
read -r -a free < <(free_ports $((${#behaviours[@]} + 1)))
dns_port=${free[0]}
listen=() ports_json="{" i=0
for b in "${behaviours[@]}"; do
  i=$((i + 1))
  p=${free[i]}
  listen+=(--listen "127.0.0.1:$p=$b")
  name=${b%%[:,]*}
  [[ $b == *cert=chain50 ]] && name=chain50
  ports_json+="\"$name\":$p,"
done
ports_json="${ports_json%,}}"
"$py" "$root/tests/lab/scriptsmtp.py" --cert "$work/certs/default.pem" --key "$work/certs/default.key" \
  --cert-dir "$work/certs" --log "$work/scriptsmtp.log" --pidfile "$work/scriptsmtp.pid" \
  --max-conn-seconds 60 "${listen[@]}" 2>>"$work/scriptsmtp.err" &
pids+=($!)
"$py" "$here/garbage_dns.py" --listen "127.0.0.1:$dns_port" --pidfile "$work/dns.pid" --max-seconds 1800 \
  2>>"$work/dns.err" &
pids+=($!)
for _ in $(seq 50); do [[ -f $work/scriptsmtp.pid && -f $work/dns.pid ]] && break; sleep 0.1; done
if [[ -f $work/scriptsmtp.pid && -f $work/dns.pid ]]; then
  out=$(php -n -d "extension=$so" "$here/hostile.php" "$ports_json" "$dns_port" "$work/certs" "$work/scriptsmtp.log" 2>&1)
  echo "$out" | grep -vE "^ok - " | sed 's/^/  /'
  echo "  ($(grep -c '^ok - ' <<<"$out") cases ok)"
  take_summary hostile "$out"

  # -------------------------------------------------------------------------
  section "4. long-lived workers (1,000 calls; php-fpm with 10 workers)"
  smtp_port=$(sed -n 's/.*"normal":\([0-9]*\).*/\1/p' <<<"$ports_json")
  out=$(php -n -d "extension=$so" "$here/worker.php" "$smtp_port" "$dns_port" 1000 2>&1)
  echo "$out" | sed 's/^/  /'
  take_summary worker "$out"
  fpm=$(command -v php-fpm8.2 || ls /usr/sbin/php-fpm8.2 2>/dev/null || true)
  if [[ -n $fpm ]]; then
    mkdir -p "$work/fpm"
    cat >"$work/fpm/fpm.conf" <<EOF
[global]
pid = $work/fpm/fpm.pid
error_log = $work/fpm/fpm.log
daemonize = no
[hardening]
listen = $work/fpm/fpm.sock
pm = static
pm.max_children = 10
pm.max_requests = 0
clear_env = no
catch_workers_output = yes
request_terminate_timeout = 60
EOF
    # -R: CI runs as root; the pool then runs as root too (loopback only).
    "$fpm" -n -R -d "extension=$so" -y "$work/fpm/fpm.conf" -F >"$work/fpm/stdout.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do [[ -S $work/fpm/fpm.sock ]] && break; sleep 0.1; done
    out=$("$py" "$here/fpm_load.py" "$work/fpm/fpm.sock" "$here/worker.php" "$smtp_port" "$dns_port" 1000 10 2>&1)
    echo "$out" | sed 's/^/  /'
    take_summary fpm "$out"
  else
    fail "php-fpm: php8.2-fpm is not installed (apt-get install php8.2-fpm)"
  fi
else
  fail "the loopback servers did not start (see $work/scriptsmtp.err, $work/dns.err)"
  tail -n 3 "$work/scriptsmtp.err" "$work/dns.err" 2>/dev/null | sed 's/^/    /'
  fail "long-lived workers: not run (they use the same loopback servers)"
fi
cleanup

# ---------------------------------------------------------------------------
section "5. valgrind over the PHPT suite (run-tests.php -m)"
if command -v valgrind >/dev/null; then
  # A private copy: run-tests.php writes its .out/.diff/.mem files beside
  # the tests. The fixture servers the tests start (plain PHP without the
  # extension, or Python) are not traced.
  rm -rf "$work/phpt" && cp -r tests/phpt "$work/phpt"
  export VALGRIND_OPTS="--trace-children-skip-by-arg=*smtp_server.php*,*.py,*/python3* --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --num-callers=30"
  out=$(php -n run-tests.php -q -m -j"$jobs" -p "$(command -v php)" -d "extension=$so" -d pcre.jit=0 \
        "$work/phpt" 2>&1)
  unset VALGRIND_OPTS
  echo "$out" > "$work/valgrind-phpt.log"
  total=$(ls "$work"/phpt/*.phpt | wc -l)
  dirty=0
  for mem in "$work"/phpt/*.mem; do
    [[ -s $mem ]] || continue
    dirty=$((dirty + 1))
    echo "  valgrind report for $(basename "$mem" .mem):"
    head -n 25 "$mem" | sed 's/^/    /'
  done
  borked=$(grep -c '^BORK' <<<"$out")
  tally $((total - dirty - borked)) $((dirty + borked))
  echo "  $total PHPTs: $((total - dirty)) without a valgrind error or definite leak, $dirty with"
  # Output checks are the PHPT suite's own job (.ci/test); under valgrind
  # some tests miss their timing assertions. Listed, not counted.
  fails=$(sed -n '/^FAILED TEST SUMMARY/,/^====/p' <<<"$out" | grep -E '\[.*\.phpt\]' || true)
  [[ -n $fails ]] && { echo "  output differs under valgrind (timing; not counted):"; echo "$fails" | sed 's/^/    /'; }
else
  fail "valgrind is not installed"
fi

# ---------------------------------------------------------------------------
section "6. static analysis"
php_inc=$(php-config --includes)
# clang-tidy: ext/ through _build-asan's compile_commands.json, php-bindings/
# with the flags config.m4 uses. .clang-tidy makes every finding an error.
if command -v clang-tidy >/dev/null && [[ -f _build-asan/compile_commands.json ]]; then
  tidy_log=$work/clang-tidy.log
  : >"$tidy_log"
  ls ext/*.cpp ext/*/*.cpp | xargs -P"$jobs" -n 4 clang-tidy -p _build-asan --quiet >>"$tidy_log" 2>&1
  rc1=$?
  ls php-bindings/*.cpp | xargs -P"$jobs" -I{} clang-tidy --quiet {} -- -x c++ -std=c++17 -Iext -Iphp-bindings \
    $php_inc -UHAVE_CONFIG_H -DCOMPILE_DL_SMTPDIAG >>"$tidy_log" 2>&1
  rc2=$?
  n=$(grep -cE "(warning|error):" "$tidy_log")
  if ((rc1 == 0 && rc2 == 0 && n == 0)); then
    pass "clang-tidy: $(ls ext/*.cpp ext/*/*.cpp php-bindings/*.cpp | wc -l) files clean"
  else
    grep -E "(warning|error):" "$tidy_log" | sort -u | head -n 30
    fail "clang-tidy: $n finding(s) (see $tidy_log)"
  fi
else
  fail "clang-tidy is not installed (or _build-asan has no compile_commands.json)"
fi
if command -v cppcheck >/dev/null; then
  cppcheck --quiet --std=c++17 --language=c++ --enable=warning,performance,portability \
    --inline-suppr --suppressions-list="$here/cppcheck.supp" --error-exitcode=1 -j "$jobs" \
    -I ext -I php-bindings $php_inc -D__linux__ -D__x86_64__ -U HAVE_CONFIG_H \
    --template='{file}:{line}: {severity}: {message} [{id}]' \
    ext php-bindings >"$work/cppcheck.log" 2>&1
  if [[ $? == 0 ]]; then
    pass "cppcheck: ext/ and php-bindings/ clean"
  else
    head -n 30 "$work/cppcheck.log"
    fail "cppcheck (see $work/cppcheck.log)"
  fi
else
  fail "cppcheck is not installed"
fi
# The core already builds with -Wall -Wextra -Werror (CMakeLists.txt, gcc in
# step 1 and clang in step 2); the Zend glue is checked here with both.
glue_ok=1
for cxx in g++ clang++; do
  command -v $cxx >/dev/null || continue
  for f in php-bindings/*.cpp; do
    $cxx -std=c++17 -fsyntax-only -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
      -Iext -Iphp-bindings $(sed 's/-I/-isystem /g' <<<"$php_inc") -UHAVE_CONFIG_H -DCOMPILE_DL_SMTPDIAG "$f" \
      >>"$work/glue-warnings.log" 2>&1 || { glue_ok=0; echo "  $cxx: $f"; }
  done
done
if ((glue_ok)); then pass "php-bindings/ compiles with -Wall -Wextra -Werror (g++ and clang++)"
else head -n 30 "$work/glue-warnings.log"; fail "php-bindings/ warnings (see $work/glue-warnings.log)"; fi
# No mutable global state in the core: the built extension has no writable
# (.data/.bss) symbol of namespace smtpdiag:: beyond the set-once statics
# listed, with a reason each, in tests/hardening/globals.allow. (The Zend
# glue's module globals are per-thread under ZTS, by the Zend API.)
nm -C --format=sysv --defined-only "$so" 2>/dev/null |
  awk -F'|' '{n=$1; s=$7; gsub(/^ +| +$/, "", n); gsub(/ /, "", s);
              if ((s == ".data" || s == ".bss") && n ~ /^smtpdiag::/) print n}' |
  sort -u >"$work/globals.txt"
if [[ ! -s $work/globals.txt ]] && ! nm "$so" >/dev/null 2>&1; then
  fail "cannot read the symbols of $so (stripped?)"
else
  unexpected=$(grep -vxF -f <(grep -vE '^[[:space:]]*(#|$)' "$here/globals.allow") "$work/globals.txt" || true)
  if [[ -z $unexpected ]]; then
    pass "no writable global state in the core ($(wc -l <"$work/globals.txt") set-once statics, all in globals.allow)"
  else
    echo "$unexpected" | sed 's/^/    /'
    fail "writable global state in the core (make it const, or per call; globals.allow is for set-once statics)"
  fi
fi

section summary
echo "hardening: $passed passed, $failed failed"
((failed == 0))
