# shellcheck shell=bash disable=SC2034
# Shared settings for the smtpdiag network lab (sourced by lab.sh, fault.sh,
# certs.sh, selftest.sh). Not meant to be run on its own.

LAB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_DIR=${SMTPDIAG_LAB_DIR:-/tmp/smtpdiag-lab}
# Debian's python3 (has aiosmtpd/dnslib/cryptography); never the first on PATH.
LAB_PY=/usr/bin/python3

LAB_NS_CLIENT=sd-client
LAB_NS_R1=sd-r1
LAB_NS_R2=sd-r2
LAB_NS_SERVER=sd-server
LAB_NAMESPACES=("$LAB_NS_CLIENT" "$LAB_NS_R1" "$LAB_NS_R2" "$LAB_NS_SERVER")

LAB_USER=sdlab
# Marker file: `down` only deletes a lab dir that carries it.
LAB_MARKER=.smtpdiag-lab

lab_log() { printf '[lab] %s\n' "$*" >&2; }
lab_die() { printf '[lab] ERROR: %s\n' "$*" >&2; exit 1; }

lab_require_root() {
  [[ $(id -u) -eq 0 ]] || lab_die "must run as root"
}

# LAB_DIR must be an absolute path that is not a top-level system directory,
# because `down` removes it recursively.
lab_check_dir() {
  case "$LAB_DIR" in
    /*) ;;
    *) lab_die "SMTPDIAG_LAB_DIR must be absolute: $LAB_DIR" ;;
  esac
  case "$LAB_DIR" in
    */../*|*/..|*/./*|*/.) lab_die "SMTPDIAG_LAB_DIR must be normalised: $LAB_DIR" ;;
  esac
  local d=${LAB_DIR%/}
  case "$d" in
    ""|/tmp|/var|/var/tmp|/root|/home|/etc|/usr|/work|/run|/opt|/srv)
      lab_die "refusing SMTPDIAG_LAB_DIR=$LAB_DIR" ;;
  esac
  LAB_DIR=$d
}

# Under `set -o pipefail` a `producer | grep -q` fails at random: grep exits at
# its first match, and the producer's next write dies of SIGPIPE (status 141).
# `ss -Htln` in sd-server writes about 6 KB in two writes, so a check of one
# listener failed two times in three. These read all of their input.
lab_ns_exists() { ip netns list 2>/dev/null | awk -v n="$1" '$1 == n { f = 1 } END { exit !f }'; }
# lab_listening NS ADDR:PORT: is something listening there (TCP)?
lab_listening() { ip netns exec "$1" ss -Htln 2>/dev/null | awk -v a="$2" '$4 == a { f = 1 } END { exit !f }'; }

# Run a command in a namespace.
lab_in() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
