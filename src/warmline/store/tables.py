"""The tables. Times are UTC datetimes; bodies that the API returns verbatim (decisions, traces) are JSON.

Invariants that must hold however many instances race are constraints here, not checks in Python:
one open handoff per conversation (a partial unique index), one message per client message id, one timer per
purpose.
"""
from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
})

Time = sa.DateTime(timezone=True)
OPEN_HANDOFF_STATES = ("collecting", "waiting", "queued", "assigned", "ticket")
_ONE_OPEN = "state IN ('collecting', 'waiting', 'queued', 'assigned', 'ticket')"

conversations = sa.Table(
    "conversations", metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("customer", sa.JSON, nullable=False),
    sa.Column("channel", sa.String(50)),
    sa.Column("state", sa.JSON, nullable=False),          # the core's ConversationState, encoded
    sa.Column("next_index", sa.Integer, nullable=False),  # index of the next message
    sa.Column("csat", sa.Integer),                        # the customer's rating of the conversation, 1-5
    sa.Column("created_at", Time, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
)

messages = sa.Table(
    "messages", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(200), sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("idx", sa.Integer, nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("at", Time, nullable=False),
    sa.Column("client_message_id", sa.String(200)),
    sa.Column("author", sa.String(200)),
    sa.Column("meta", sa.JSON, nullable=False),
    sa.UniqueConstraint("conversation_id", "idx", name="uq_messages_conversation_idx"),
    sa.UniqueConstraint("conversation_id", "client_message_id", name="uq_messages_client_message_id"),
)

decisions = sa.Table(
    "decisions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(200), sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id"), nullable=False, unique=True),
    sa.Column("turn", sa.Integer, nullable=False),
    sa.Column("action", sa.String(30), nullable=False),
    sa.Column("body", sa.JSON, nullable=False),           # the decision with its trace
    sa.Column("policy", sa.String(100), nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Index("ix_decisions_conversation", "conversation_id", "turn"),
    sa.Index("ix_decisions_created", "created_at"),
)

handoffs = sa.Table(
    "handoffs", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("conversation_id", sa.String(200), sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id")),
    # collecting (a pre-handoff flow asks for details), waiting (the AI tries first), queued, assigned,
    # ticket (after hours / the customer chose a follow-up), resolved, handed_back, expired
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("queue", sa.String(100), nullable=False),
    sa.Column("priority", sa.String(20), nullable=False),
    sa.Column("timing", sa.String(20), nullable=False),
    sa.Column("triggers", sa.JSON, nullable=False),
    sa.Column("agent_id", sa.String(100)),
    sa.Column("ladder_step", sa.Integer, nullable=False, server_default="0"),
    sa.Column("choice", sa.String(30)),                    # wait, callback, email, ... as the customer chose
    sa.Column("contact", sa.JSON),
    sa.Column("details", sa.JSON),                        # a pre-handoff flow: its name and progress
    sa.Column("ticket", sa.String(40)),
    sa.Column("csat", sa.Integer),
    sa.Column("appropriate", sa.Boolean),
    sa.Column("feedback_note", sa.Text),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("queued_at", Time),
    sa.Column("sla_due", Time),
    sa.Column("follow_up_at", Time),
    sa.Column("claimed_at", Time),
    sa.Column("closed_at", Time),
    sa.Index("ix_handoffs_state_queue", "state", "queue"),
    sa.Index("ix_handoffs_conversation", "conversation_id"),
    sa.Index("uq_handoffs_one_open", "conversation_id", unique=True, sqlite_where=sa.text(_ONE_OPEN),
             postgresql_where=sa.text(_ONE_OPEN)),
)

events = sa.Table(
    "events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", Time, nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("conversation_id", sa.String(200)),
    sa.Column("handoff_id", sa.String(40)),
    sa.Column("actor", sa.String(200)),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Index("ix_events_handoff", "handoff_id"),
)

timers = sa.Table(
    "timers", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("purpose", sa.String(300), nullable=False, unique=True),  # nothing fires twice for one purpose
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("due_at", Time, nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),   # pending, running, done, dead, cancelled
    sa.Column("lease_until", Time),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("done_at", Time),
    sa.Index("ix_timers_due", "state", "due_at"),
)

agents = sa.Table(
    "agents", metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),     # agent, supervisor, admin
    sa.Column("queues", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),   # online, away, offline
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("password_hash", sa.String(200)),
    sa.Column("seen_at", Time),
    sa.Column("created_at", Time, nullable=False),
)

api_keys = sa.Table(
    "api_keys", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False, unique=True),   # sha256 of the key; the key is never stored
    sa.Column("role", sa.String(20), nullable=False),                # bot, agent, supervisor, admin
    sa.Column("agent_id", sa.String(100), sa.ForeignKey("agents.id")),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("revoked_at", Time),
)

deliveries = sa.Table(
    "deliveries", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(300), nullable=False),            # idempotency key: destination:handoff:event
    sa.Column("destination", sa.String(100), nullable=False),
    sa.Column("handoff_id", sa.String(40)),
    sa.Column("event", sa.String(50), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("at", Time, nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),          # delivered, failed, dead
    sa.Column("status", sa.Integer),                              # the peer's HTTP status, if any
    sa.Column("error", sa.Text),
    sa.Column("duration_ms", sa.Integer),
    sa.Index("ix_deliveries_handoff", "handoff_id"),
    sa.Index("ix_deliveries_key", "key"),
)
