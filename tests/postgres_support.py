"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb in a temp dir, a free port.

``scripts/ensure-postgres.sh`` installs the server binaries; nothing here needs a running
server. As root the cluster runs as the ``postgres`` user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

USER = "chatdesk"


class ClusterUnavailable(RuntimeError):
    """PostgreSQL could not be started here; the message says why."""


@dataclass
class Cluster:
    """A running cluster; ``database()`` gives the URL of a fresh, empty database."""

    directory: Path
    port: int
    runner: tuple[str, ...]
    bindir: Path

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run([*self.runner, str(self.bindir / "pg_ctl"), "-D", str(self.directory / "data"),
                        "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.directory, ignore_errors=True)


def server_bindir() -> Path:
    """Where initdb and pg_ctl are: the newest Debian install, else the PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise ClusterUnavailable("PostgreSQL's initdb is not installed (run scripts/ensure-postgres.sh)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_cluster() -> Cluster:
    """Create and start a cluster that trusts local connections; raise ClusterUnavailable if it cannot."""
    bindir = server_bindir()
    directory = Path(tempfile.mkdtemp(prefix="chatdesk-pg-"))
    runner: tuple[str, ...] = ()
    if os.geteuid() == 0:
        import pwd

        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise ClusterUnavailable("running as root and there is no 'postgres' user to run the server") from None
        os.chown(directory, owner.pw_uid, owner.pw_gid)
        runner = ("runuser", "-u", "postgres", "--")
    data, port = directory / "data", free_port()
    steps = [
        [str(bindir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync"],
        [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(directory / "server.log"), "-w", "-t", "60", "-o",
         f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
         f"-c full_page_writes=off -c max_connections=200", "start"],
    ]
    for step in steps:
        done = subprocess.run([*runner, *step], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = directory / "server.log"
            detail = (done.stderr or done.stdout).strip() + (f"\n{log.read_text()}" if log.exists() else "")
            shutil.rmtree(directory, ignore_errors=True)
            raise ClusterUnavailable(f"{Path(step[0]).name} failed: {detail[-2000:]}")
    return Cluster(directory, port, runner, bindir)
