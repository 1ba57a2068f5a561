"""API keys and agent accounts. Keys are random, shown once, and stored as SHA-256 hashes (a key has 256 bits
of entropy, so a fast hash is the right one; it is checked on every request)."""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..errors import Conflict, Forbidden, InvalidRequest, NotFound, Unauthorized
from ..store.tables import agents, api_keys
from .context import Context

ROLES = ("bot", "agent", "supervisor", "admin")
STAFF = ("agent", "supervisor", "admin")
PRESENCE = ("online", "away", "offline")


@dataclass(frozen=True)
class Principal:
    key_id: str
    name: str
    role: str
    agent_id: str | None = None

    def require(self, *roles: str) -> None:
        if self.role != "admin" and self.role not in roles:
            raise Forbidden(f"this needs a {' or '.join(roles)} key; yours ({self.name}) is a {self.role} key")

    @property
    def label(self) -> str:
        return f"{self.role}:{self.agent_id or self.name}"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


KEY_CACHE_S = 10.0   # a key revoked on another instance stops working there within this many seconds


def authenticate(ctx: Context, authorization: str | None) -> Principal:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>' (create one with "
                           "`warmline keys create`)")
    hashed = digest(authorization[7:].strip())
    cached = ctx.key_cache.get(hashed)
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    with ctx.reader.connect() as conn:
        row = conn.execute(_KEY_BY_HASH, {"hash": hashed}).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("unknown or revoked API key")
    principal = Principal(row.id, row.name, row.role, row.agent_id)
    ctx.key_cache[hashed] = (principal, time.monotonic() + KEY_CACHE_S)
    return principal


_KEY_BY_HASH = sa.select(api_keys).where(api_keys.c.hash == sa.bindparam("hash"))


def create_key(ctx: Context, name: str, role: str, now: datetime, agent_id: str | None = None,
               key: str | None = None) -> tuple[str, str]:
    """(key id, key). The key is returned once and never stored."""
    if role not in ROLES:
        raise InvalidRequest(f"role {role!r} is not one of {', '.join(ROLES)}")
    key = key or "wl_" + secrets.token_urlsafe(32)
    key_id = "k-" + secrets.token_hex(5)
    with ctx.begin() as conn:
        if conn.execute(sa.select(api_keys.c.id).where(api_keys.c.hash == digest(key))).first():
            raise Conflict("that key already exists")
        conn.execute(api_keys.insert().values(id=key_id, name=name, hash=digest(key), role=role,
                                              agent_id=agent_id, created_at=now))
    return key_id, key


def ensure_key(ctx: Context, name: str, role: str, key: str, now: datetime, agent_id: str | None = None) -> None:
    """For first setup and the demo: make sure this key exists (idempotent across restarts)."""
    with ctx.db.connect() as conn:
        exists = conn.execute(sa.select(api_keys.c.id).where(api_keys.c.hash == digest(key))).first()
    if not exists:
        create_key(ctx, name, role, now, agent_id, key)


def revoke_key(ctx: Context, key_id: str, now: datetime) -> None:
    with ctx.begin() as conn:
        done = conn.execute(api_keys.update().where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                            .values(revoked_at=now))
    if done.rowcount != 1:
        raise NotFound(f"no active API key {key_id!r}")
    ctx.key_cache.clear()


def create_agent(ctx: Context, agent_id: str, name: str, role: str, queues: list[str], capacity: int,
                 now: datetime) -> tuple[dict, str]:
    """An agent account and its first key."""
    if role not in STAFF:
        raise InvalidRequest(f"agent role {role!r} is not one of {', '.join(STAFF)}")
    unknown = [q for q in queues if q not in ctx.policies.engine.policy.queues]
    if unknown:
        raise InvalidRequest(f"unknown queue {unknown[0]!r} (queues: {', '.join(ctx.policies.engine.policy.queues)})")
    with ctx.begin() as conn:
        if conn.execute(sa.select(agents.c.id).where(agents.c.id == agent_id)).first():
            raise Conflict(f"agent {agent_id!r} already exists")
        conn.execute(agents.insert().values(id=agent_id, name=name, role=role, queues=queues, status="offline",
                                            capacity=capacity, created_at=now))
    _key_id, key = create_key(ctx, f"{name} ({role})", role, now, agent_id)
    return get_agent(ctx, agent_id), key


def get_agent(ctx: Context, agent_id: str) -> dict:
    with ctx.db.connect() as conn:
        row = conn.execute(sa.select(agents).where(agents.c.id == agent_id)).first()
    if row is None:
        raise NotFound(f"no agent {agent_id!r}")
    return _agent(row)


def list_agents(ctx: Context) -> list[dict]:
    with ctx.db.connect() as conn:
        return [_agent(r) for r in conn.execute(sa.select(agents).order_by(agents.c.id))]


def set_presence(ctx: Context, agent_id: str, status: str | None, capacity: int | None, now: datetime) -> dict:
    if status is not None and status not in PRESENCE:
        raise InvalidRequest(f"status {status!r} is not one of {', '.join(PRESENCE)}")
    values = {"seen_at": now, **({"status": status} if status else {}),
              **({"capacity": capacity} if capacity is not None else {})}
    with ctx.begin() as conn:
        done = conn.execute(agents.update().where(agents.c.id == agent_id).values(**values))
    if done.rowcount != 1:
        raise NotFound(f"no agent {agent_id!r}")
    return get_agent(ctx, agent_id)


def _agent(row) -> dict:
    from .events import iso
    return {"id": row.id, "name": row.name, "role": row.role, "queues": row.queues, "status": row.status,
            "capacity": row.capacity, "seen_at": iso(row.seen_at)}
