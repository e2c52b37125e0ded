#!/bin/sh
# Install Debian's chromium for the help-site browser tests when /usr/bin/chromium is missing,
# and a Thai font when none is installed (without one the Thai help site draws boxes, and its
# screenshots and text-layout checks see nothing readable). Idempotent and quiet when both are
# there (make test calls it every run).
set -eu

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
has_thai_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=th 2>/dev/null)" ]; }
[ -x "$CHROMIUM" ] && has_thai_font && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available; install Chromium by hand" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

echo "ensure-chromium: installing Debian chromium and fonts-thai-tlwg (apt-get update first)..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq chromium fonts-thai-tlwg >/dev/null
[ -x "$CHROMIUM" ] || { echo "ensure-chromium: install finished but $CHROMIUM is still missing" >&2; exit 1; }
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium installed)" >&2
