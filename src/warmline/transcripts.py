"""Transcripts in (DESIGN.md §2.1): JSONL, or a .json/.yaml file holding a list. Strict: a message with an
unknown key or a wrong type is an error that names the line and the field."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Iterator

from .core.model import FEEDBACK, ROLES, Conversation, Customer, Message
from .errors import TranscriptError

CUSTOMER_KEYS = ("id", "name", "email", "plan", "account_age_days", "previous_tickets", "tags")
MESSAGE_KEYS = ("role", "text", "at", "confidence", "fallback", "intent", "feedback", "event", "facts")
CONVERSATION_KEYS = ("id", "channel", "customer", "messages")
MAX_TEXT_CHARS = 100_000


def parse_time(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise TranscriptError(f"{where}: expected an ISO 8601 time string, got {type(value).__name__}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise TranscriptError(f"{where}: '{value[:40]}' is not an ISO 8601 time like 2026-11-02T10:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def message_from(raw: Any, where: str) -> Message:
    if not isinstance(raw, dict):
        raise TranscriptError(f"{where}: a message must be an object with role and text")
    unknown = sorted(set(raw) - set(MESSAGE_KEYS))
    if unknown:
        raise TranscriptError(f"{where}: unknown field '{unknown[0]}' (message fields: {', '.join(MESSAGE_KEYS)})")
    role, text = raw.get("role"), raw.get("text")
    if role not in ROLES:
        raise TranscriptError(f"{where}.role: {role!r} is not one of {', '.join(ROLES)}")
    if not isinstance(text, str):
        raise TranscriptError(f"{where}.text: required, and must be a string")
    if len(text) > MAX_TEXT_CHARS:
        raise TranscriptError(f"{where}.text: {len(text)} characters is over the limit of {MAX_TEXT_CHARS}")
    confidence = raw.get("confidence")
    if confidence is not None and (isinstance(confidence, bool) or not isinstance(confidence, (int, float))
                                   or not 0 <= confidence <= 1):
        raise TranscriptError(f"{where}.confidence: must be a number from 0 to 1, got {confidence!r}")
    feedback = raw.get("feedback")
    if feedback is not None and feedback not in FEEDBACK:
        raise TranscriptError(f"{where}.feedback: {feedback!r} is not one of {', '.join(FEEDBACK)}")
    facts = raw.get("facts") or {}
    if not isinstance(facts, dict):
        raise TranscriptError(f"{where}.facts: must be an object")
    fallback = raw.get("fallback", False)
    if not isinstance(fallback, bool):
        raise TranscriptError(f"{where}.fallback: must be true or false")
    return Message(role, text, parse_time(raw["at"], f"{where}.at") if raw.get("at") is not None else None,
                   float(confidence) if confidence is not None else None, fallback, raw.get("intent"), feedback,
                   raw.get("event"), MappingProxyType(dict(facts)))


def customer_from(raw: Any, where: str) -> Customer:
    if raw is None:
        return Customer()
    if not isinstance(raw, dict):
        raise TranscriptError(f"{where}: must be an object")
    tags = raw.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise TranscriptError(f"{where}.tags: must be a list of strings")
    for key in ("account_age_days", "previous_tickets"):
        if raw.get(key) is not None and (isinstance(raw[key], bool) or not isinstance(raw[key], int)):
            raise TranscriptError(f"{where}.{key}: must be a whole number")
    extra = {k: v for k, v in raw.items() if k not in CUSTOMER_KEYS}
    return Customer(_str(raw.get("id")), raw.get("name"), raw.get("email"), raw.get("plan"),
                    raw.get("account_age_days"), raw.get("previous_tickets"), tuple(tags),
                    MappingProxyType(extra))


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def conversation_from(raw: Any, where: str = "conversation") -> Conversation:
    if not isinstance(raw, dict):
        raise TranscriptError(f"{where}: a conversation must be an object with id and messages")
    unknown = sorted(set(raw) - set(CONVERSATION_KEYS))
    if unknown:
        raise TranscriptError(f"{where}: unknown field '{unknown[0]}' (fields: {', '.join(CONVERSATION_KEYS)})")
    if not isinstance(raw.get("id"), (str, int)) or isinstance(raw.get("id"), bool):
        raise TranscriptError(f"{where}.id: required, a string")
    messages = raw.get("messages")
    if not isinstance(messages, list):
        raise TranscriptError(f"{where}.messages: required, a list of messages")
    parsed = tuple(message_from(m, f"{where}.messages[{i}]") for i, m in enumerate(messages))
    return Conversation(str(raw["id"]), parsed, customer_from(raw.get("customer"), f"{where}.customer"),
                        raw.get("channel"))


def read(path: Path) -> Iterator[tuple[int, Conversation | TranscriptError]]:
    """(line number, conversation or the error on that line) for every conversation in the file."""
    if path.suffix in (".json", ".yaml", ".yml"):
        yield from _read_document(path)
        return
    with path.open("rb") as handle:
        yield from read_lines(handle)


def read_lines(lines: Iterable[bytes]) -> Iterator[tuple[int, Conversation | TranscriptError]]:
    """JSONL: (line number, conversation or the error on that line)."""
    for number, raw_line in enumerate(lines, start=1):
        if not raw_line.strip():
            continue
        try:
            line = raw_line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, TranscriptError(f"not UTF-8 text (byte {exc.start}): is this a binary file?", number)
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, TranscriptError(f"malformed JSON at column {exc.colno}: {exc.msg}", number)
            continue
        except RecursionError:
            yield number, TranscriptError("JSON nested too deeply to be a conversation", number)
            continue
        try:
            yield number, conversation_from(raw)
        except TranscriptError as exc:
            yield number, TranscriptError(exc.message, number)


def _read_document(path: Path) -> Iterator[tuple[int, Conversation | TranscriptError]]:
    import yaml
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        yield 1, TranscriptError(f"cannot parse {path.name}: {exc}", 1)
        return
    if not isinstance(data, list):
        yield 1, TranscriptError(f"{path.name} must hold a list of conversations", 1)
        return
    for i, raw in enumerate(data):
        try:
            yield i + 1, conversation_from(raw, f"conversations[{i}]")
        except TranscriptError as exc:
            yield i + 1, exc
