"""What every service operation needs, built once by `bootstrap.build`."""
from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterator, Protocol

import sqlalchemy as sa

from ..config import load_policy
from ..engine import Engine
from ..settings import Settings
from ..store.db import writer


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class Policies:
    """The policy in force. A reload is all-or-nothing: a file with any problem keeps the old policy, and the
    error says why."""

    def __init__(self, path: str | None, semantic: str):
        self.path = path
        self._semantic = {"auto": "auto", "on": True, "off": False}[semantic]
        self._lock = threading.Lock()
        self.engine = self._build()
        self.version = self._version()

    def _build(self) -> Engine:
        return Engine(load_policy(self.path), semantic=self._semantic)

    def _version(self) -> str:
        if self.path is None:
            return "default"
        with open(self.path, "rb") as f:
            return f"{self.engine.policy.name}@{hashlib.sha256(f.read()).hexdigest()[:12]}"

    def reload(self) -> str:
        engine = self._build()    # raises ConfigError with every problem; nothing changes then
        with self._lock:
            self.engine = engine
            self.version = self._version()
        return self.version


@dataclass
class Context:
    db: sa.Engine
    policies: Policies
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    _write_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    key_cache: dict = field(default_factory=dict, repr=False)     # API key hash -> (principal, valid until)
    caches: dict = field(default_factory=dict, repr=False)        # per-process figures kept a few seconds
    destinations: dict = field(default_factory=dict)              # name -> connectors.config.Destination
    summariser: object | None = None                              # a core.briefing.Summariser; None: extractive

    def __post_init__(self) -> None:
        self._writer = writer(self.db)
        # single reads need no transaction: on PostgreSQL that saves the BEGIN and ROLLBACK round trips
        self.reader = self.db if self.sqlite else self.db.execution_options(isolation_level="AUTOCOMMIT")
        self._file_lock = WriterLock(self.db) if self.sqlite else None

    @property
    def sqlite(self) -> bool:
        return self.db.dialect.name == "sqlite"

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """A write transaction. SQLite has one writer at a time anyway; taking turns on a lock (threads of this
        process, then processes on the machine) avoids its busy-wait back-off, which sleeps up to 100 ms at a time
        when several writers collide."""
        if self.sqlite:
            with self._write_lock, self._file_lock, self._writer.begin() as conn:
                yield conn
        else:
            with self.db.begin() as conn:
                yield conn


class WriterLock:
    """An exclusive flock on a file beside the SQLite database: the kernel wakes the next writer the moment the
    lock is free, across every process using the file (serve workers, `warmline worker`, the CLI)."""

    def __init__(self, db: sa.Engine):
        path = db.url.database
        self._fd = None if not path or path == ":memory:" else os.open(path + ".writer-lock",
                                                                       os.O_RDWR | os.O_CREAT, 0o600)

    def __enter__(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *_exc) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
