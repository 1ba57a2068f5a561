"""What every service operation needs, built once by `bootstrap.build`."""
from __future__ import annotations

import hashlib
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterator, Protocol

import sqlalchemy as sa

from ..config import load_policy
from ..engine import Engine
from ..errors import WarmlineError
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

    def __post_init__(self) -> None:
        self._writer = writer(self.db)

    @property
    def sqlite(self) -> bool:
        return self.db.dialect.name == "sqlite"

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """A write transaction. SQLite has one writer at a time anyway; taking turns on a lock in the process
        avoids its busy-wait back-off (sleeps of up to 100 ms) when many threads write at once."""
        if self.sqlite:
            with self._write_lock, self._writer.begin() as conn:
                yield conn
        else:
            with self.db.begin() as conn:
                yield conn


class Stopped(WarmlineError):
    code = "stopped"
