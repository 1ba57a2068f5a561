"""PII redaction: found by pattern, confirmed by checksum or numbering plan, so order numbers and dates survive."""
from __future__ import annotations

from warmline.core.redact import luhn, redact, redact_value


def test_each_kind_is_redacted():
    text = ("Mail kim.lee@example.com or call +1 415-555-0132. Card 4242 4242 4242 4242, IBAN "
            "DE89 3704 0044 0532 0130 00, SSN 536-22-8826, from 203.0.113.9 and 2001:db8::1")
    out = redact(text)
    assert out == ("Mail [email] or call [phone]. Card [card ending 4242], IBAN [iban], SSN [national id], "
                   "from [ip] and [ip]")


def test_look_alikes_that_fail_their_checks_are_kept():
    text = "Order 1234 5678 9012 3456 on 2026-11-01, amount $150, ref DE00 1234 5678 9012 3456 78, ssn 000-12-3456"
    assert redact(text) == text                     # no Luhn, no IBAN checksum, an SSN area that does not exist
    assert luhn("4242424242424242") and not luhn("4242424242424241")
    assert redact("listening on http://127.0.0.1:8080 and [::1]") == "listening on http://127.0.0.1:8080 and [::1]"


def test_only_the_kinds_asked_for_and_nested_values():
    assert redact("kim@example.com 4242424242424242", kinds=["email"]) == "[email] 4242424242424242"
    value = {"customer": {"email": "kim@example.com"}, "transcript": [{"text": "call 020 7946 0958"}]}
    assert redact_value(value, region="GB") == {"customer": {"email": "[email]"},
                                                "transcript": [{"text": "call [phone]"}]}


def test_log_lines_are_redacted():
    import json
    import logging

    from warmline.logs import JsonFormatter
    record = logging.makeLogRecord({"name": "warmline.timers", "levelname": "WARNING", "levelno": 30,
                                    "msg": "delivery failed: HTTP 422: bad requester %s", "args": ("kim@example.com",),
                                    "card": "4242 4242 4242 4242"})
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "delivery failed: HTTP 422: bad requester [email]"
    assert line["card"] == "[card ending 4242]" and line["level"] == "warning"


def test_a_redacted_briefing_hides_what_a_flow_collected_in_its_handoff():
    from warmline.core.briefing import build
    from warmline.core.model import Customer, Message
    from warmline.core.redact import redact_briefing
    made = build("c", [Message("customer", "I want a human")], [], Customer(name="Kim"),
                 {"id": "h-1", "queue": "billing", "contact": {"email": "kim@example.com", "phone": "+1 415-555-0132"}})
    hidden = redact_briefing(made)
    assert hidden.handoff["contact"] == {"email": "[email]", "phone": "[phone]"}
    assert "kim@example.com" not in str(hidden.as_dict())
