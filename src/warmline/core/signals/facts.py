"""Facts in the text (amounts with currency, order ids, emails, dates) and in message `facts`, and the two
triggers they drive: amount_over_threshold (a billing matter over the amount) and refund_beyond_policy (a refund
for an order older than the refund window)."""
from __future__ import annotations

import re
from datetime import date, datetime

from ..model import Signal, Span
from . import Found, Measures, Turn, evidence_of

_NUMBER = r"\d{1,3}(?:[,.\s]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_AMOUNT = re.compile(
    rf"(?P<sym>[$€£¥]|\b(?:usd|eur|gbp|cad|aud)\s?)\s?(?P<a>{_NUMBER})(?!\d)"
    rf"|(?<![\w.])(?P<b>{_NUMBER})\s?(?P<word>usd|eur|gbp|cad|aud|dollars?|euros?|pounds?|bucks|quid)\b",
    re.IGNORECASE)
_ORDER = re.compile(r"(?:\b(?:order|purchase|invoice|ticket|case|booking|reference|ref|transaction)\b"
                    r"\s*(?:number|no\.?|num|id)?\s*[:#]?\s*|#)(?P<id>[A-Z0-9][A-Z0-9-]{3,})\b", re.IGNORECASE)
# starts where a word starts: unanchored, a 10,000-letter word without "@" took half a second (each of its letters
# a start, each start scanning to the end)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_MONTHS = {m: i + 1 for i, m in enumerate(
    "january february march april may june july august september october november december".split())}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_NAMED_DATE = re.compile(
    r"\b(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>[a-z]{3,9})\.?|(?P<m2>[a-z]{3,9})\.?\s+(?P<d2>\d{1,2})"
    r"(?:st|nd|rd|th)?)(?:,?\s+(?P<y>\d{4}))?\b", re.IGNORECASE)


def parse_amount(text: str) -> float | None:
    digits = text.replace(" ", "")
    if re.fullmatch(r"\d{1,3}([,.]\d{3})+", digits):  # thousands separators only: 1,500 / 1.500
        return float(re.sub(r"[,.]", "", digits))
    if re.fullmatch(r"\d{1,3}([,.]\d{3})+[.,]\d{1,2}", digits):
        return float(re.sub(r"[,.]", "", digits[:-3]) + "." + digits[-2:].lstrip(",."))
    return float(digits.replace(",", "."))


def amounts(text: str) -> list[tuple[float, Span]]:
    found = []
    for m in _AMOUNT.finditer(text):
        raw = m.group("a") or m.group("b")
        try:
            found.append((parse_amount(raw), Span(m.start(), m.end(), m.group(0).strip())))
        except ValueError:
            continue
    return found


def dates(text: str, now: datetime) -> list[date]:
    out = []
    for m in _ISO_DATE.finditer(text):
        out.append(_date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in _NAMED_DATE.finditer(text):
        month = _MONTHS.get((m.group("m1") or m.group("m2") or "").lower())
        if month is None:
            continue
        day = int(m.group("d1") or m.group("d2"))
        year = int(m.group("y")) if m.group("y") else now.year
        found = _date(year, month, day)
        if found and not m.group("y") and found > now.date():
            found = _date(year - 1, month, day)  # "on March 3" said in January means last March
        out.append(found)
    return [d for d in out if d is not None]


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def extract(text: str, now: datetime, found_amounts: list[tuple[float, Span]] | None = None) -> dict:
    if found_amounts is None:
        found_amounts = amounts(text)
    return {
        "amounts": [a for a, _ in found_amounts],
        "order_ids": [m.group("id") for m in _ORDER.finditer(text) if any(c.isdigit() for c in m.group("id"))],
        "emails": _EMAIL.findall(text) if "@" in text else [],
        "dates": [d.isoformat() for d in dates(text, now)],
    }


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    text = turn.message.text
    found_amounts = amounts(text)
    extracted = extract(text, turn.now, found_amounts)
    facts = {**turn.state.facts, **turn.message.facts}
    if turn.draft is not None and turn.draft.facts:
        facts.update(turn.draft.facts)
    measures["facts"] = facts
    measures["extracted"] = extracted
    measures["amounts"] = tuple(a for a, _ in found_amounts)
    measures["refund_asked"] = turn.scan.has("refund_words")
    if "order_age_days" not in facts and extracted["dates"] and measures["refund_asked"]:
        oldest = min(date.fromisoformat(d) for d in extracted["dates"])
        facts["order_age_days"] = (turn.now.date() - oldest).days
    _amount_over_threshold(turn, found, facts, found_amounts)
    _refund_beyond_policy(turn, found, facts, measures)


def _amount_over_threshold(turn: Turn, found: Found, facts: dict, found_amounts) -> None:
    billing_now = "billing" in found
    if not billing_now and not (turn.state.turns_with("billing") and found_amounts):
        return
    limit = turn.policy.thresholds.amount
    candidates = [(a, s) for a, s in found_amounts]
    if isinstance(facts.get("amount"), (int, float)):
        candidates.append((float(facts["amount"]), None))
    if billing_now:
        candidates.extend((a, None) for a in turn.state.amounts)
    over = [(a, s) for a, s in candidates if a > limit]
    if not over:
        return
    amount, span = max(over, key=lambda pair: pair[0])
    if span is None:
        span = evidence_of(turn.scan, "billing")
    found["amount_over_threshold"] = Signal("amount_over_threshold", evidence=span,
                                            detail=f"amount {amount:g} > {limit:g}")


def _refund_beyond_policy(turn: Turn, found: Found, facts: dict, measures: Measures) -> None:
    if not (measures["refund_asked"] or (turn.state.refund_asked and "billing" in found)):
        return
    age = facts.get("order_age_days")
    window = turn.policy.thresholds.refund_window_days
    if isinstance(age, (int, float)) and age > window:
        found["refund_beyond_policy"] = Signal(
            "refund_beyond_policy", evidence=evidence_of(turn.scan, "refund_words"),
            detail=f"order age {age:g} days > {window} day refund window")
