"""PII redaction for what leaves Warmline: briefings, payloads, logs. Each kind is found by a pattern and then
validated (Luhn for cards, the IBAN checksum, the national id's own rules, phone numbers by libphonenumber), so
an order number is not taken for a card and a date is not taken for a phone number.

Redaction happens per destination; the original stays in the database for authorised agents.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import replace
from typing import Any, Iterable

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum.us import ssn as stdnum_ssn

KINDS = ("email", "card", "iban", "national_id", "ip", "phone")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_SSN = re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")   # validated below


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _spans(text: str, kinds: Iterable[str], region: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    kinds = set(kinds)
    if "email" in kinds:
        found += [(m.start(), m.end(), "[email]") for m in _EMAIL.finditer(text)]
    if "card" in kinds:
        for m in _CARD.finditer(text):
            digits = re.sub(r"\D", "", m.group(0))
            if 13 <= len(digits) <= 19 and luhn(digits):
                found.append((m.start(), m.end(), f"[card ending {digits[-4:]}]"))
    if "iban" in kinds:
        found += [(m.start(), m.end(), "[iban]") for m in _IBAN.finditer(text) if stdnum_iban.is_valid(m.group(0))]
    if "national_id" in kinds:
        found += [(m.start(), m.end(), "[national id]") for m in _SSN.finditer(text) if stdnum_ssn.is_valid(m.group(0))]
    if "ip" in kinds:
        for pattern in (_IPV4, _IPV6):
            for m in pattern.finditer(text):
                try:
                    address = ipaddress.ip_address(m.group(0))
                except ValueError:
                    continue
                if not (address.is_loopback or address.is_unspecified):   # this machine's own, not a person's
                    found.append((m.start(), m.end(), "[ip]"))
    if "phone" in kinds:
        taken = [(s, e) for s, e, _ in found]
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            if not any(s < match.end and match.start < e for s, e in taken):
                found.append((match.start, match.end, "[phone]"))
    return found


def redact(text: str, kinds: Iterable[str] = KINDS, region: str = "US") -> str:
    """The text with every personal detail of the given kinds replaced by a label; overlaps keep the first."""
    spans = sorted(_spans(text, kinds, region), key=lambda s: (s[0], -(s[1] - s[0])))
    out, last = [], 0
    for start, end, label in spans:
        if start < last:
            continue
        out += [text[last:start], label]
        last = end
    return "".join(out) + text[last:]


def redact_value(value: Any, kinds: Iterable[str] = KINDS, region: str = "US") -> Any:
    """Every string inside a JSON-like value, redacted (keys are left alone)."""
    if isinstance(value, str):
        return redact(value, kinds, region)
    if isinstance(value, dict):
        return {k: redact_value(v, kinds, region) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v, kinds, region) for v in value)
    return value


def redact_briefing(briefing, kinds: Iterable[str] = KINDS, region: str = "US"):
    """A copy of a core.briefing.Briefing with every text field redacted."""
    kinds = tuple(kinds)
    fields = {name: redact_value(getattr(briefing, name), kinds, region)
              for name in ("intent", "summary", "why", "handoff", "customer", "attempts", "stalled_on", "facts",
                           "for_agent", "transcript")}
    return replace(briefing, **fields)
