#!/usr/bin/env bash
# smtpdiag_diagnose()'s fault matrix in the lab: every scenario of
# tests/lab/diagnose_cases.php, inside sd-client, with its faults applied
# through `fault.sh with` (so no other runner's faults can interfere, and
# they are cleared whatever happens). Scenarios without a fault run
# together; the others one at a time. The lab must be up (lab.sh up; a lab
# brought up by an older lab.sh needs `lab.sh reload` for ok.lab.test's DNS
# records and Postfix's ports 2526/2527).
#
#   tests/lab/run-diagnose-matrix.sh EXTENSION_SO [--with-phpmailer] [SCENARIO...]
#
# --with-phpmailer also runs every scenario through PHPMailer the way
# WordPress uses it (Debian's libphp-phpmailer, a separate `php -n` without
# the extension, bounded by `timeout 40`) and writes the comparison table
# tests/lab/diagnose-matrix.md. The assertions never depend on it.
# Last line: "lab diagnose matrix: N passed, N failed"; exit 0 only if none failed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
source "$here/common.sh"
self="$here/$(basename "${BASH_SOURCE[0]}")"
FAULT="$here/fault.sh"
CASES="$here/diagnose_cases.php"
PHPMAILER_WAIT=40
SYSTEM_CA=/etc/ssl/certs/ca-certificates.crt
since() { awk -v a="${2:-$EPOCHREALTIME}" -v b="$1" 'BEGIN { printf "%.3f", a - b }'; }  # since T0 [T1]

# --- internal: run a batch of scenarios in parallel -------------------------
#   run-diagnose-matrix.sh --batch diag|phpmailer WORK NAME...
# Writes WORK/KIND.NAME.out (and .rc) for each; the list is WORK/list.
if [[ "${1:-}" == --batch ]]; then
  kind=$2 work=$3
  shift 3
  for name in "$@"; do
    # At most JOBS at once: hundreds of simultaneous SYNs overflow the lab
    # servers' listen queues, and a dropped SYN costs a 1 s retransmission.
    while (($(jobs -rp | wc -l) >= ${SMTPDIAG_MATRIX_JOBS:-6})); do wait -n; done
    (
      IFS='|' read -r _ _ _ user store ini settle _ < <(grep -m1 "^$name|" "$work/list")
      if ((settle > 0)); then sleep "$settle"; fi
      cert=$LAB_DIR/certs/root.pem
      [[ "$store" == system ]] && cert=$SYSTEM_CA
      args=(-n)
      if [[ -n "$ini" ]]; then
        IFS=';' read -ra kv <<<"$ini"
        for x in "${kv[@]}"; do args+=(-d "$x"); done
      fi
      if [[ "$kind" == diag ]]; then
        args+=(-d "extension=$work/smtpdiag.so" "$work/diagnose_cases.php" run "$name")
        limit=60
      else
        # PHP's CA for PHPMailer: the scenario's ca_file, as openssl.cafile.
        cafile=$(SMTPDIAG_LAB_DIR=$LAB_DIR php -n "$work/diagnose_cases.php" cafile "$name" 2>/dev/null)
        [[ -n "$cafile" ]] && args+=(-d "openssl.cafile=$cafile")
        args+=("$work/diagnose_cases.php" phpmailer "$name")
        limit=$PHPMAILER_WAIT
      fi
      cmd=(env "SSL_CERT_FILE=$cert" "SMTPDIAG_LAB_DIR=$LAB_DIR" php "${args[@]}")
      [[ -n "$user" ]] && cmd=(runuser -u "$user" -- "${cmd[@]}")
      t0=$EPOCHREALTIME
      timeout "$limit" ip netns exec "$LAB_NS_CLIENT" "${cmd[@]}" >"$work/$kind.$name.out" 2>&1
      rc=$?
      echo "$rc $(since "$t0")" >"$work/$kind.$name.rc"
    ) &
  done
  wait
  exit 0
fi

# --- main -----------------------------------------------------------------
so=${1:?usage: run-diagnose-matrix.sh /path/to/smtpdiag.so [--with-phpmailer] [scenario...]}
shift
with_phpmailer=0
only=()
for a in "$@"; do
  case "$a" in
    --with-phpmailer) with_phpmailer=1 ;;
    *) only+=("$a") ;;
  esac
done

passed=0 failed=0
fail_early() {
  echo "not ok - $1"
  echo "lab diagnose matrix: $passed passed, $((failed + 1)) failed"
  exit 1
}
[[ -r "$so" ]] || fail_early "no extension at $so"
lab_ns_exists "$LAB_NS_CLIENT" && [[ -r "$LAB_DIR/certs/root.pem" ]] || fail_early "the lab is not up (run tests/lab/lab.sh up)"
# ok.lab.test's DMARC record (from the client, as the cases resolve it) and
# Postfix's extra ports; a lab brought up by an older lab.sh lacks them. Tried
# three times (a resolver retry can take seconds on a loaded machine); when
# still missing, say which and show the lab's state.
dmarc_ok() {
  timeout 10 ip netns exec "$LAB_NS_CLIENT" php -n -r 'exit(in_array("v=DMARC1; p=none; rua=mailto:postmaster@ok.lab.test", array_column(dns_get_record("_dmarc.ok.lab.test", DNS_TXT) ?: [], "txt"), true) ? 0 : 1);'
}
ports_ok() { lab_listening "$LAB_NS_SERVER" 198.51.100.25:2527; }
ready=0
for try in 1 2 3; do
  dmarc_ok && ports_ok && { ready=1; break; }
  ((try < 3)) && sleep 2
done
if ((!ready)); then
  dmarc_ok || echo "# _dmarc.ok.lab.test TXT does not resolve as expected in $LAB_NS_CLIENT"
  ports_ok || echo "# Postfix does not listen on 198.51.100.25:2527 in $LAB_NS_SERVER"
  bash "$here/lab.sh" check 2>&1 | sed 's/^/# /'
  tail -n 8 "$LAB_DIR/dnsmasq.log" 2>/dev/null | sed 's/^/# dnsmasq.log: /'
  fail_early "the lab is not ready for the matrix (above: what is missing); tests/lab/lab.sh reload adds records and ports an older lab lacks, fault.sh clear removes faults"
fi
if ((with_phpmailer)) && [[ ! -r /usr/share/php/libphp-phpmailer/autoload.php ]]; then
  fail_early "--with-phpmailer needs Debian's libphp-phpmailer (apt-get install -y libphp-phpmailer)"
fi

# A private copy of the extension (others rebuild it in place) and of the
# cases, readable by the unprivileged lab user.
work=$(mktemp -d /tmp/smtpdiag-dmatrix.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
cp "$so" "$work/smtpdiag.so" && cp "$CASES" "$work/diagnose_cases.php" || fail_early "cannot copy into $work"
chmod 644 "$work/smtpdiag.so" "$work/diagnose_cases.php"
php -n "$CASES" list >"$work/list" || fail_early "diagnose_cases.php list failed"

names=() parallel=() serial=()
while IFS='|' read -r name phase _; do
  if ((${#only[@]})) && [[ ! " ${only[*]} " == *" $name "* ]]; then continue; fi
  names+=("$name")
  if [[ "$phase" == parallel ]]; then parallel+=("$name"); else serial+=("$name"); fi
done <"$work/list"
((${#names[@]})) || fail_early "no scenario matches: ${only[*]}"

faults_of() { grep -m1 "^$1|" "$work/list" | cut -d'|' -f3 | tr ',' ' '; }
compared() { [[ $(grep -m1 "^$1|" "$work/list" | cut -d'|' -f8) == 1 ]]; }

# run_phase KIND: every scenario (PHPMailer: those compared), the ones
# without a fault together, the others one by one with their faults.
run_phase() {
  local kind=$1 name f batch=()
  for name in "${parallel[@]}"; do
    [[ "$kind" == phpmailer ]] && ! compared "$name" && continue
    batch+=("$name")
  done
  if ((${#batch[@]})); then
    bash "$FAULT" with -- bash "$self" --batch "$kind" "$work" "${batch[@]}" >"$work/with.log" 2>&1 \
      || echo "# fault.sh with failed for the parallel batch: $(tail -1 "$work/with.log")"
  fi
  for name in "${serial[@]}"; do
    [[ "$kind" == phpmailer ]] && ! compared "$name" && continue
    read -ra f <<<"$(faults_of "$name")"
    bash "$FAULT" with "${f[@]}" -- bash "$self" --batch "$kind" "$work" "$name" >"$work/with.log" 2>&1 \
      || echo "# fault.sh with failed for $name: $(tail -1 "$work/with.log")"
  done
}

T0=$EPOCHREALTIME
echo "# diagnose: ${#parallel[@]} scenario(s) without a fault in parallel, ${#serial[@]} with faults one at a time"
run_phase diag
T1=$EPOCHREALTIME
diag_s=$(since "$T0" "$T1")
for name in "${names[@]}"; do
  out="$work/diag.$name.out"
  if [[ ! -f "$out" ]]; then
    echo "not ok - $name: did not run"
    failed=$((failed + 1))
    continue
  fi
  cat "$out"
  p=$(grep -c '^ok - ' "$out")
  f=$(grep -c '^not ok - ' "$out")
  passed=$((passed + p))
  failed=$((failed + f))
  rc=1
  [[ -f "$work/diag.$name.rc" ]] && read -r rc _ <"$work/diag.$name.rc"
  if ((rc != 0 && f == 0)); then
    echo "not ok - $name: exited with status $rc$( ((rc == 124)) && echo ' (killed after 60 s)')"
    failed=$((failed + 1))
  fi
done

if ((with_phpmailer)); then
  echo "# PHPMailer (WordPress's way): the same scenarios, each bounded by timeout $PHPMAILER_WAIT"
  run_phase phpmailer
  pm_s=$(since "$T1")
  # PHPMailer's successful sends (healthy paths) land in the lab's Maildirs
  # and the script server's spool: remove them (Postfix delivers within seconds).
  for _ in 1 2 3; do
    sleep 1
    grep -rl --null '^X-Smtpdiag-Matrix:' "$LAB_DIR/mail" "$LAB_DIR/script-mail" 2>/dev/null | xargs -0 -r rm -f
  done
  # Only the whole matrix rewrites the table the README links.
  md="$here/diagnose-matrix.md"
  ((${#only[@]})) && md="$work/diagnose-matrix.md"
  {
    echo "# smtpdiag_diagnose() vs PHPMailer in the fault lab"
    echo
    echo "Generated by \`tests/lab/run-diagnose-matrix.sh EXTENSION_SO --with-phpmailer\` on $(date -u +%Y-%m-%d)."
    echo "Each row is one real setup in the lab (tests/lab/README.md): nft faults on the client or a router,"
    echo "a misbehaving server, a certificate, DNS records or a Postfix policy. smtpdiag runs with"
    echo "\`timeout\` 6 s and \`connect_timeout\` 3 s (the concurrency row: 10 s and 5 s); PHPMailer"
    echo "$(sed -n "s/.*const VERSION = '\(.*\)'.*/\1/p" /usr/share/php/libphp-phpmailer/src/PHPMailer.php) runs as WordPress drives it"
    echo "(\`isSMTP()\`, Host/Port/SMTPSecure/SMTPAuth/Username/Password from the same settings,"
    echo "\`SMTPAutoTLS\` left on, \`Timeout\` 10, \`send()\`), in a separate PHP process bounded by \`timeout $PHPMAILER_WAIT\`."
    echo "PHPMailer's \`Timeout\` bounds the connect and each read, but the greeting is awaited with"
    echo "\`stream_select()\` for \`Timelimit\` (300 s), so a server that never greets holds it far longer."
    echo
    echo "| Scenario | Setup | smtpdiag root_cause | smtpdiag time | PHPMailer message (ErrorInfo) | PHPMailer time |"
    echo "| --- | --- | --- | --- | --- | --- |"
    for name in "${names[@]}"; do
      what=$(php -n "$CASES" describe "$name" | sed 's/|/\\|/g')
      ours=$(grep -m1 "^# matrix $name	" "$work/diag.$name.out" 2>/dev/null | cut -f2,3)
      root=${ours%%	*} secs=${ours##*	}
      [[ -z "$ours" ]] && root='(no result)' secs='-'
      pm_line=$(grep -m1 "^# phpmailer $name	" "$work/phpmailer.$name.out" 2>/dev/null | cut -f2,3)
      if [[ -f "$work/phpmailer.$name.rc" ]]; then
        read -r prc psecs <"$work/phpmailer.$name.rc"
      else
        prc='' psecs=''
      fi
      if [[ -n "$pm_line" ]]; then
        pmsg=${pm_line%%	*} ptime="$(printf '%.2f s' "${pm_line##*	}")"
      elif [[ "$prc" == 124 ]]; then
        pmsg="(still waiting after $PHPMAILER_WAIT s)" ptime="> $PHPMAILER_WAIT s"
      elif [[ -n "$prc" ]]; then
        pmsg="(no result, exit $prc)" ptime="$(printf '%.2f s' "$psecs")"
      else
        pmsg='(not compared)' ptime='-'
      fi
      pmsg=$(sed 's/|/\\|/g' <<<"$pmsg")
      [[ "$secs" != - ]] && secs="$(printf '%.2f s' "$secs")"
      echo "| \`$name\` | $what | \`$root\` | $secs | $pmsg | $ptime |"
    done
    echo
    echo "Whole matrix: smtpdiag $(printf '%.1f' "$diag_s") s (parallel where no fault is shared), PHPMailer $(printf '%.1f' "$pm_s") s."
  } >"$md"
  if ((${#only[@]})); then
    echo "# a subset: $here/diagnose-matrix.md left as it was; the table:"
    sed -n '/^| Scenario/,$p' "$md"
  else
    echo "# wrote $md"
  fi
fi

total=$(since "$T0")
printf '# whole matrix: %.1f s (diagnose %.1f s' "$total" "$diag_s"
((with_phpmailer)) && printf ', PHPMailer %.1f s' "$pm_s"
printf ')\n'
echo "lab diagnose matrix: $passed passed, $failed failed"
((failed == 0))
