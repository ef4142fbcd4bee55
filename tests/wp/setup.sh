#!/usr/bin/env bash
# Installs what tests/wp/run.sh needs. Idempotent; run as root on a fresh Debian 12.
#
#   Debian:   mariadb-server, chromium, wordpress (6.1, Debian's: Packagist here has
#             no WordPress core package), php8.2-{mysql,curl,gd,xml,mbstring}, gettext,
#             nodejs/npm when missing, nftables, iproute2, util-linux (setpriv)
#   Composer: tests/wp/composer.json -> tests/wp/vendor (WP-CLI framework, PHPUnit 9,
#             PHP_CodeSniffer + WordPress Coding Standards 2.3, PHPCompatibilityWP)
#   npm:      tests/wp/package.json -> tests/wp/node_modules (playwright-core only;
#             the browser is Debian's /usr/bin/chromium, never a downloaded one)
#   A system user `sdwp` that runs WordPress (the lab fault for port 465 matches it).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[[ $(id -u) -eq 0 ]] || { echo "tests/wp/setup.sh: run as root" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
PKGS=(mariadb-server mariadb-client chromium fonts-dejavu-core php8.2-cli php8.2-mysql php8.2-curl
      php8.2-gd php8.2-xml php8.2-mbstring php8.2-intl gettext nftables iproute2 util-linux composer unzip)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null || missing+=("$p")
done
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
wp_missing=0
dpkg-query -W -f='${Status}' wordpress 2>/dev/null | grep "install ok installed" >/dev/null || wp_missing=1
if (( ${#missing[@]} )) || (( wp_missing )); then
  apt-get update -q
  (( ${#missing[@]} )) && apt-get install -y -q --no-install-recommends "${missing[@]}"
  # Debian's wordpress depends on apache2 | httpd; nothing is started (and nothing is served by it).
  (( wp_missing )) && apt-get install -y -q --no-install-recommends wordpress wordpress-theme-twentytwentythree
fi

id sdwp >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin sdwp

cd "$HERE"
if [[ ! -x vendor/bin/phpunit || ! -x vendor/bin/wp || ! -x vendor/bin/phpcs || composer.json -nt vendor/autoload.php ]]; then
  COMPOSER_ALLOW_SUPERUSER=1 composer update --no-interaction --no-progress --prefer-dist
fi
if [[ ! -d node_modules/playwright-core || package.json -nt node_modules/.package-lock.json ]]; then
  npm install --no-audit --no-fund --no-save --loglevel=error
fi
chmod -R a+rX "$HERE/vendor" "$HERE/node_modules"
echo "tests/wp/setup.sh: ok"
