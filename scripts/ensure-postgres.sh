#!/usr/bin/env bash
# Make sure PostgreSQL's server binaries (initdb, pg_ctl) are installed, for the store tests and
# benchmarks: they start a throwaway cluster of their own (tests/postgres_support.py), so no
# server needs to be running. Debian's package is installed when they are missing.
set -euo pipefail

have_server() {
    command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

if have_server; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL is not installed and this script can only install it as root with apt-get;" >&2
    echo "install PostgreSQL's server package (it provides initdb and pg_ctl) and run it again." >&2
    exit 1
fi
echo "Installing PostgreSQL (Debian package 'postgresql') for the store tests..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql >/dev/null
have_server || { echo "PostgreSQL was installed but initdb is still not found." >&2; exit 1; }
