"""Sample history for the demo, so the dashboard is not empty on first start: a week of conversations at
business hours, routine ones the bot answers and escalations that agents claim, resolve, rate and judge."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..core.model import Message
from ..service import analytics, lifecycle
from ..service.access import Principal
from ..service.turns import post_turn
from ..store.tables import conversations
from .faq import FaqBot

ROUTINE = ["how do I reset my password", "where are my invoices", "how do I export my data to csv",
           "what are your opening hours", "how do I add a teammate", "where is my order"]
ESCALATING = ["I want to talk to a real person", "I was charged twice, $120, for one order",
              "this is useless, nothing works!!", "someone logged into my account from another country",
              "I'm going to cancel my subscription, this is the third time it broke"]


class _At:
    def __init__(self, now: datetime):
        self.current = now

    def now(self) -> datetime:
        return self.current


def seed(ctx, conversations_count: int = 60, seed_value: int = 7) -> int:
    """Adds the sample week once (nothing when the database already has conversations); how many it added."""
    with ctx.db.connect() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(conversations)).scalar_one():
            return 0
    rng, bot, real_clock = random.Random(seed_value), FaqBot(), ctx.clock
    now = real_clock.now()
    ada = Principal("demo", "Ada", "agent", "ada")
    try:
        for i in range(conversations_count):
            day = now - timedelta(days=rng.randint(1, 6))
            ctx.clock = _At(day.replace(hour=rng.randint(9, 17), minute=rng.randint(0, 59), second=0, microsecond=0))
            escalate = rng.random() < 0.25
            text = rng.choice(ESCALATING if escalate else ROUTINE)
            draft = bot.answer(text)
            decided = post_turn(ctx, f"sample-{i}", Message("customer", text),
                                Message("bot", draft.text, confidence=draft.confidence, intent=draft.intent,
                                        fallback=draft.fallback),
                                {"id": f"customer-{rng.randint(1, 45)}", "name": f"Sample customer {i}"}, None)
            handoff = decided.decision.get("handoff_id")
            if handoff and decided.decision.get("action") == "escalate":
                ctx.clock.current += timedelta(seconds=rng.randint(30, 400))
                lifecycle.claim(ctx, handoff, ada)
                ctx.clock.current += timedelta(seconds=rng.randint(120, 900))
                lifecycle.close(ctx, handoff, ada, "resolved")
                lifecycle.rate(ctx, handoff, "customer", csat=rng.choice([3, 4, 4, 5, 5]),
                               appropriate=rng.random() < 0.8)
            elif rng.random() < 0.4:
                analytics.rate_conversation(ctx, f"sample-{i}", rng.choice([2, 3, 4, 5, 5]))
    finally:
        ctx.clock = real_clock
    return conversations_count
