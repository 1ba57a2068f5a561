"""The Python API as a bot developer uses it."""
from datetime import datetime, timezone

import re

import pytest

from warmline import Engine, Message, TranscriptError
from conftest import MONDAY_10


def test_engine_with_default_policy_evaluates_a_transcript(engine):
    conversation = {"id": "c-1001", "channel": "web",
                    "customer": {"id": "u-77", "name": "John Smith", "plan": "pro", "tags": []},
                    "messages": [
                        {"role": "customer", "text": "I was charged $150 twice", "at": "2026-11-02T10:00:00Z"},
                        {"role": "bot", "text": "Our refund policy is ...", "at": "2026-11-02T10:00:04Z",
                         "confidence": 0.72, "fallback": False, "intent": "refund_policy"},
                        {"role": "customer", "text": "that's not helpful", "at": "2026-11-02T10:01:00Z",
                         "feedback": "not_helpful"}]}
    d = engine.evaluate(conversation)
    assert [x.turn for x in d] == [0, 2]
    first = d[0].as_dict()
    assert first["action"] == "escalate" and first["handoff"]["queue"] == "billing"
    assert first["reasons"][0] == {"rule": "billing-dispute-over-100", "trigger": "billing",
                                   "evidence": "$150", "detail": "amount 150 > 100"}
    assert first["handoff"]["priority"] == "high" and first["handoff"]["timing"] == "immediate"
    assert "billing team" in first["reply"]
    assert d[1].action == "with_human"


def test_session_one_turn_at_a_time_with_injected_now(engine):
    session = engine.session("c-2", {"plan": "pro", "name": "Ada"})
    d1 = session.customer_turn("how do I add a teammate?", draft={"text": "Settings > Team.", "confidence": 0.9},
                               now=MONDAY_10)
    assert d1.action == "respond" and d1.reply is None
    d2 = session.customer_turn("get me a human", now=MONDAY_10)
    assert d2.turn == 2 and d2.action == "escalate"
    assert session.customer_turn("hello?", now=MONDAY_10).action == "with_human"
    session.handback()
    assert session.customer_turn("thanks, all good", now=MONDAY_10).action == "respond"


def test_trace_is_available_from_the_api(engine):
    session = engine.session("c", {"plan": "pro"})
    d = session.customer_turn("my account was hacked", now=MONDAY_10)
    trace = d.as_dict(explain=True)["trace"]
    assert trace["signals"]["security"]["evidence"] == "hacked"
    assert any(r["rule"] == "security" and r["passed"] for r in trace["rules"])
    assert trace["route"]["queue"] == "security"
    assert trace["hours"]["open"] is True


def test_engine_from_a_policy_file(tmp_path):
    from warmline.config import default_text
    path = tmp_path / "policy.yaml"
    path.write_text(default_text().replace("amount: 100 ", "amount: 500 "))
    engine = Engine(path)
    d = engine.session("c", {"plan": "pro"}).customer_turn("I was charged $150 twice", now=MONDAY_10)
    assert "amount_over_threshold" not in d.triggers and d.action == "offer_escalation"


def test_message_objects_are_accepted(engine):
    session = engine.session("c", {"plan": "pro"})
    msg = Message("customer", "talk to a human", at=datetime(2026, 11, 7, 23, 0, tzinfo=timezone.utc))
    assert session.customer_turn(msg).handoff.after_hours


@pytest.mark.parametrize("bad,error", [
    ({"id": "x", "messages": [{"role": "robot", "text": "hi"}]}, "messages[0].role: 'robot' is not one of"),
    ({"id": "x", "messages": [{"role": "customer"}]}, "messages[0].text: required"),
    ({"id": "x", "messages": [{"role": "bot", "text": "a", "confidence": 7}]}, "confidence: must be a number"),
    ({"id": "x", "messages": [{"role": "customer", "text": "a", "colour": "red"}]}, "unknown field 'colour'"),
    ({"id": "x", "messages": [], "extra": 1}, "unknown field 'extra'"),
    ({"messages": []}, "conversation.id: required"),
    ({"id": "x", "messages": [{"role": "customer", "text": "a", "at": "yesterday"}]}, "is not an ISO 8601 time"),
])
def test_bad_transcripts_are_refused_precisely(engine, bad, error):
    with pytest.raises(TranscriptError, match=re.escape(error)):
        engine.evaluate(bad)


def test_huge_messages_are_analysed_in_bounded_time(engine):
    text = "please help " * 5000 + " talk to a human"
    d = engine.session("c", {"plan": "pro"}).customer_turn(text, now=MONDAY_10)
    assert "truncated" in d.trace and d.action in ("respond", "escalate")


def test_binary_and_control_characters_do_not_break_a_turn(engine):
    d = engine.session("c", {"plan": "pro"}).customer_turn("\x00\x01\ufffd\u202e agent \x07", now=MONDAY_10)
    assert d.action == "escalate"


def test_a_turn_that_is_not_a_message_is_refused(engine):
    session = engine.session("c", {"plan": "pro"})
    with pytest.raises(TranscriptError, match="expected text, a Message or a mapping, got int"):
        session.customer_turn(42, now=MONDAY_10)
    with pytest.raises(TranscriptError, match="confidence: must be a number from 0 to 1"):
        session.customer_turn("hi", draft={"text": "x", "confidence": "high"}, now=MONDAY_10)
