#!/usr/bin/env bash
# The WordPress plugin's whole test run, as root (after tests/wp/setup.sh):
#
#   bash tests/wp/run.sh EXTENSION_SO
#
# 1. A real WordPress (Debian's 6.1 package, copied into a temp dir) on a private
#    MariaDB (socket only), served by `php -S` (4 workers, a router) INSIDE the
#    lab's sd-client namespace as user sdwp, with the extension loaded and the
#    lab CA as openssl.cafile. The plugin is symlinked from wp-plugin/smtpdiag,
#    so it loads php-bindings/lib from the checkout.
# 2. PHPUnit integration tests (in-process WordPress, same namespace and user),
#    first on the intact lab, then (@group blocked) with port 465 dropped.
# 3. Browser tests: node:test + playwright-core + Debian's /usr/bin/chromium,
#    also inside sd-client; screenshots go to $SMTPDIAG_WP_OUTPUT (default
#    tests/wp/output/).
# 4. WordPress Coding Standards (WPCS 2.3 via Composer) on wp-plugin/smtpdiag.
#
# Port 465 is dropped by an nft table of our own in sd-client
# (`inet smtpdiag_wp`: `meta skuid sdwp tcp dport 465 drop`), not by
# tests/lab/fault.sh: the lab is shared, and a rule keyed to sdwp drops only
# WordPress's packets, exactly as a per-user firewall or a security plugin's
# rule would. If the lab is not up, it is brought up and taken down again.
# Everything started here is stopped on exit (trap), the whole run is bounded
# (watchdog), and the last line is "wp: N passed, N failed".
set -uo pipefail

if [[ -z ${SMTPDIAG_WP_WATCHDOG:-} ]]; then
  export SMTPDIAG_WP_WATCHDOG=1
  exec timeout --kill-after=20 570 bash "$0" "$@"
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SO=${1:-}
[[ -n $SO && -f $SO ]] || { echo "usage: tests/wp/run.sh EXTENSION_SO" >&2; echo "wp: 0 passed, 1 failed"; exit 2; }
SO=$(cd "$(dirname "$SO")" && pwd)/$(basename "$SO")
[[ $(id -u) -eq 0 ]] || { echo "tests/wp/run.sh: run as root" >&2; echo "wp: 0 passed, 1 failed"; exit 2; }

LAB_DIR=${SMTPDIAG_LAB_DIR:-/tmp/smtpdiag-lab}
OUT=${SMTPDIAG_WP_OUTPUT:-$HERE/output}
NS=sd-client
WPUSER=sdwp
PASSED=0
FAILED=0
PIDS=()
LAB_STARTED=0
TMP=$(mktemp -d /tmp/smtpdiag-wp.XXXXXX)
chmod 755 "$TMP"
mkdir -p "$OUT/screenshots"
rm -f "$OUT"/screenshots/*.png "$OUT"/*.log "$OUT"/*.tap "$OUT"/*.xml 2>/dev/null

log() { printf '[wp] %s\n' "$*" >&2; }
pass() { PASSED=$((PASSED + ${1:-1})); }
fail() { FAILED=$((FAILED + ${1:-1})); }
nsrun() { ip netns exec "$NS" "$@"; }
as_wp() { ip netns exec "$NS" setpriv --reuid "$WPUSER" --regid "$WPUSER" --clear-groups "$@"; }

SUMMARY_DONE=0
summary() {
  (( SUMMARY_DONE )) && return
  SUMMARY_DONE=1
  echo "wp: $PASSED passed, $FAILED failed"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # Each background service leads its own process group (setsid): stop the whole group.
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  nsrun nft delete table inet smtpdiag_wp 2>/dev/null
  if [[ -S $TMP/mysql.sock ]]; then
    mariadb-admin --no-defaults -uroot -S "$TMP/mysql.sock" shutdown 2>/dev/null
  fi
  [[ -f $TMP/mariadb.pid ]] && kill "$(cat "$TMP/mariadb.pid")" 2>/dev/null
  [[ -f $TMP/wp/wp-content/debug.log ]] && cp "$TMP/wp/wp-content/debug.log" "$OUT/wordpress-debug.log"
  if (( LAB_STARTED )); then bash "$REPO/tests/lab/lab.sh" down >/dev/null 2>&1; fi
  rm -rf "$TMP"
  if (( rc == 124 || rc == 143 )); then log "time limit reached"; fail; fi
  summary
  (( FAILED == 0 && PASSED > 0 )) && exit 0
  exit 1
}
trap cleanup EXIT
trap 'exit 143' INT TERM

# ---------------------------------------------------------------- the lab
if ! ip netns list | grep -w "$NS" >/dev/null || [[ ! -f $LAB_DIR/.smtpdiag-lab ]]; then
  log "lab not up: starting it"
  if timeout 120 bash "$REPO/tests/lab/lab.sh" up >"$OUT/lab-up.log" 2>&1; then
    LAB_STARTED=1
  else
    log "lab.sh up failed (see $OUT/lab-up.log)"; fail; exit 1
  fi
fi
LAB_CA=$LAB_DIR/certs/root.pem

# ------------------------------------------------------- MariaDB (private)
log "MariaDB"
mariadb-install-db --no-defaults --auth-root-authentication-method=normal --skip-test-db \
  --datadir="$TMP/db" --user=root >"$OUT/mariadb-install.log" 2>&1 || { log "mariadb-install-db failed"; fail; exit 1; }
setsid mariadbd --no-defaults --skip-networking --socket="$TMP/mysql.sock" --datadir="$TMP/db" --user=root \
  --pid-file="$TMP/mariadb.pid" --log-error="$OUT/mariadb.log" &
PIDS+=($!)
for _ in $(seq 1 100); do [[ -S $TMP/mysql.sock ]] && break; sleep 0.2; done
[[ -S $TMP/mysql.sock ]] || { log "mariadbd did not start"; fail; exit 1; }
DB_PASS=$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
mariadb --no-defaults -uroot -S "$TMP/mysql.sock" -e "CREATE DATABASE wordpress; CREATE USER 'wp'@'localhost' IDENTIFIED BY '$DB_PASS'; GRANT ALL ON wordpress.* TO 'wp'@'localhost';" \
  || { log "database setup failed"; fail; exit 1; }

# ----------------------------------------------------------- WordPress
log "WordPress"
PORT=$((20000 + RANDOM % 20000))
URL="http://127.0.0.1:$PORT"
WP=$TMP/wp
# Dereference Debian's symlinks (relative ones into /usr/share/javascript, getID3, ...).
mkdir -p "$WP"
for f in /usr/share/wordpress/*; do
  case $(basename "$f") in wp-config.php|wp-content) continue ;; esac
  cp -rL "$f" "$WP/" || { log "copying $f failed"; fail; exit 1; }
done
mkdir -p "$WP/wp-content/plugins" "$WP/wp-content/mu-plugins" "$WP/wp-content/themes" "$WP/wp-content/uploads"
cp -aL /usr/share/wordpress/wp-content/themes/twentytwentythree "$WP/wp-content/themes/" 2>/dev/null || true
ln -s "$REPO/wp-plugin/smtpdiag" "$WP/wp-content/plugins/smtpdiag"
cp "$HERE/fixtures/mu-plugins/smtpdiag-lab.php" "$WP/wp-content/mu-plugins/"
cp "$SO" "$TMP/smtpdiag.so"
salt() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' ; }
cat >"$WP/wp-config.php" <<EOF
<?php
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wp' );
define( 'DB_PASSWORD', '$DB_PASS' );
define( 'DB_HOST', 'localhost:$TMP/mysql.sock' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
\$table_prefix = 'wp_';
foreach ( array( 'AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT' ) as \$k ) {
	define( \$k, '$(salt)' . \$k );
}
define( 'WP_HOME', '$URL' );
define( 'WP_SITEURL', '$URL' );
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_LOG', true );
define( 'WP_DEBUG_DISPLAY', false );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_ENVIRONMENT_TYPE', 'local' );
define( 'FS_METHOD', 'direct' );
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
EOF
chown -R "$WPUSER:$WPUSER" "$WP/wp-content"
mkdir -p "$TMP/home" "$TMP/junit" && chown "$WPUSER:$WPUSER" "$TMP/home" "$TMP/junit"

PHP_ARGS="-d extension=$TMP/smtpdiag.so -d openssl.cafile=$LAB_CA -d memory_limit=512M -d display_errors=stderr"
ADMIN_PASS=$(salt | head -c 20)
SUB_PASS=$(salt | head -c 20)
export WP_TESTS_SITE=$WP WP_TESTS_URL=$URL WP_TESTS_PHP_ARGS=$PHP_ARGS LAB_CA
export WP_TESTS_ADMIN_PASS=$ADMIN_PASS WP_TESTS_SUB_PASS=$SUB_PASS
# shellcheck disable=SC2086
if ! as_wp env HOME="$TMP/home" WP_TESTS_SITE="$WP" WP_TESTS_URL="$URL" php $PHP_ARGS "$HERE/bin/install-wp.php" "$ADMIN_PASS" "$SUB_PASS" >"$OUT/install.log" 2>&1; then
  log "WordPress install failed:"; cat "$OUT/install.log" >&2; fail; exit 1
fi
log "$(tail -1 "$OUT/install.log")"

# shellcheck disable=SC2086
setsid ip netns exec "$NS" setpriv --reuid "$WPUSER" --regid "$WPUSER" --clear-groups \
  env HOME="$TMP/home" PHP_CLI_SERVER_WORKERS=4 php $PHP_ARGS -S "127.0.0.1:$PORT" -t "$WP" "$HERE/bin/router.php" \
  >"$OUT/php-server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do
  nsrun php -r "exit(@file_get_contents('$URL/wp-login.php') === false ? 1 : 0);" 2>/dev/null && break
  sleep 0.2
done

# The hostile SMTP server for the escaping test, on loopback in sd-client.
EVIL_PORT=2525
if nsrun php -r "exit(@fsockopen('127.0.0.1', $EVIL_PORT) ? 0 : 1);" 2>/dev/null; then
  log "127.0.0.1:$EVIL_PORT is taken in $NS"; fail; exit 1
fi
setsid ip netns exec "$NS" /usr/bin/python3 "$HERE/bin/evil-smtp.py" 127.0.0.1 "$EVIL_PORT" >"$OUT/evil-smtp.log" 2>&1 &
PIDS+=($!)
export EVIL_PORT

apply_fault() {
  nsrun nft -f - <<EOF
table inet smtpdiag_wp {
	chain out {
		type filter hook output priority 0; policy accept;
		meta skuid $WPUSER tcp dport 465 drop
	}
}
EOF
}

# junit file -> counts
count_junit() {
  php -r '
    $x = @simplexml_load_file($argv[1]);
    if (!$x) { echo "0 1\n"; exit; }
    $s = $x->testsuite ?: $x; $a = $s->attributes();
    $t = (int)$a["tests"]; $f = (int)$a["failures"] + (int)$a["errors"];
    echo ($t - $f - (int)$a["skipped"]), " ", $f, "\n";' "$1"
}

run_phpunit() { # name, extra args...
  local name=$1; shift
  # shellcheck disable=SC2086
  timeout 240 ip netns exec "$NS" setpriv --reuid "$WPUSER" --regid "$WPUSER" --clear-groups \
    env HOME="$TMP/home" WP_CLI_CACHE_DIR="$TMP/home/wp-cli-cache" WP_TESTS_SITE="$WP" WP_TESTS_URL="$URL" \
        WP_TESTS_PHP_ARGS="$PHP_ARGS" WP_TESTS_ADMIN_PASS="$ADMIN_PASS" WP_TESTS_SUB_PASS="$SUB_PASS" \
        LAB_CA="$LAB_CA" EVIL_PORT="$EVIL_PORT" \
    php $PHP_ARGS "$HERE/vendor/bin/phpunit" -c "$HERE/phpunit.xml.dist" --debug --log-junit "$TMP/junit/$name.xml" "$@" \
    >"$OUT/phpunit-$name.log" 2>&1
  local rc=$?
  cp "$TMP/junit/$name.xml" "$OUT/phpunit-$name.xml" 2>/dev/null
  read -r p f < <(count_junit "$TMP/junit/$name.xml")
  (( rc != 0 && f == 0 )) && f=1
  log "phpunit $name: $p passed, $f failed ($(tail -1 "$OUT/phpunit-$name.log"))"
  # What failed, in the run's own output (CI shows only that).
  if (( f > 0 )); then
    if (( rc == 124 )); then
      log "phpunit $name: stopped by its 240 s limit in: $(grep "^Test '" "$OUT/phpunit-$name.log" | tail -n 1)"
      log "WordPress's debug.log ends:"
      grep -v 'PHP Deprecated' "$WP/wp-content/debug.log" 2>/dev/null | tail -n 15 | cut -c1-300 | sed 's/^/[wp]   /' >&2
    fi
    grep -v '^\s*$' "$OUT/phpunit-$name.log" | sed -n '/^There w[a-z]* [0-9]* \(failure\|error\)/,$p' | head -n 40 | sed 's/^/[wp]   /' >&2
    tail -n 5 "$OUT/php-server.log" 2>/dev/null | sed 's/^/[wp]   php -S: /' >&2
  fi
  pass "$p"; fail "$f"
}

# Others may be using the lab: say so, since their faults change what the probes
# see (this run only adds its own table; CI runs alone).
lab_check() {
  local foreign
  foreign=$(for ns in sd-client sd-r1 sd-r2 sd-server; do ip netns exec "$ns" nft list tables 2>/dev/null | grep -v smtpdiag_wp | sed "s/^/$ns: /"; done)
  [[ -n $foreign ]] && log "note ($1): another run has faults in the lab: $(echo $foreign)"
}
lab_check "before the tests"

# Development shortcuts: SMTPDIAG_WP_ONLY=phpunit|browser, SMTPDIAG_WP_FILTER=PHPUnit --filter.
ONLY=${SMTPDIAG_WP_ONLY:-}
FILTER=()
[[ -n ${SMTPDIAG_WP_FILTER:-} ]] && FILTER=(--filter "$SMTPDIAG_WP_FILTER")

# ------------------------------------------------------------- PHPUnit
if [[ -z $ONLY || $ONLY == phpunit ]]; then
  log "PHPUnit (lab intact)"
  run_phpunit intact --exclude-group blocked "${FILTER[@]}"
  log "PHPUnit (port 465 dropped for $WPUSER)"
  apply_fault || { log "could not apply the fault"; fail; }
  run_phpunit blocked --group blocked "${FILTER[@]}"
  lab_check "after PHPUnit"
fi
[[ $ONLY == phpunit ]] && exit 0
apply_fault 2>/dev/null

# -------------------------------------------------------------- browser
log "Browser (Chromium)"
timeout 300 ip netns exec "$NS" env WP_TESTS_SITE="$WP" WP_TESTS_URL="$URL" WP_TESTS_ADMIN_PASS="$ADMIN_PASS" \
  WP_TESTS_OUT="$OUT" EVIL_PORT="$EVIL_PORT" LAB_CONFIG="php $HERE/bin/lab-config.php" TMPDIR="$TMP" \
  node --test --test-concurrency=1 --test-reporter=tap "$HERE/browser/" >"$OUT/browser.tap" 2>"$OUT/browser.log"
brc=$?
bp=$(grep -E '^# pass ' "$OUT/browser.tap" | awk '{print $3}')
bf=$(grep -E '^# fail ' "$OUT/browser.tap" | awk '{print $3}')
bp=${bp:-0}; bf=${bf:-0}
(( (brc != 0 || bp == 0) && bf == 0 )) && bf=1
log "browser: $bp passed, $bf failed"
# A refused or retyped login is printed even when a retry got in.
grep -h 'login attempt' "$OUT/browser.tap" "$OUT/browser.log" 2>/dev/null | sed 's/^# */[wp]   /' >&2
if (( bf > 0 )); then
  grep -E '^not ok|error:|Error|expected|actual' "$OUT/browser.tap" | head -n 20 | sed 's/^/[wp]   /' >&2
  tail -n 10 "$OUT/browser.log" | sed 's/^/[wp]   /' >&2
  tail -n 5 "$OUT/php-server.log" 2>/dev/null | sed 's/^/[wp]   php -S: /' >&2
fi
lab_check "after the browser tests"
pass "$bp"; fail "$bf"
nsrun nft delete table inet smtpdiag_wp 2>/dev/null

[[ $ONLY == browser ]] && exit 0

# ------------------------------------------------------- coding standards
log "WordPress Coding Standards"
if timeout 120 "$HERE/vendor/bin/phpcs" --standard="$REPO/wp-plugin/phpcs.xml.dist" --report-width=140 \
     "$REPO/wp-plugin/smtpdiag" >"$OUT/phpcs.log" 2>&1; then
  pass; log "phpcs: clean"
else
  fail; log "phpcs: violations (see $OUT/phpcs.log)"; tail -20 "$OUT/phpcs.log" >&2
fi

# ------------------------------------------------- translations template
log "languages/smtpdiag.pot up to date"
if timeout 60 bash "$REPO/wp-plugin/bin/make-pot.sh" --check >"$OUT/pot.log" 2>&1; then pass; else fail; cat "$OUT/pot.log" >&2; fi

# ----------------------------------------------- the plugin's own PHP notices
# Debian's WordPress 6.1 on PHP 8.2 logs deprecations of its own; only the plugin's count.
if [[ -f $WP/wp-content/debug.log ]] && grep -E "wp-plugin/smtpdiag|plugins/smtpdiag|php-bindings/lib" "$WP/wp-content/debug.log" >"$OUT/plugin-notices.log"; then
  fail; log "the plugin logged PHP notices:"; head -20 "$OUT/plugin-notices.log" >&2
else
  pass
fi
exit 0
