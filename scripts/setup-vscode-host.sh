#!/usr/bin/env bash
# Installs what the real-VS-Code test tiers and the no-network Lean sandbox need, from Debian's
# packages and the npm registry only: chromium (driven headless), libkrb5-dev and ripgrep
# (code-server's install needs them), bubblewrap (the sandbox), and code-server itself into the
# git-ignored .vscode-host/. A second run skips what is already there. apt needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
CODE_SERVER_VERSION=${CODE_SERVER_VERSION:-4.100.3}

missing=()
for pkg in chromium libkrb5-dev ripgrep bubblewrap; do
  dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing Debian packages: ${missing[*]} (install them as root: apt-get install -y ${missing[*]})" >&2
  fi
fi

# code-server (VS Code's server and web workbench; 4.100.3 is VS Code 1.100.3 on Node 20) goes into
# .vscode-host/, not into the extension's dependencies; reinstalled only when the version differs.
installed=$(node -p "try { require('./.vscode-host/node_modules/code-server/package.json').version } catch { '' }")
if [ "$installed" != "$CODE_SERVER_VERSION" ]; then
  bash test/vscode-host/install-code-server.sh .vscode-host "$CODE_SERVER_VERSION"
else
  echo "code-server $installed already in .vscode-host/"
fi
