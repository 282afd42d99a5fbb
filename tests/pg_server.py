"""A throwaway PostgreSQL cluster for the tests that are about Postgres.

``PgServer.start()`` runs ``initdb`` into a fresh temporary directory and starts the
server on a Unix socket in that directory only (``listen_addresses=''``: nothing
outside this machine's processes can reach it), with durability off (a test cluster
is thrown away). ``stop()`` stops it and removes the directory. Each test gets a
database of its own (``create_database``), so tests share one server, not state.

initdb and the server refuse to run as root, so when the tests run as root the
cluster's directory belongs to the ``postgres`` OS user and the binaries run as that
user (``runuser -u postgres --``). Without PostgreSQL binaries ``start`` raises
``PgUnavailable`` naming what to install: the Postgres tests fail, they never skip.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

# The port only names the socket file (.s.PGSQL.<port>): the server listens on no TCP port.
PORT = 5432
SUPERUSER = "postgres"


class PgUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def bindir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``: the newest under /usr/lib/postgresql,
    else wherever ``pg_ctl`` is on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path and (Path(on_path).resolve().parent / "initdb").exists():
        return Path(on_path).resolve().parent
    raise PgUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) are not installed: the Postgres store "
        "tests need them. Install Debian's `postgresql` package "
        "(apt-get install -y postgresql), as .ci/run does."
    )


class PgServer:
    """One running cluster; a context manager (``with PgServer.start() as pg``)."""

    def __init__(self, root: Path, bin: Path, run_as: str | None) -> None:
        self.root = root
        self.data = root / "data"
        self.socket_dir = root
        self._bin = bin
        self._run_as = run_as
        self._names = itertools.count(1)
        self._running = False

    @classmethod
    def start(cls) -> PgServer:
        bin = bindir()
        run_as = "postgres" if os.geteuid() == 0 else None
        root = Path(tempfile.mkdtemp(prefix="keel-pg-"))
        server = cls(root, bin, run_as)
        try:
            if run_as is not None:
                pw = pwd.getpwnam(run_as)
                os.chown(root, pw.pw_uid, pw.pw_gid)
            server._run(
                "initdb", "-D", str(server.data), "-U", SUPERUSER, "--auth=trust",
                "-E", "UTF8", "--locale=C", "--no-sync",
            )  # fmt: skip
            options = (
                f"-c listen_addresses='' -c unix_socket_directories='{root}' -p {PORT} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=100"
            )
            server._run(
                "pg_ctl", "-D", str(server.data), "-l", str(root / "server.log"),
                "-o", options, "-w", "-t", "60", "start",
            )  # fmt: skip
            server._running = True
        except BaseException:
            server.stop()
            raise
        return server

    def _run(self, program: str, *args: str) -> None:
        command = [str(self._bin / program), *args]
        if self._run_as is not None:
            command = ["runuser", "-u", self._run_as, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{program} failed ({done.returncode}): {done.stderr or done.stdout}\n{tail}"
            )

    def conninfo(self, dbname: str = "postgres", *, user: str = SUPERUSER) -> str:
        return f"host={self.socket_dir} port={PORT} dbname={dbname} user={user}"

    def url(self, dbname: str, *, user: str = SUPERUSER) -> str:
        """A SQLAlchemy URL for ``dbname`` over the cluster's socket, as ``user``."""
        return f"postgresql+psycopg://{user}@/{dbname}?host={self.socket_dir}&port={PORT}"

    def connect(self, dbname: str = "postgres", *, user: str = SUPERUSER) -> psycopg.Connection:
        """A plain autocommit connection (administration, tampering as a superuser)."""
        return psycopg.connect(self.conninfo(dbname, user=user), autocommit=True)

    def create_database(self, prefix: str = "keel") -> str:
        name = f"{prefix}_{next(self._names)}"
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name

    def drop_database(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def stop(self) -> None:
        if self._running:
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self._running = False
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PgServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
