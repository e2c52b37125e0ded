#!/bin/sh
# Install Debian's chromium for the help-site browser test when /usr/bin/chromium is missing.
# Idempotent and quiet when chromium is already there (make test calls it every run).
set -eu

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available; install Chromium by hand" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

echo "ensure-chromium: installing Debian chromium (apt-get update first)..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq chromium >/dev/null
[ -x "$CHROMIUM" ] || { echo "ensure-chromium: install finished but $CHROMIUM is still missing" >&2; exit 1; }
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium installed)" >&2
