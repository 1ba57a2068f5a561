"""Bulk import of past transcripts (DESIGN.md §2.1, JSONL): every customer turn decided as replay does, and
the messages and decisions stored, so history shows up in the conversation API and in analytics. Imported
conversations are history: no handoff is opened and no timer set. Each conversation is stored whole or not
at all; one that already exists is skipped, so an import can be re-run after a failure."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable

import sqlalchemy as sa

from ..core.model import Conversation
from ..core.state import ConversationState
from ..errors import TranscriptError
from ..store.codec import encode_state
from ..store.tables import conversations, decisions, messages
from ..transcripts import read_lines
from .context import Context
from .turns import _message_row


def import_transcripts(ctx: Context, lines: Iterable[bytes]) -> dict[str, Any]:
    engine = ctx.policies.engine
    now = ctx.clock.now()
    report: dict[str, Any] = {"imported": 0, "turns": 0, "escalations": 0, "existing": [], "errors": []}
    for number, item in read_lines(lines):
        if isinstance(item, TranscriptError):
            report["errors"].append({"line": number, "message": item.message})
            continue
        conversation = _timed(item, now)
        decided, state = [], None
        for decision, state in engine.iter_states(conversation, now=now):
            decided.append(decision)
        with ctx.begin() as conn:
            if conn.execute(sa.select(conversations.c.id).where(conversations.c.id == conversation.id)).first():
                report["existing"].append(conversation.id)
                continue
            _store(ctx, conn, conversation, decided, state, now)
        report["imported"] += 1
        report["turns"] += len(decided)
        report["escalations"] += sum(d.action == "escalate" for d in decided)
    return report


def _timed(conversation: Conversation, now) -> Conversation:
    return replace(conversation, messages=tuple(m if m.at else replace(m, at=now) for m in conversation.messages))


def _store(ctx: Context, conn: sa.Connection, conversation: Conversation, decided, state, now) -> None:
    customer = conversation.customer.as_dict()
    conn.execute(conversations.insert().values(
        id=conversation.id, customer=customer, channel=conversation.channel,
        state=encode_state(state or ConversationState()),
        next_index=len(conversation.messages), created_at=conversation.messages[0].at if conversation.messages else now,
        updated_at=now))
    rows = [_message_row(conversation.id, i, m, None, "import", imported=True)
            for i, m in enumerate(conversation.messages)]
    ids = conn.execute(messages.insert().returning(messages.c.id, sort_by_parameter_order=True), rows).scalars().all() \
        if rows else []
    for decision in decided:
        conn.execute(decisions.insert().values(
            conversation_id=conversation.id, message_id=ids[decision.turn], turn=decision.turn,
            action=decision.action, body=decision.as_dict(explain=True), policy=ctx.policies.version,
            created_at=conversation.messages[decision.turn].at))
