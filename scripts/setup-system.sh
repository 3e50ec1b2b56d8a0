#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, only when they are missing:
#   - a WebGPU-capable Vulkan driver (Mesa lavapipe from bookworm-backports; Debian 12's own
#     Mesa lacks shaderUniform*ArrayDynamicIndexing, which Dawn requires),
#   - Chromium for the browser tests (its bundled SwiftShader provides WebGPU).
# On a machine that already has both (or a real GPU driver), it does nothing.
# Usage: scripts/setup-system.sh [--vulkan] [--chromium]   (no flag: both)
set -euo pipefail

want_vulkan=0 want_chromium=0
[ $# -eq 0 ] && want_vulkan=1 && want_chromium=1
for arg in "$@"; do
  case "$arg" in
    --vulkan) want_vulkan=1 ;;
    --chromium) want_chromium=1 ;;
    *) echo "setup-system: unknown option $arg" >&2; exit 2 ;;
  esac
done

log() { echo "[setup-system] $*"; }

have_vulkan_driver() {
  # Mesa >= 23 ships lvp_icd.*.json; any ICD with a new enough Mesa will do. We check the
  # lavapipe package version because Debian 12's stock 22.3 is too old for Dawn.
  if ls /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json >/dev/null 2>&1; then
    return 0
  fi
  local v
  v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  [ -n "$v" ] && dpkg --compare-versions "$v" ge 23 && dpkg-query -W libvulkan1 >/dev/null 2>&1
}

is_debian_bookworm() {
  [ -r /etc/os-release ] && . /etc/os-release && [ "${VERSION_CODENAME:-}" = bookworm ]
}

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    log "missing $1 and not running as root: install it yourself ($2), then re-run."
    exit 1
  fi
}

apt_updated=0
apt_update() {
  if [ $apt_updated -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
}

add_backports() {
  # Derive the Debian mirror from apt's existing configuration instead of hard-coding a host.
  if grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    return
  fi
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $3 ~ /^bookworm/ {print $2; exit}' /etc/apt/sources.list)
  fi
  if [ -z "$uri" ]; then
    log "cannot find a Debian mirror in apt's sources to add bookworm-backports from" >&2
    exit 1
  fi
  log "adding bookworm-backports from $uri"
  cat > /etc/apt/sources.list.d/bookworm-backports.sources <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
}

if [ $want_vulkan -eq 1 ]; then
  if have_vulkan_driver; then
    log "Vulkan driver present"
  elif ! is_debian_bookworm; then
    log "no recent Vulkan driver found; on non-Debian-12 systems install Mesa >= 23 (lavapipe) or a GPU driver"
  else
    need_root "a recent Mesa Vulkan driver" "bookworm-backports: mesa-vulkan-drivers libvulkan1"
    add_backports
    apt_update
    log "installing Mesa lavapipe (mesa-vulkan-drivers, libvulkan1) from bookworm-backports"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
  fi
fi

if [ $want_chromium -eq 1 ]; then
  if command -v chromium >/dev/null 2>&1; then
    log "Chromium present: $(command -v chromium)"
  else
    need_root "Chromium" "apt-get install chromium"
    apt_update
    log "installing Chromium"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
