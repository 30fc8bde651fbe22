#!/usr/bin/env bash
# Installs code-server (VS Code's own server and web workbench) from the npm registry into DEST,
# without any download from GitHub. It is a separate folder, not a dependency of the extension:
# it weighs ~300 MB and needs the environment set below.
# usage: install-code-server.sh DEST [VERSION]     (default 4.100.3 = VS Code 1.100.3, runs on Node 20)
set -euo pipefail
DEST=$(mkdir -p "$1" && cd "$1" && pwd)
VERSION=${2:-4.100.3}
case "$VERSION" in
  4.100.*) ;;
  *) echo "install-code-server: only 4.100.x is supported here (later versions need Node >= 22)" >&2; exit 2 ;;
esac

# kerberos (a VS Code server dependency) builds from source and needs the gssapi headers;
# @vscode/ripgrep's postinstall gets its rg from the cache seeded below, filled from Debian's ripgrep.
missing=()
for pkg in libkrb5-dev ripgrep; do
  dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

export TMPDIR="$DEST/tmp"
mkdir -p "$TMPDIR"
trap 'rm -rf "$TMPDIR"' EXIT
export npm_config_yes=true          # node-pty's postinstall runs `npx node-gyp`; an npmrc with yes=false would cancel it
export npm_config_unsafe_perm=true  # code-server 4.100's postinstall refuses to run as root without it

# @vscode/ripgrep@1.15.11 looks in this cache before downloading from GitHub: put rg 13.0.0 there
# under the asset name it expects.
cache="$TMPDIR/vscode-ripgrep-cache-1.15.11"
mkdir -p "$cache/bin"
cp "$(command -v rg)" "$cache/bin/rg"
tar czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$cache/bin" rg

cd "$DEST"
[ -f package.json ] || echo '{"name":"vscode-host","private":true}' > package.json
npm install --no-audit --no-fund --loglevel=error "code-server@$VERSION"
echo "code-server installed: $(node -p "require('$DEST/node_modules/code-server/package.json').version") in $DEST"
