from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from warmline import Engine

MONDAY_10 = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)      # business hours
SATURDAY_22 = datetime(2026, 11, 7, 22, 0, tzinfo=timezone.utc)    # after hours


def split_labelled(source: Path, target: Path, every: int) -> list[dict]:
    """Copies labelled utterances to `target` with every `every`-th row's source `ours:test` and the others'
    `ours:train` (to train a model on some rows and hold the rest out); returns the rows."""
    rows = [json.loads(line) for line in source.read_text().splitlines()]
    target.write_text("".join(json.dumps({**row, "source": f"ours:{'test' if i % every == 0 else 'train'}"}) + "\n"
                              for i, row in enumerate(rows)))
    return rows


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


@pytest.fixture(params=["sqlite", "postgresql"])
def service(request, tmp_path):
    """A service context on a fresh database of each kind, with the demo accounts, a fake clock and no worker
    thread (tests run timers by advancing the clock and calling run_due)."""
    from service_support import FakeClock, database_url, drop_postgres, make_context
    url = database_url(request.param, tmp_path)
    ctx = make_context(url, FakeClock())
    yield ctx
    ctx.db.dispose()
    if request.param == "postgresql":
        drop_postgres(url)


@pytest.fixture
def client(service):
    from fastapi.testclient import TestClient
    from warmline.web.app import create_app
    with TestClient(create_app(service, run_worker=False)) as http:
        yield http
