#!/usr/bin/env bash
# Builds the lab PKI with the openssl CLI into $LAB_DIR/certs (or $1).
#
#   root.pem            "smtpdiag Lab Root" (self-signed CA)
#   intermediate.pem    "smtpdiag Lab Intermediate" (signed by root, pathlen 0)
#   mail.key mail.pem mail-chain.pem        leaf for mail.lab.test
#   script.key script.pem script-chain.pem  leaf for script.lab.test
#   NAME.key NAME.pem NAME-chain.pem        the certificate matrix (NAME-chain.pem
#                                           is what the server sends):
#     valid       valid.lab.test                      leaf + intermediate
#     expired     expired.lab.test, expired 5 days ago
#     notyet      notyet.lab.test, valid from now + 5 days
#     expiring    expiring.lab.test, expires in 3 days
#     wrongname   CN/SAN other.lab.test (served as wrongname.lab.test)
#     wild        *.lab.test (served as wild.lab.test: matches)
#     wildmiss    *.other.test (served as wildmiss.lab.test: does not match)
#     ipsan       CN ipsan.lab.test, SAN IP:198.51.100.26 only (connect by IP)
#     selfsigned  selfsigned.lab.test, self-signed, sent alone
#     noint       noint.lab.test, sent WITHOUT the intermediate; its AIA
#                 caIssuers names http://aia.lab.test/intermediate.der
#     rsa1024     rsa1024.lab.test, RSA 1024-bit key
#     sha1        sha1.lab.test, signed with sha1WithRSAEncryption
#     tls10       tls10.lab.test, valid (served by a TLS-1.0-only listener)
#     tls11       tls11.lab.test, valid (served by a TLS 1.0-1.1 listener)
#     noaia       noaia.lab.test, sent without the intermediate, no AIA at all
#     aia404      aia404.lab.test, sent without the intermediate, AIA names a
#                 URI that answers 404
#   aia/intermediate.der  the intermediate in DER, served as AIA caIssuers
#
# Every certificate goes through `openssl ca` with explicit start/end dates,
# so a new variant is one more `issue` (+ `chain`) line in main().
# Usage: certs.sh [OUTDIR]
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

OUT=${1:-$LAB_DIR/certs}
WORK=$OUT/.ca

# UTCTime (YYMMDDHHMMSSZ) for "now + N days" (N may be negative).
utc_days() { date -u -d "$1 days" +%y%m%d%H%M%SZ; }

new_key() { # new_key FILE [BITS]
  local bits=${2:-2048}
  openssl genpkey -quiet -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out "$1" 2>/dev/null \
    || openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out "$1" 2>/dev/null
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
    leaf|selfleaf)
      # selfleaf: a self-signed server certificate as `openssl req -x509`
      # style tools make them for a leaf: no keyUsage, so OpenSSL sees it
      # as self-signed (X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT).
      {
        echo '[ ext ]'
        echo 'basicConstraints       = critical, CA:false'
        [[ "$kind" == leaf ]] && echo 'keyUsage               = critical, digitalSignature, keyEncipherment'
        echo 'extendedKeyUsage       = serverAuth'
        echo 'subjectKeyIdentifier   = hash'
        echo 'authorityKeyIdentifier = keyid:always'
        [[ -n "$san" ]] && echo "subjectAltName         = $san"
        if [[ -n "${AIA:-}" ]]; then echo "authorityInfoAccess    = caIssuers;URI:$AIA"; fi
      } >"$f"
      ;;
    *) lab_die "ext_file: unknown kind $kind" ;;
  esac
}

# [KEY_BITS=N] [KEY_FROM=NAME] [MD=sha1] [AIA=URI] issue NAME SUBJECT KIND ISSUER DAYS_BACK DAYS_AHEAD [SAN]
#   NAME     output basename: writes NAME.key and NAME.pem into $OUT
#   SUBJECT  e.g. "/O=smtpdiag lab/CN=mail.lab.test"
#   KIND     root | intermediate | leaf | selfleaf (leaf without keyUsage, for ISSUER self)
#   ISSUER   basename of an already issued CA, or "self" (self-signed)
#   DAYS_*   validity: notBefore = now - DAYS_BACK, notAfter = now + DAYS_AHEAD
#            (DAYS_AHEAD negative = already expired; DAYS_BACK negative = not yet valid)
#   SAN      e.g. "DNS:mail.lab.test" (leaf only)
#   KEY_BITS RSA key size (default 2048); KEY_FROM reuse NAME's key instead of
#            generating one (keeps `lab.sh up` fast); MD signature digest (default sha256);
#            AIA a caIssuers URI for the leaf
issue() {
  local name=$1 subj=$2 kind=$3 issuer=$4 back=$5 ahead=$6 san=${7:-}
  local key=$OUT/$name.key csr=$WORK/$name.csr ext=$WORK/$name.ext
  if [[ -n "${KEY_FROM:-}" ]]; then
    install -m 0600 "$OUT/$KEY_FROM.key" "$key"
  else
    new_key "$key" "${KEY_BITS:-2048}"
  fi
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
              -startdate "$(utc_days "$((-back))")" -enddate "$(utc_days "$ahead")"
              -md "${MD:-sha256}" -extfile "$ext" -extensions ext)
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

  # The certificate matrix (served by scriptsmtp.py, see lab.sh). For each
  # NAME: NAME.pem (leaf), NAME.key, NAME-chain.pem = exactly what the
  # server sends. The 2048-bit leaves share one key (speed).
  local o="/O=smtpdiag lab"
  issue valid      "$o/CN=valid.lab.test"      leaf intermediate 30 365 "DNS:valid.lab.test"
  KEY_FROM=valid issue expired    "$o/CN=expired.lab.test"    leaf intermediate 400 -5 "DNS:expired.lab.test"
  KEY_FROM=valid issue notyet     "$o/CN=notyet.lab.test"     leaf intermediate -5 365 "DNS:notyet.lab.test"
  KEY_FROM=valid issue expiring   "$o/CN=expiring.lab.test"   leaf intermediate 30 3 "DNS:expiring.lab.test"
  KEY_FROM=valid issue wrongname  "$o/CN=other.lab.test"      leaf intermediate 30 365 "DNS:other.lab.test"
  KEY_FROM=valid issue wild       "$o/CN=*.lab.test"          leaf intermediate 30 365 "DNS:*.lab.test"
  KEY_FROM=valid issue wildmiss   "$o/CN=*.other.test"        leaf intermediate 30 365 "DNS:*.other.test"
  KEY_FROM=valid issue ipsan      "$o/CN=ipsan.lab.test"      leaf intermediate 30 365 "IP:198.51.100.26"
  KEY_FROM=valid issue selfsigned "$o/CN=selfsigned.lab.test" selfleaf self 30 365 "DNS:selfsigned.lab.test"
  KEY_FROM=valid AIA=http://aia.lab.test/intermediate.der \
                 issue noint      "$o/CN=noint.lab.test"      leaf intermediate 30 365 "DNS:noint.lab.test"
  KEY_BITS=1024  issue rsa1024    "$o/CN=rsa1024.lab.test"    leaf intermediate 30 365 "DNS:rsa1024.lab.test"
  KEY_FROM=valid MD=sha1 issue sha1 "$o/CN=sha1.lab.test"     leaf intermediate 30 365 "DNS:sha1.lab.test"
  KEY_FROM=valid issue tls10      "$o/CN=tls10.lab.test"      leaf intermediate 30 365 "DNS:tls10.lab.test"
  KEY_FROM=valid issue tls11      "$o/CN=tls11.lab.test"      leaf intermediate 30 365 "DNS:tls11.lab.test"
  KEY_FROM=valid issue noaia      "$o/CN=noaia.lab.test"      leaf intermediate 30 365 "DNS:noaia.lab.test"
  KEY_FROM=valid AIA=http://aia.lab.test/missing.der \
                 issue aia404     "$o/CN=aia404.lab.test"     leaf intermediate 30 365 "DNS:aia404.lab.test"
  local n
  for n in valid expired notyet expiring wrongname wild wildmiss ipsan rsa1024 sha1 tls10 tls11; do
    chain "$n-chain" "$n" intermediate
  done
  chain selfsigned-chain selfsigned   # a self-signed leaf alone
  chain noint-chain noint             # the intermediate is missing
  chain noaia-chain noaia
  chain aia404-chain aia404
  mkdir -p "$OUT/aia"
  chmod 0755 "$OUT/aia"
  openssl x509 -in "$OUT/intermediate.pem" -outform DER -out "$OUT/aia/intermediate.der"

  # Keys stay private to root; Postfix and the script server load them as root.
  openssl verify -CAfile "$OUT/root.pem" -untrusted "$OUT/intermediate.pem" \
    "$OUT/mail.pem" "$OUT/script.pem" "$OUT/valid.pem" "$OUT/wild.pem" "$OUT/ipsan.pem" >/dev/null \
    || lab_die "generated chain does not verify"
}

main "$@"
