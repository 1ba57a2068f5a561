"""Pre-handoff flows: the details a team needs before a person picks the conversation up (an email or phone, an
order number, one clarifying question), asked one at a time, each answer validated, and the queue chosen by
what was collected. Pure: the service keeps the progress with the handoff and calls `advance` on each answer.

A flow never traps a customer: a step the profile already answers is skipped, "skip" or "I don't know" skips an
optional step, and a required step asked `max_tries` times without a valid answer is left for the agent.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

KINDS = ("name", "email", "phone", "email_or_phone", "order_number", "text", "choice")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_ORDER = re.compile(r"(?<![A-Za-z0-9-])#?([A-Za-z0-9-]*\d[A-Za-z0-9-]*)")
_PHONE = re.compile(r"\+?[\d\s().-]{7,}")
_SKIP = re.compile(r"\b(skip|don'?t know|do not know|no idea|not sure|don'?t have|do not have|none)\b", re.I)
HINTS = {"email": "an email address like name@example.com", "phone": "a phone number with its area code",
         "email_or_phone": "an email address or a phone number", "order_number": "the order number (digits)",
         "name": "your name", "text": "a few words", "choice": "one of the options"}


@dataclass(frozen=True)
class FlowStep:
    field: str
    ask: str
    kind: str = "text"
    optional: bool = False
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)   # choice value -> words meaning it
    route: Mapping[str, str] = field(default_factory=dict)                 # choice value -> queue


@dataclass(frozen=True)
class FlowSpec:
    name: str
    queues: tuple[str, ...]
    steps: tuple[FlowStep, ...]
    max_tries: int = 2


@dataclass(frozen=True)
class Progress:
    """Where a flow stands: the next step to ask (None: done), tries on it, what was collected, what was not."""
    step: int | None
    tries: int = 0
    collected: Mapping[str, Any] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, "tries": self.tries, "collected": dict(self.collected),
                "missing": list(self.missing)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Progress":
        return cls(data.get("step"), data.get("tries", 0), dict(data.get("collected", {})),
                   tuple(data.get("missing", ())))


def flow_for(flows: Mapping[str, FlowSpec], queue: str) -> FlowSpec | None:
    return next((f for f in flows.values() if queue in f.queues), None)


def start(flow: FlowSpec, known: Mapping[str, Any]) -> Progress:
    """The first step the customer's profile does not already answer (None when it answers them all)."""
    collected = {s.field: known[s.field] for s in flow.steps if known.get(s.field)}
    return Progress(_next(flow, 0, collected), 0, collected)


def _next(flow: FlowSpec, begin: int, collected: Mapping[str, Any]) -> int | None:
    return next((i for i in range(begin, len(flow.steps)) if flow.steps[i].field not in collected), None)


def parse(step: FlowStep, text: str) -> Any | None:
    """The answer's value for this step, or None when it does not answer it."""
    text = text.strip()
    if step.kind == "email":
        m = _EMAIL.search(text)
        return m.group(0).lower() if m else None
    if step.kind == "phone":
        return _phone(text)
    if step.kind == "email_or_phone":
        m = _EMAIL.search(text)
        return m.group(0).lower() if m else _phone(text)
    if step.kind == "order_number":
        found = [m.group(1) for m in _ORDER.finditer(text) if sum(c.isdigit() for c in m.group(1)) >= 3]
        return found[0].upper() if found else None
    if step.kind == "choice":
        lowered = f" {re.sub(r'[^a-z0-9 ]+', ' ', text.lower())} "
        return next((value for value, words in step.options.items()
                     if value in lowered.split() or any(f" {w.lower()} " in lowered for w in words)), None)
    if step.kind == "name":
        return text[:80] if any(c.isalpha() for c in text) and len(text.split()) <= 6 else None
    return text[:500] if text else None


def _phone(text: str) -> str | None:
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 7 <= len(digits) <= 15:
            return ("+" if m.group(0).lstrip().startswith("+") else "") + digits
    return None


def advance(flow: FlowSpec, progress: Progress, answer: str) -> tuple[Progress, str | None]:
    """Apply the customer's answer: (new progress, None) when it was taken or the step given up on, else
    (progress with one more try, a hint for asking again)."""
    if progress.step is None:
        return progress, None
    step = flow.steps[progress.step]
    value = parse(step, answer)
    if value is not None:
        collected = {**progress.collected, step.field: value}
        return Progress(_next(flow, progress.step + 1, collected), 0, collected, progress.missing), None
    gave_up = _SKIP.search(answer) is not None and step.optional
    if gave_up or progress.tries + 1 >= flow.max_tries:
        missing = progress.missing + (step.field,)
        return Progress(_next(flow, progress.step + 1, {**progress.collected, **{m: None for m in missing}}), 0,
                        progress.collected, missing), None
    return Progress(progress.step, progress.tries + 1, progress.collected, progress.missing), HINTS[step.kind]


def queue_after(flow: FlowSpec, progress: Progress, queue: str) -> str:
    """The queue the collected answers point to (a choice step's route), else the handoff's own."""
    for step in flow.steps:
        value = progress.collected.get(step.field)
        if step.kind == "choice" and value in step.route:
            return step.route[value]
    return queue
