"""The agent briefing: what a person needs in the three seconds after claiming a handoff, so that nobody asks
"how can I help you today?". Pure: built from the stored transcript and decisions (DESIGN.md §2.1, §2.2 with
traces), rendered as a dict (JSON), Markdown (a helpdesk's internal note) and HTML (the console card).

The two-sentence summary is extractive and made here, offline; `Summariser` is the seam for plugging in another
(an LLM, say) by configuration, never required.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, Sequence

from .model import Customer, Message
from .text import sentences

LABELS = {
    "human_request": "Asked for a person", "billing": "Billing dispute", "amount_over_threshold": "Billing dispute",
    "refund_beyond_policy": "Refund outside the policy", "security": "Security concern", "privacy": "Privacy request",
    "legal": "Legal matter", "churn": "Wants to cancel", "sales": "Sales enquiry", "crisis": "Customer in crisis",
    "sensitive": "Sensitive situation", "account_access": "Cannot get into the account",
    "frustration": "Frustrated customer", "negative_sentiment": "Unhappy customer", "fallback": "Bot did not understand",
    "repeated_question": "Asked the same thing repeatedly", "not_helpful": "Bot answers did not help",
    "risky_draft": "Bot was about to promise something", "long_conversation": "Long conversation",
    "low_confidence": "Bot unsure of its answer", "medium_confidence": "Bot unsure of its answer",
}
_URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Briefing:
    conversation_id: str
    intent: str
    summary: str
    why: tuple[Mapping[str, Any], ...]                 # the escalating decision's reasons (rule, trigger, evidence)
    handoff: Mapping[str, Any]                         # queue, priority, sla_due, state, ...
    customer: Mapping[str, Any]
    attempts: tuple[Mapping[str, Any], ...]            # what the bot already said or offered
    stalled_on: str | None                             # the last thing the customer asked that got no answer
    sentiment: tuple[tuple[int, float], ...]           # (turn, score) per customer turn
    facts: Mapping[str, tuple[Any, ...]]               # order ids, amounts, dates, emails, ...
    for_agent: tuple[str, ...]                         # what the customer asked to pass on
    transcript: tuple[Mapping[str, Any], ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {"conversation_id": self.conversation_id, "intent": self.intent, "summary": self.summary,
                "why": [dict(r) for r in self.why], "handoff": dict(self.handoff), "customer": dict(self.customer),
                "attempts": [dict(a) for a in self.attempts], "stalled_on": self.stalled_on,
                "sentiment": [{"turn": t, "score": s} for t, s in self.sentiment],
                "facts": {k: list(v) for k, v in self.facts.items()}, "for_agent": list(self.for_agent),
                "transcript": [dict(m) for m in self.transcript]}


class Summariser(Protocol):
    def summarise(self, briefing: Briefing) -> str: ...


def build(conversation_id: str, messages: Sequence[Message], decisions: Sequence[Mapping[str, Any]],
          customer: Customer, handoff: Mapping[str, Any], segment: Mapping[str, bool] | None = None) -> Briefing:
    """`decisions` are stored decision bodies (with `trace`), one per customer turn, in order."""
    escalation = next((d for d in decisions if d.get("action") == "escalate"), decisions[-1] if decisions else {})
    upto = escalation.get("turn", len(messages))
    reasons = tuple(escalation.get("reasons", ()))
    first = reasons[0] if reasons else {}
    label = LABELS.get(first.get("trigger", ""), (first.get("trigger") or "Needs a person").replace("_", " "))
    quote = _sentence_with(messages, upto, first.get("evidence")) or _salient(messages, upto)
    intent = f"{label}: \u201c{_clip(quote, 90)}\u201d" if quote else label
    briefing = Briefing(
        conversation_id=conversation_id, intent=intent, summary="", why=reasons, handoff=handoff,
        customer=_profile(customer, segment), attempts=_attempts(messages, upto),
        stalled_on=_stalled(messages, decisions, upto), sentiment=tuple(
            (d["turn"], d.get("sentiment", 0.0)) for d in decisions if "turn" in d),
        facts=_facts(decisions), for_agent=_for_agent(messages, upto),
        transcript=tuple({"role": m.role, "text": m.text, "at": m.at.isoformat() if m.at else None}
                         for m in messages))
    return _with_summary(briefing, ExtractiveSummary().summarise(briefing))


def _with_summary(briefing: Briefing, summary: str) -> Briefing:
    from dataclasses import replace
    return replace(briefing, summary=summary)


class ExtractiveSummary:
    """Two sentences from the conversation's own words and the decision: what the customer wants, what was
    tried and why it came to a person."""

    def summarise(self, briefing: Briefing) -> str:
        who = briefing.customer.get("name") or "The customer"
        asked = next((m["text"] for m in briefing.transcript if m["role"] == "customer"), "")
        quote = _clip(_first_sentence(asked), 120)
        first = f"{who} wrote: \u201c{quote}\u201d" if asked else f"{who} got in touch"
        first += "" if quote.endswith((".", "?", "!", "\u2026")) else "."
        tried = len(briefing.attempts)
        times = {0: "", 1: " once", 2: " twice"}.get(tried, f" {tried} times")
        second = f"The bot answered{times}" if tried else "The bot had not answered"
        reason = briefing.why[0].get("detail") if briefing.why else None
        queue = briefing.handoff.get("queue")
        if queue:
            second += f" before it escalated to {queue}" + (f" ({reason})" if reason else "")
        return f"{first} {second}."


def _profile(customer: Customer, segment: Mapping[str, bool] | None) -> dict[str, Any]:
    out = customer.as_dict()
    if segment:
        out["segment"] = [name for name, on in segment.items() if on]
    return out


def _attempts(messages: Sequence[Message], upto: int) -> tuple[dict[str, Any], ...]:
    out = []
    for i, m in enumerate(messages[:upto + 1]):
        if m.role != "bot":
            continue
        item: dict[str, Any] = {"turn": i, "said": _clip(m.text, 160)}
        if m.intent:
            item["intent"] = m.intent
        links = _URL.findall(m.text)
        if links:
            item["articles"] = links
        out.append(item)
    return tuple(out)


def _stalled(messages: Sequence[Message], decisions: Sequence[Mapping[str, Any]], upto: int) -> str | None:
    """The customer's last question up to the handoff (a message with '?', or one the bot failed on)."""
    failed = {d["turn"] for d in decisions if {"fallback", "repeated_question", "not_helpful"} & set(d["triggers"])}
    for i in range(min(upto, len(messages) - 1), -1, -1):
        m = messages[i]
        if m.role == "customer" and ("?" in m.text or i in failed):
            return _clip(m.text, 200)
    return None


def _facts(decisions: Sequence[Mapping[str, Any]]) -> dict[str, tuple[Any, ...]]:
    out: dict[str, list[Any]] = {}
    for d in decisions:
        extracted = d.get("trace", {}).get("measures", {}).get("extracted", {})
        for kind, values in extracted.items():
            bucket = out.setdefault(kind, [])
            bucket.extend(v for v in values if v not in bucket)
    return {k: tuple(v) for k, v in out.items() if v}


def _for_agent(messages: Sequence[Message], upto: int) -> tuple[str, ...]:
    """What the customer wrote after the handoff was announced and before a person spoke."""
    out = []
    for m in messages[upto + 1:]:
        if m.role == "agent":
            break
        if m.role == "customer":
            out.append(_clip(m.text, 300))
    return tuple(out)


def _sentence_with(messages: Sequence[Message], upto: int, evidence: str | None) -> str | None:
    """The customer's own sentence around the evidence ("$150" alone says little)."""
    if not evidence:
        return None
    for m in reversed([m for m in messages[:upto + 1] if m.role == "customer"]):
        for sentence in sentences(m.text):
            if evidence.lower() in sentence.lower():
                return sentence
    return evidence


def _salient(messages: Sequence[Message], upto: int) -> str | None:
    said = [m.text for m in messages[:upto + 1] if m.role == "customer"]
    return max(said, key=len) if said else None


def _first_sentence(text: str) -> str:
    """The first sentence of the message read as one paragraph: a greeting on a line of its own ("Hi team,") is not
    what the customer wrote about."""
    first = sentences(" ".join(text.split()))
    return first[0] if first else ""


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def to_markdown(b: Briefing) -> str:
    h = b.handoff
    lines = [f"**{b.intent}**", "", b.summary, "",
             f"- Priority **{h.get('priority')}** · queue {h.get('queue')} · SLA due {h.get('sla_due') or '-'}"]
    c = b.customer
    who = ", ".join(f"{k}: {c[k]}" for k in ("name", "plan", "account_age_days", "previous_tickets", "segment")
                    if c.get(k) not in (None, [], ""))
    if who:
        lines.append(f"- Customer: {who}")
    lines += ["", "**Why it escalated**"] + [f"- {r.get('trigger')}: {r.get('detail')}" +
                                             (f" (\u201c{r['evidence']}\u201d)" if r.get("evidence") else "")
                                             for r in b.why]
    if b.attempts:
        lines += ["", "**Already tried by the bot** (don't repeat)"] + [
            f"- {a['said']}" + (f" [{a['intent']}]" if a.get("intent") else "") for a in b.attempts]
    if b.stalled_on:
        lines += ["", f"**Stalled on:** \u201c{b.stalled_on}\u201d"]
    if b.sentiment:
        lines += ["", "**Sentiment by turn:** " + " → ".join(f"{s:+.2f}" for _, s in b.sentiment)]
    if b.facts:
        lines += ["", "**Facts:** " + "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in b.facts.items())]
    if b.for_agent:
        lines += ["", "**The customer asked to add:**"] + [f"> {t}" for t in b.for_agent]
    lines += ["", "**Transcript**"] + [f"- *{m['role']}*: {m['text']}" for m in b.transcript]
    return "\n".join(lines) + "\n"


def to_html(b: Briefing) -> str:
    e = html.escape
    h, c = b.handoff, b.customer
    parts = [f'<article class="briefing" data-priority="{e(str(h.get("priority")))}">',
             f"<h2>{e(b.intent)}</h2>", f'<p class="summary">{e(b.summary)}</p>',
             f'<p class="meta">Priority <strong>{e(str(h.get("priority")))}</strong> · {e(str(h.get("queue")))}'
             f' · SLA due <time>{e(str(h.get("sla_due") or "-"))}</time></p>',
             "<dl>" + "".join(f"<dt>{e(k.replace('_', ' '))}</dt><dd>{e(str(c[k]))}</dd>"
                              for k in ("name", "plan", "account_age_days", "previous_tickets", "segment")
                              if c.get(k) not in (None, [], "")) + "</dl>",
             "<h3>Why it escalated</h3><ul>" + "".join(
                 f"<li>{e(str(r.get('detail')))}" + (f" <q>{e(r['evidence'])}</q>" if r.get("evidence") else "")
                 + "</li>" for r in b.why) + "</ul>"]
    if b.attempts:
        parts.append("<h3>Already tried by the bot</h3><ul>" + "".join(
            f"<li>{e(a['said'])}</li>" for a in b.attempts) + "</ul>")
    if b.stalled_on:
        parts.append(f"<h3>Stalled on</h3><blockquote>{e(b.stalled_on)}</blockquote>")
    if b.sentiment:
        parts.append('<h3>Sentiment</h3><ol class="sentiment">' + "".join(
            f'<li data-turn="{t}">{s:+.2f}</li>' for t, s in b.sentiment) + "</ol>")
    if b.facts:
        parts.append("<h3>Facts</h3><ul>" + "".join(
            f"<li>{e(k)}: {e(', '.join(map(str, v)))}</li>" for k, v in b.facts.items()) + "</ul>")
    if b.for_agent:
        parts.append("<h3>The customer asked to add</h3>" + "".join(
            f"<blockquote>{e(t)}</blockquote>" for t in b.for_agent))
    parts.append("</article>")
    return "\n".join(parts)
