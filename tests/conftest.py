from __future__ import annotations

from datetime import datetime, timezone

import pytest

from warmline import Engine

MONDAY_10 = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)      # business hours
SATURDAY_22 = datetime(2026, 11, 7, 22, 0, tzinfo=timezone.utc)    # after hours


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine()


@pytest.fixture
def say(engine):
    """Decide a single customer turn: say("text", draft={...}, customer={...}, now=...)."""
    def _say(text, draft=None, customer=None, now=MONDAY_10, **message):
        session = engine.session("t", customer or {"plan": "pro"})
        return session.customer_turn({"text": text, **message}, draft=draft, now=now)
    return _say
