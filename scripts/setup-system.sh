#!/usr/bin/env bash
# Installs the Debian packages the project needs, once. Chromium comes from Debian, never from
# Playwright's own download (that needs the open internet).
set -euo pipefail
needed=(chromium libusb-1.0-0 libftdi1-2)
missing=()
for pkg in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
