#!/bin/sh
# Installs the Debian packages the build and tests need: the union of the
# lists in deps/*.txt (one package per line, '#' starts a comment).
# Run as root on Debian 12. Used by README's set-up command and by .ci/run.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
pkgs=$(cat "$top"/deps/*.txt | sed 's/#.*//' | tr -s ' \t' '\n' | sort -u | tr '\n' ' ')
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" && continue
  # A tool already on PATH from elsewhere (npm bundled with another nodejs
  # build, say) is not replaced: Debian's package would conflict with it.
  command -v "$p" >/dev/null 2>&1 && continue
  missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "install-deps: all packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "install-deps: installing$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
