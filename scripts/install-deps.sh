#!/usr/bin/env bash
# Installs the Debian packages rustbtf needs to build (libdw/libelf through pkg-config) and its
# tests need (bpftool, to prove our dump format equals bpftool's). Idempotent; needs root.
set -euo pipefail
packages=(libdw-dev libelf-dev pkg-config bpftool)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
