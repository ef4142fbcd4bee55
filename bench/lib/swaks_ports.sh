#!/usr/bin/env bash
# Comparison 1 (c): swaks once per SMTP port, one after another, --timeout 10:
# the configured port with its encryption and AUTH, the others up to the
# (second) EHLO: STARTTLS on 25/587, implicit TLS on 465, plain on 2525.
#   swaks_ports.sh CASE
set -u
case_=${1:-healthy}
ca=${SMTPDIAG_LAB_DIR:-/tmp/smtpdiag-lab}/certs/root.pem
cfg_port=587
[[ "$case_" == port_dropped ]] && cfg_port=465
t0=$EPOCHREALTIME
answer=()
for port in 25 465 587 2525; do
  args=(--server mail.lab.test --port "$port" --timeout 10 --ehlo client.lab.test
        --from user@ok.lab.test --to user@lab.test --hide-all)
  case $port in
    465) args+=(--tls-on-connect --tls-verify --tls-ca-path "$ca") ;;
    2525) ;;
    *) args+=(--tls --tls-verify --tls-ca-path "$ca") ;;
  esac
  if ((port == cfg_port)); then
    args+=(--auth PLAIN --auth-user user@lab.test --auth-password labpass --quit-after AUTH)
  else
    args+=(--quit-after helo)
  fi
  swaks "${args[@]}" >/dev/null 2>&1
  answer+=("$port: exit $?")
done
secs=$(awk -v a="$EPOCHREALTIME" -v b="$t0" 'BEGIN { printf "%.3f", a - b }')
line=$(printf 'swaks_ports\t%s\t%s\t%s' "$case_" "$secs" "$(IFS='|'; echo "${answer[*]}")")
if [[ -n "${BENCH_LOG:-}" ]]; then echo "$line" >>"$BENCH_LOG"; else echo "$line"; fi
