#!/usr/bin/env bash
# Install the system packages foresight needs, when they are missing:
#   fonts-wqy-microhei  a CJK font, so Chinese chart labels render (no empty boxes)
#   chromium            headless browser used by the report's end-to-end test
set -euo pipefail
need=()
fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk\|source han" || need+=(fonts-wqy-microhei fontconfig)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing system packages: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "warning: not root and no sudo; install ${need[*]} with your package manager" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
