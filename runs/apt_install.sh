#!/usr/bin/env bash
# apt_install.sh PKG...: installs the Debian packages that are not installed yet (sudo when not root).
set -euo pipefail
need=""
for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"; done
[ -n "$need" ] || exit 0
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need
