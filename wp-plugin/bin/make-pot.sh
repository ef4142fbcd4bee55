#!/usr/bin/env bash
# Regenerates smtpdiag/languages/smtpdiag.pot from the PHP and JS sources with
# GNU xgettext (WP-CLI's i18n command is not installable here).
#   bash wp-plugin/bin/make-pot.sh           write the .pot
#   bash wp-plugin/bin/make-pot.sh --check   fail when the committed .pot is stale
set -euo pipefail
PLUGIN=$(cd "$(dirname "${BASH_SOURCE[0]}")/../smtpdiag" && pwd)
POT=$PLUGIN/languages/smtpdiag.pot
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
KEYWORDS=(--keyword=__ --keyword=_e --keyword=esc_html__ --keyword=esc_html_e --keyword=esc_attr__
          --keyword=esc_attr_e --keyword=_x:1,2c --keyword=_ex:1,2c --keyword=esc_html_x:1,2c
          --keyword=esc_attr_x:1,2c --keyword=_n:1,2 --keyword=_nx:1,2,4c --keyword=_n_noop:1,2)
cd "$PLUGIN"
mapfile -t php < <(find . -name '*.php' -not -path './vendor-lib/*' | LC_ALL=C sort)
mapfile -t js < <(find assets -name '*.js' | LC_ALL=C sort)
common=(--from-code=UTF-8 --add-comments=translators: --add-location=file --sort-by-file --package-name=smtpdiag
        --package-version=0.1.0 --msgid-bugs-address=https://wordpress.org/support/plugin/smtpdiag --no-wrap)
xgettext --language=PHP "${common[@]}" "${KEYWORDS[@]}" -o "$TMP/php.pot" "${php[@]}"
xgettext --language=JavaScript "${common[@]}" "${KEYWORDS[@]}" -o "$TMP/js.pot" "${js[@]}"
msgcat --no-wrap --sort-by-file "$TMP/php.pot" "$TMP/js.pot" -o "$TMP/all.pot"
# A stable header: no creation date, the plugin's own copyright line.
sed -e '/^"POT-Creation-Date:/d' \
    -e 's/^# SOME DESCRIPTIVE TITLE./# Translation template of the SMTP Diagnostics (smtpdiag) plugin./' \
    -e 's/^# Copyright (C) YEAR THE PACKAGE.S COPYRIGHT HOLDER/# This file is distributed under the GPL-2.0-or-later license./' \
    -e '/^# This file is distributed under the same license as the/d' \
    -e '/^# FIRST AUTHOR/d' \
    -e 's/^"Content-Type: text\/plain; charset=CHARSET\\n"/"Content-Type: text\/plain; charset=UTF-8\\n"/' \
    "$TMP/all.pot" >"$TMP/smtpdiag.pot"
if [[ ${1:-} == --check ]]; then
  if ! diff -u "$POT" "$TMP/smtpdiag.pot" >"$TMP/diff"; then
    echo "smtpdiag.pot is stale: run bash wp-plugin/bin/make-pot.sh" >&2
    head -40 "$TMP/diff" >&2
    exit 1
  fi
  echo "smtpdiag.pot is up to date ($(grep -c '^msgid ' "$POT") strings)"
  exit 0
fi
cp "$TMP/smtpdiag.pot" "$POT"
echo "wrote $POT ($(grep -c '^msgid ' "$POT") strings)"
