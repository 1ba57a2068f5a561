"""Request bodies. Strict: an unknown field is an error naming the field, not something silently dropped."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MessageIn(Strict):
    text: str = Field(description="What the customer wrote")
    id: str | None = Field(None, max_length=200, description="Your message id: a retry with the same id returns "
                                                             "the stored decision and never opens a second handoff")
    at: datetime | None = Field(None, description="When it was written (default: when it arrives)")
    feedback: Literal["helpful", "not_helpful"] | None = Field(None, description="The customer's answer to 'did "
                                                                                 "this help?', if that is what this is")
    facts: dict[str, Any] = Field(default_factory=dict, description="Structured facts your bot extracted")


class DraftIn(Strict):
    text: str = Field(description="The reply your bot would send")
    confidence: float | None = Field(None, ge=0, le=1)
    fallback: bool = Field(False, description="The bot did not understand (its fallback intent)")
    intent: str | None = None
    facts: dict[str, Any] = Field(default_factory=dict)


class TurnIn(Strict):
    message: MessageIn
    draft: DraftIn | None = None
    customer: dict[str, Any] | None = Field(None, description="The customer profile: id, name, email, plan, "
                                                              "account_age_days, previous_tickets, tags, ...")
    channel: str | None = Field(None, max_length=50)


class ReplyIn(Strict):
    text: str = Field(min_length=1)


class TransferIn(Strict):
    queue: str
    note: str | None = None


class CloseIn(Strict):
    note: str | None = None


class ChoiceIn(Strict):
    choice: Literal["wait", "callback", "email", "video_call", "scheduled_call", "message"]
    contact: dict[str, str] | None = Field(None, description="phone for a callback, email for an email follow-up")


class CsatIn(Strict):
    score: int = Field(ge=1, le=5)
    comment: str | None = None


class FeedbackIn(Strict):
    appropriate: bool = Field(description="Was escalating this conversation the right call?")
    note: str | None = None


class PresenceIn(Strict):
    status: Literal["online", "away", "offline"] | None = None
    capacity: int | None = Field(None, ge=0, le=100)


class AgentIn(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$")
    name: str = Field(min_length=1, max_length=200)
    role: Literal["agent", "supervisor", "admin"] = "agent"
    queues: list[str] = Field(default_factory=list, description="Queues they work (empty: all)")
    capacity: int = Field(3, ge=0, le=100)


class KeyIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    role: Literal["bot", "agent", "supervisor", "admin"] = "bot"
    agent_id: str | None = None
