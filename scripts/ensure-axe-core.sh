#!/bin/sh
# Install the npm package axe-core (the accessibility rules the help-site browser tests inject)
# into .tools/ (gitignored) when it is missing. Idempotent and quiet when it is already there.
set -eu

cd "$(dirname "$0")/.."
VERSION="${AXE_CORE_VERSION:-4.14.1}"
TARGET=".tools/axe-core"
[ -f "$TARGET/node_modules/axe-core/axe.min.js" ] && exit 0

if ! command -v npm >/dev/null 2>&1; then
    echo "ensure-axe-core: npm is missing; install Debian's npm (apt-get install npm)" >&2
    exit 1
fi
echo "ensure-axe-core: installing axe-core $VERSION into $TARGET..." >&2
mkdir -p "$TARGET"
npm install --prefix "$TARGET" --no-save --no-audit --no-fund --silent "axe-core@$VERSION" >&2
[ -f "$TARGET/node_modules/axe-core/axe.min.js" ] || {
    echo "ensure-axe-core: install finished but $TARGET/node_modules/axe-core/axe.min.js is missing" >&2
    exit 1
}
