"""What the customer is told. Templates are sandboxed Jinja2, compiled when the policy loads."""
from __future__ import annotations

from typing import Any, Mapping

ALTERNATIVE_PHRASES = {
    "callback": "call you back", "email": "email you", "video_call": "set up a video call",
    "scheduled_call": "schedule a call at a time that suits you", "message": "take a detailed message",
}


def humanise_wait(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    if seconds < 60:
        return "under a minute"
    if seconds < 3600:
        minutes = -(-seconds // 60)
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(seconds / 3600)
    return f"about {hours} hour{'s' if hours != 1 else ''}"


def alternatives_text(alternatives: tuple[str, ...]) -> str:
    phrases = [ALTERNATIVE_PHRASES.get(a, a) for a in alternatives]
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " or " + phrases[-1]


def render(templates: Mapping[str, Any], name: str, variables: Mapping[str, Any]) -> str:
    return " ".join(templates[name].render(**variables).split())


def with_draft(draft_text: str | None, addition: str) -> str:
    """An offer or check added under the bot's own answer."""
    if not draft_text:
        return addition
    return f"{draft_text.rstrip()}\n\n{addition}"
