"""Seed scenarios (tests/scenarios/seed_scenarios.yaml): multi-turn conversations written from the articles, with
the action expected on every customer turn, and the queue, priority and timing where they matter."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

SCENARIOS = yaml.safe_load((Path(__file__).parent / "scenarios" / "seed_scenarios.yaml").read_text())


def transcript(scenario):
    at = scenario.get("at", datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc))  # YAML reads times as datetimes
    messages, expected = [], []
    for turn in scenario["turns"]:
        if "agent" in turn:
            messages.append({"role": "agent", "text": turn["agent"], "at": at.isoformat()})
        elif "event" in turn:
            messages.append({"role": "system", "text": "", "event": turn["event"], "at": at.isoformat()})
        else:
            message = {"role": "customer", "text": turn["say"], "at": at.isoformat()}
            if "feedback" in turn:
                message["feedback"] = turn["feedback"]
            if "message_facts" in turn:
                message["facts"] = turn["message_facts"]
            messages.append(message)
            expected.append(turn)
            if "draft" in turn:
                at += timedelta(seconds=3)
                messages.append({"role": "bot", "at": at.isoformat(), **turn["draft"]})
        at += timedelta(seconds=40)
    return {"id": scenario["id"], "customer": scenario.get("customer", {"plan": "pro"}), "messages": messages}, expected


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_seed_scenario(engine, scenario):
    conversation, expected = transcript(scenario)
    decisions = engine.evaluate(conversation)
    assert len(decisions) == len(expected)
    for decision, want in zip(decisions, expected):
        where = f"turn {decision.turn} {want['say']!r}: {decision.action} {[r.rule for r in decision.reasons]}"
        allowed = want.get("expect_any") or [want["expect"]]
        assert decision.action in allowed, where
        for key in ("queue", "priority", "timing"):
            if key in want:
                assert getattr(decision.handoff, key) == want[key], f"{where} {key}"


def test_scenarios_cover_the_seed_behaviours():
    assert len(SCENARIOS) >= 45
    actions = {t.get("expect") for s in SCENARIOS for t in s["turns"]}
    assert {"respond", "respond_with_check", "offer_escalation", "escalate", "with_human"} <= actions


SINGLE = yaml.safe_load((Path(__file__).parent / "scenarios" / "single_turns.yaml").read_text())


@pytest.mark.parametrize("case", SINGLE, ids=[c["say"][:50] for c in SINGLE])
def test_single_turn_phrasings(engine, case):
    session = engine.session("single", {"plan": "pro"})
    decision = session.customer_turn(case["say"], draft={"text": "Here is some help.", "confidence": 0.9},
                                     now=datetime(2026, 11, 4, 14, 0, tzinfo=timezone.utc))
    assert decision.action == case["expect"], [r.rule for r in decision.reasons]
