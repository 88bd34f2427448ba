#!/usr/bin/env bash
# Installs what `make demo` and `make test` need on a fresh Debian machine (as root):
# the Debian packages in scripts/host-packages.txt that are missing, and the npm
# dependencies (npm ci) when node_modules is missing or older than package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done < scripts/host-packages.txt

if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci again only when package-lock.json changed: its hash is kept beside the install (a
# modification time would be newer in every fresh checkout or git worktree, and npm ci there
# would empty a node_modules that several worktrees share through a symlink).
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ "$(cat node_modules/.linuxkit-ts-lock 2>/dev/null)" != "$lock_hash" ]]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >node_modules/.linuxkit-ts-lock
fi
