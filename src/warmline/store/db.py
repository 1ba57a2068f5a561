"""Opening the database: SQLite (WAL, one file, created on first start) or PostgreSQL, migrated by Alembic."""
from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ..errors import WarmlineError


class DatabaseError(WarmlineError):
    code = "database_unavailable"


def open_database(url: str) -> sa.Engine:
    """An engine for `url`. SQLite gets WAL, a busy timeout and foreign keys; its folder is created."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                                  pool_size=8, max_overflow=8, json_serializer=_json)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling is turned off so that writers can take the lock at BEGIN
        # (IMMEDIATE, see `writer`): a read-then-write transaction then never fails to upgrade its lock half-way.
        sa.event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(
            "BEGIN " + conn.get_execution_options().get("sqlite_begin", "DEFERRED")))
        return engine
    if url.startswith("postgresql+"):
        # no pre-ping: it costs a round trip per checkout; a dropped connection surfaces as a 503 and the
        # client retries with the same message id
        return sa.create_engine(url, pool_size=10, max_overflow=10, pool_recycle=1800, json_serializer=_json)
    raise DatabaseError(f"unsupported database URL {url!r}: use sqlite:///path/to/warmline.db or "
                        "postgresql://user@host:5432/dbname")


def _json(value) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")   # durable across process crashes; WAL fsyncs at checkpoints
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def writer(engine: sa.Engine) -> sa.Engine:
    """The engine to open write transactions with (on SQLite they BEGIN IMMEDIATE)."""
    return engine.execution_options(sqlite_begin="IMMEDIATE") if is_sqlite(engine) else engine


def is_sqlite(engine: sa.Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _alembic_config(connection: sa.Connection) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(importlib.resources.files("warmline.store") / "migrations"))
    config.attributes["connection"] = connection
    return config


def migrate(engine: sa.Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the schema to `revision`; (revision before, revision after)."""
    try:
        with engine.begin() as connection:
            before = MigrationContext.configure(connection).get_current_revision()
            command.upgrade(_alembic_config(connection), revision)
            after = MigrationContext.configure(connection).get_current_revision()
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"cannot reach the database: {exc.orig}") from None
    return before, after


def pending_migrations(engine: sa.Engine) -> list[str]:
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        script = ScriptDirectory.from_config(_alembic_config(connection))
        return [r.revision for r in script.iterate_revisions("head", current)]
