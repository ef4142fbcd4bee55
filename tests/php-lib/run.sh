#!/usr/bin/env bash
# Runs every test of the SmtpDiag\ PHP library (php-bindings/lib):
#   1. the stub check (php-bindings/lib/bin/check-stubs against
#      smtpdiag.stub.php and the built extension)
#   2. PHPUnit with the extension loaded: value objects, facade, the
#      loopback contract for the native engine, both engines side by side,
#      and the network lab (both engines, each in its own process)
#   3. PHPUnit without the extension: the same contract for the PHP mode
#   4. PHPStan over php-bindings/lib (and wp-plugin/smtpdiag when present),
#      when Composer can install it (into $SMTPDIAG_TOOLS_DIR, default
#      /tmp/smtpdiag-php-tools; not counted when it cannot)
#
#   tests/php-lib/run.sh EXTENSION_SO
#
# The lab (tests/lab) needs root: when it is not up this brings it up and
# takes it down again; SMTPDIAG_SKIP_LAB=1 leaves its tests out (said so,
# not counted). Ends with exactly one line "php-lib: N passed, N failed";
# exit status 0 only when none failed. Skipped tests count as failed.
set -uo pipefail
if [[ $# -ne 1 || ! -f $1 ]]; then
  echo "usage: $0 EXTENSION_SO" >&2
  echo "php-lib: 0 passed, 1 failed"
  exit 2
fi
so=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
php=${PHP:-$(command -v php)}
phpunit=${PHPUNIT:-$(command -v phpunit)}
tools=${SMTPDIAG_TOOLS_DIR:-/tmp/smtpdiag-php-tools}
work=$(mktemp -d /tmp/smtpdiag-php-lib.XXXXXX)
passed=0 failed=0 lab_started=0
tally() { passed=$((passed + $1)); failed=$((failed + $2)); }
section() { printf '\n== %s ==\n' "$*"; }
cleanup() {
  # LabTest's own drop rules, should PHPUnit have been killed before removing them.
  for ns in sd-client sd-server; do ip netns exec "$ns" nft delete table inet smtpdiag_phplib >/dev/null 2>&1; done
  if [[ $lab_started == 1 ]]; then bash tests/lab/lab.sh down >/dev/null 2>&1; fi
  rm -rf "$work"
}
trap cleanup EXIT

# PHPUnit's JUnit log -> "passed failed" (skipped and incomplete count as failed).
junit_counts() {
  "$php" -n -d extension=simplexml -r '
    $x = @simplexml_load_file($argv[1]);
    if ($x === false) { echo "0 1\n"; exit; }
    $t = $f = 0;
    foreach ($x->testsuite as $s) {
      $t += (int) $s["tests"];
      $f += (int) $s["failures"] + (int) $s["errors"] + (int) $s["skipped"] + (int) ($s["warnings"] ?? 0);
    }
    echo ($t - $f), " ", ($t === 0 ? 1 : $f), "\n";' "$1" 2>/dev/null || echo "0 1"
}

run_phpunit() { # label junit-file env... -- php-args... -- phpunit-args...
  local label=$1 junit=$2; shift 2
  local envs=() phpargs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done; shift
  while [[ $1 != -- ]]; do phpargs+=("$1"); shift; done; shift
  section "$label"
  env "${envs[@]}" timeout 1200 "$php" "${phpargs[@]}" "$phpunit" -c "$here/phpunit.xml" --log-junit "$junit" "$@" 2>&1 \
    | grep -vE '^\s*$' | tail -n 40
  read -r p f < <(junit_counts "$junit")
  echo "$label: $p passed, $f failed"
  tally "$p" "$f"
}

section "stubs match smtpdiag.stub.php (and the extension)"
if "$php" -n php-bindings/lib/bin/check-stubs --extension="$so"; then tally 1 0; else tally 0 1; fi

lab_group=()
if [[ ${SMTPDIAG_SKIP_LAB:-0} == 1 ]]; then
  echo "lab: left out by SMTPDIAG_SKIP_LAB=1 (not counted)"
  lab_group=(--exclude-group lab)
elif ! ip netns list 2>/dev/null | grep '^sd-client' >/dev/null; then
  if [[ $(id -u) -eq 0 ]]; then
    section "bringing the lab up"
    if timeout 300 bash tests/lab/lab.sh up >"$work/lab-up.log" 2>&1; then
      lab_started=1
    else
      tail -n 20 "$work/lab-up.log"; echo "lab: could not be brought up (its tests will fail)"
    fi
  else
    echo "lab: needs root (its tests will be skipped and counted as failed)"
  fi
fi

run_phpunit "PHPUnit, extension loaded (native engine, both engines side by side, lab)" "$work/native.xml" \
  SMTPDIAG_ENGINE=native SMTPDIAG_EXTENSION="$so" -- -d "extension=$so" -- "${lab_group[@]}"

run_phpunit "PHPUnit, no extension (PHP mode)" "$work/php.xml" \
  SMTPDIAG_ENGINE=php -- -- --exclude-group cross,lab

section "PHPStan"
if [[ ! -x $tools/vendor/bin/phpstan || ! -f $tools/vendor/php-stubs/wordpress-stubs/wordpress-stubs.php ]]; then
  mkdir -p "$tools"
  cp "$here/phpstan/composer.json" "$tools/composer.json"
  (cd "$tools" && COMPOSER_NO_INTERACTION=1 timeout 600 composer update --no-progress --quiet >"$work/composer.log" 2>&1) || true
fi
if [[ -x $tools/vendor/bin/phpstan ]]; then
  if timeout 600 "$tools/vendor/bin/phpstan" analyse -c php-bindings/lib/phpstan.neon.dist --no-progress --memory-limit=1G; then
    echo "PHPStan php-bindings/lib: ok"; tally 1 0
  else
    echo "PHPStan php-bindings/lib: errors"; tally 0 1
  fi
  if [[ -d wp-plugin/smtpdiag ]]; then
    cat >"$work/plugin.neon" <<NEON
includes:
    - $here/phpstan/plugin.neon
parameters:
    scanFiles:
        - $tools/vendor/php-stubs/wordpress-stubs/wordpress-stubs.php
NEON
    if timeout 600 "$tools/vendor/bin/phpstan" analyse -c "$work/plugin.neon" --no-progress --memory-limit=2G; then
      echo "PHPStan wp-plugin/smtpdiag: ok"; tally 1 0
    else
      echo "PHPStan wp-plugin/smtpdiag: errors"; tally 0 1
    fi
  fi
else
  tail -n 5 "$work/composer.log" 2>/dev/null
  echo "PHPStan: Composer could not install it into $tools (not run, not counted)"
fi

section summary
echo "php-lib: $passed passed, $failed failed"
((failed == 0))
