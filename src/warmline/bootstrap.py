"""The one composition root: settings -> database (migrated) -> policy -> service context."""
from __future__ import annotations

import logging

from .connectors.config import load_destinations
from .service.context import Clock, Context, Policies, SystemClock
from .settings import Settings
from .store.db import migrate, open_database

log = logging.getLogger("warmline")

DEMO_KEYS = (("demo bot", "bot", "demo-bot-key", None), ("demo admin", "admin", "demo-admin-key", None),
             ("Ada (agent)", "agent", "demo-agent-key", "ada"), ("Sam (supervisor)", "supervisor",
                                                                 "demo-supervisor-key", "sam"))


def build(settings: Settings, clock: Clock | None = None, migrate_schema: bool = True) -> Context:
    db = open_database(settings.database_url)
    if migrate_schema:
        before, after = migrate(db)
        if before != after:
            log.info("database migrated", extra={"from": before, "to": after})
    policies = Policies(settings.policy_path, settings.semantic)
    destinations = load_destinations(settings.destinations_path, set(policies.engine.policy.queues))
    ctx = Context(db=db, policies=policies, settings=settings, clock=clock or SystemClock(),
                  destinations=destinations, summariser=load_summariser(settings.summariser))
    if settings.admin_key:
        from .service.access import ensure_key
        ensure_key(ctx, "admin (WARMLINE_ADMIN_KEY)", "admin", settings.admin_key, ctx.clock.now())
    return ctx


def load_summariser(spec: str | None):
    """WARMLINE_SUMMARISER=package.module:name, an object (or a class to instantiate with no arguments) with
    `summarise(briefing) -> str`."""
    if not spec:
        return None
    import importlib
    from .settings import SettingsError
    module_name, _, attribute = spec.partition(":")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise SettingsError(f"WARMLINE_SUMMARISER={spec!r}: cannot load it ({exc}); expected module:attribute")
    summariser = found() if isinstance(found, type) else found
    if not callable(getattr(summariser, "summarise", None)):
        raise SettingsError(f"WARMLINE_SUMMARISER={spec!r} has no summarise(briefing) method")
    return summariser


def seed_demo(ctx: Context, sample: bool = True) -> None:
    """Demo accounts with well-known keys, and (once) a sample week of history: only for `warmline serve --demo`
    on a local machine."""
    from .errors import Conflict
    from .service.access import create_agent, ensure_key, set_presence
    now = ctx.clock.now()
    for agent_id, name, role in (("ada", "Ada", "agent"), ("sam", "Sam", "supervisor")):
        try:
            create_agent(ctx, agent_id, name, role, [], 4, now)
        except Conflict:
            pass
        set_presence(ctx, agent_id, "online", None, now)
    for name, role, key, agent_id in DEMO_KEYS:
        ensure_key(ctx, name, role, key, now, agent_id)
    if sample:
        from .demo.sample import seed
        seed(ctx)
