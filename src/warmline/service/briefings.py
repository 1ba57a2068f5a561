"""Briefings for handoffs, from what is stored: the transcript, the decisions with their traces, the profile."""
from __future__ import annotations

import logging
from dataclasses import replace

import sqlalchemy as sa

from ..core import briefing as core_briefing
from ..core.model import Message
from ..errors import NotFound
from ..store.tables import conversations, decisions, handoffs, messages
from ..transcripts import customer_from
from .context import Context
from .handoffs import utc

log = logging.getLogger("warmline.briefings")
from .handoffs import handoff_view as handoff_dict


def for_handoff(ctx: Context, handoff_id: str) -> core_briefing.Briefing:
    with ctx.db.connect() as conn:
        h = conn.execute(sa.select(handoffs).where(handoffs.c.id == handoff_id)).one_or_none()
        if h is None:
            raise NotFound(f"no handoff {handoff_id!r}")
        conversation = conn.execute(sa.select(conversations).where(conversations.c.id == h.conversation_id)).one()
        rows = conn.execute(sa.select(messages).where(messages.c.conversation_id == h.conversation_id)
                            .order_by(messages.c.idx)).all()
        bodies = [r.body for r in conn.execute(sa.select(decisions.c.body)
                                               .where(decisions.c.conversation_id == h.conversation_id)
                                               .order_by(decisions.c.turn))]
    transcript = [_message(r) for r in rows]
    segment = next((b.get("trace", {}).get("measures", {}).get("segment") for b in reversed(bodies)), None)
    made = core_briefing.build(h.conversation_id, transcript, bodies, customer_from(conversation.customer, "customer"),
                               handoff_dict(h), segment)
    if ctx.summariser is not None:
        try:
            made = replace(made, summary=str(ctx.summariser.summarise(made)))
        except Exception:   # a plugged-in summariser (a model service, say) failing keeps the extractive one
            log.exception("the configured summariser failed; keeping the extractive summary")
    return made


def _message(row) -> Message:
    """A draft the decision held back was never shown to the customer: kept, but not as something the bot said."""
    if row.meta.get("draft") and not row.meta.get("sent"):
        return Message("system", f"(draft held back) {row.text}", utc(row.at), event="held_draft")
    return Message(row.role, row.text, utc(row.at), intent=row.meta.get("intent"))
