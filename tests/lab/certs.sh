#!/usr/bin/env bash
# Builds the lab PKI with the openssl CLI into $LAB_DIR/certs (or $1).
#
#   root.pem            "smtpdiag Lab Root" (self-signed CA)
#   intermediate.pem    "smtpdiag Lab Intermediate" (signed by root, pathlen 0)
#   mail.key mail.pem mail-chain.pem        leaf for mail.lab.test
#   script.key script.pem script-chain.pem  leaf for script.lab.test
#
# Every certificate goes through `openssl ca` with explicit start/end dates,
# so adding expired, not-yet-valid, wrong-name or self-signed variants is one
# more line in main() (see the examples there).
# Usage: certs.sh [OUTDIR]
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

OUT=${1:-$LAB_DIR/certs}
WORK=$OUT/.ca

# UTCTime (YYMMDDHHMMSSZ) for "now + N days" (N may be negative).
utc_days() { date -u -d "$1 days" +%y%m%d%H%M%SZ; }

new_key() { # new_key FILE
  openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null \
    || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
  chmod 0600 "$1"
}

# A private `openssl ca` database per issuer.
ca_db_init() { # ca_db_init NAME
  local d=$WORK/$1
  mkdir -p "$d/newcerts"
  : >"$d/index.txt"
  openssl rand -hex 16 >"$d/serial"
  cat >"$d/ca.cnf" <<EOF
[ ca ]
default_ca = lab_ca

[ lab_ca ]
dir              = $d
database         = \$dir/index.txt
new_certs_dir    = \$dir/newcerts
serial           = \$dir/serial
default_md       = sha256
policy           = lab_policy
unique_subject   = no
copy_extensions  = none
email_in_dn      = no
preserve         = yes

[ lab_policy ]
organizationName = optional
commonName       = supplied

[ req ]
distinguished_name = req_dn
prompt             = no

[ req_dn ]
CN = placeholder
EOF
}

# ext_file FILE KIND [SAN]: KIND is root | intermediate | leaf
ext_file() {
  local f=$1 kind=$2 san=${3:-}
  case "$kind" in
    root)
      cat >"$f" <<'EOF'
[ ext ]
basicConstraints       = critical, CA:true
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
      ;;
    intermediate)
      cat >"$f" <<'EOF'
[ ext ]
basicConstraints       = critical, CA:true, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
      ;;
    leaf)
      {
        echo '[ ext ]'
        echo 'basicConstraints       = critical, CA:false'
        echo 'keyUsage               = critical, digitalSignature, keyEncipherment'
        echo 'extendedKeyUsage       = serverAuth'
        echo 'subjectKeyIdentifier   = hash'
        echo 'authorityKeyIdentifier = keyid:always'
        [[ -n "$san" ]] && echo "subjectAltName         = $san"
      } >"$f"
      ;;
    *) lab_die "ext_file: unknown kind $kind" ;;
  esac
}

# issue NAME SUBJECT KIND ISSUER DAYS_BACK DAYS_AHEAD [SAN]
#   NAME     output basename: writes NAME.key and NAME.pem into $OUT
#   SUBJECT  e.g. "/O=smtpdiag lab/CN=mail.lab.test"
#   KIND     root | intermediate | leaf
#   ISSUER   basename of an already issued CA, or "self" (self-signed)
#   DAYS_*   validity: notBefore = now - DAYS_BACK, notAfter = now + DAYS_AHEAD
#            (DAYS_AHEAD negative = already expired; DAYS_BACK negative = not yet valid)
#   SAN      e.g. "DNS:mail.lab.test" (leaf only)
issue() {
  local name=$1 subj=$2 kind=$3 issuer=$4 back=$5 ahead=$6 san=${7:-}
  local key=$OUT/$name.key csr=$WORK/$name.csr ext=$WORK/$name.ext
  new_key "$key"
  ext_file "$ext" "$kind" "$san"
  local db
  if [[ "$issuer" == self ]]; then
    ca_db_init "$name"; db=$WORK/$name
  else
    db=$WORK/$issuer
    [[ -f "$db/ca.cnf" ]] || lab_die "issuer $issuer has no CA database"
  fi
  openssl req -new -config "$db/ca.cnf" -key "$key" -subj "$subj" -out "$csr" 2>/dev/null
  local args=(ca -batch -notext -config "$db/ca.cnf" -in "$csr" -out "$OUT/$name.pem"
              -startdate "$(utc_days "-$back")" -enddate "$(utc_days "$ahead")"
              -extfile "$ext" -extensions ext)
  if [[ "$issuer" == self ]]; then
    args+=(-selfsign -keyfile "$key")
  else
    args+=(-cert "$OUT/$issuer.pem" -keyfile "$OUT/$issuer.key")
  fi
  openssl "${args[@]}" 2>"$WORK/$name.err" || { cat "$WORK/$name.err" >&2; lab_die "openssl ca failed for $name"; }
  # Issuers get their own database for the certificates they sign.
  if [[ "$kind" != leaf && "$issuer" != self ]]; then ca_db_init "$name"; fi
}

# chain NAME PARTS...: concatenates PARTS (basenames) into $OUT/NAME.pem
chain() {
  local name=$1; shift
  local p
  : >"$OUT/$name.pem"
  for p in "$@"; do cat "$OUT/$p.pem" >>"$OUT/$name.pem"; done
}

main() {
  rm -rf "$OUT"
  mkdir -p "$OUT" "$WORK"
  chmod 0755 "$OUT"

  issue root         "/O=smtpdiag lab/CN=smtpdiag Lab Root"         root         self 30 3650
  issue intermediate "/O=smtpdiag lab/CN=smtpdiag Lab Intermediate" intermediate root 30 1825

  issue mail   "/O=smtpdiag lab/CN=mail.lab.test"   leaf intermediate 30 365 "DNS:mail.lab.test"
  chain mail-chain mail intermediate
  issue script "/O=smtpdiag lab/CN=script.lab.test" leaf intermediate 30 365 "DNS:script.lab.test"
  chain script-chain script intermediate

  # Later variants go here, e.g.:
  #   issue expired  "/CN=script.lab.test" leaf intermediate 400 -5 "DNS:script.lab.test"
  #   issue wrongname "/CN=other.lab.test" leaf intermediate 30 365 "DNS:other.lab.test"
  #   issue selfsigned "/CN=script.lab.test" leaf self 30 365 "DNS:script.lab.test"

  # Keys stay private to root; Postfix and the script server load them as root.
  openssl verify -CAfile "$OUT/root.pem" -untrusted "$OUT/intermediate.pem" \
    "$OUT/mail.pem" "$OUT/script.pem" >/dev/null \
    || lab_die "generated chain does not verify"
}

main "$@"
