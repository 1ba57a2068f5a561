"""Shared by the service tests: a fake clock, databases (SQLite in a temp folder and the real PostgreSQL of this
machine), a service context and an HTTP client with the demo keys."""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from warmline.bootstrap import build, seed_demo
from warmline.settings import Settings

PG_ADMIN_URL = os.environ.get("WARMLINE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MONDAY_10 = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
BOT = {"Authorization": "Bearer demo-bot-key"}
ADA = {"Authorization": "Bearer demo-agent-key"}
SAM = {"Authorization": "Bearer demo-supervisor-key"}
ADMIN = {"Authorization": "Bearer demo-admin-key"}


class FakeClock:
    def __init__(self, now: datetime = MONDAY_10):
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> datetime:
        self.current += timedelta(seconds=seconds)
        return self.current


def postgres_available() -> bool:
    try:
        with sa.create_engine(PG_ADMIN_URL).connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.OperationalError:
        return False


def fresh_postgres() -> str:
    """A new, empty database on the machine's PostgreSQL; dropped by `drop_postgres`."""
    name = f"warmline_t_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_postgres(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def database_url(kind: str, tmp_path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/warmline.db"
    if not postgres_available():
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: .ci/run starts it; start it with "
                    "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start")
    return fresh_postgres()


def make_context(url: str, clock: FakeClock | None = None, **settings):
    ctx = build(Settings(database_url=url, semantic="off", worker=False, **settings), clock=clock or FakeClock())
    seed_demo(ctx, sample=False)
    return ctx


def clean_env(**settings) -> dict[str, str]:
    """This process's environment without the developer's own WARMLINE_ variables (strict settings refuse unknown
    ones, such as the tests' WARMLINE_UPDATE_GOLDEN), the semantic layer off, then `settings`."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("WARMLINE_")}, "WARMLINE_SEMANTIC": "off",
            **settings}


class Server:
    """A real `warmline serve` process on a free loopback port."""

    def __init__(self, database_url: str, extra_env: dict | None = None, worker: bool = True):
        import socket
        import subprocess
        import sys
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        env = clean_env(**{"WARMLINE_DATABASE_URL": database_url, "WARMLINE_WORKER": "on" if worker else "off",
                           **(extra_env or {})})
        self.process = subprocess.Popen([sys.executable, "-m", "warmline", "serve", "--demo", "--port",
                                         str(self.port)], env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        import time

        import httpx
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        """kill -9: no shutdown, no flush."""
        import signal
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except Exception:
                self.kill()
