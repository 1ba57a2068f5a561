"""Rule evaluation: `on` gates a rule, `when` refines it, errors are traced not fatal, thresholds are constants."""
import pytest

from warmline import Engine
from warmline.config import default_text
from warmline.core import rules
from conftest import MONDAY_10


def engine_with(tmp_path, old, new):
    path = tmp_path / "policy.yaml"
    text = default_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return Engine(path)


def turn(engine, text, facts=None):
    message = {"text": text, **({"facts": facts} if facts else {})}
    return engine.session("r", {"plan": "pro"}).customer_turn(message, now=MONDAY_10)


def test_rules_whose_trigger_did_not_fire_are_not_evaluated(engine):
    d = turn(engine, "my account was hacked")
    evaluated = {entry["rule"] for entry in d.trace["rules"]}
    assert "security" in evaluated
    assert "billing-dispute" not in evaluated and "sales-enterprise" not in evaluated


def test_failed_conditions_are_traced(engine):
    d = turn(engine, "do you have enterprise pricing?")
    entries = {e["rule"]: e for e in d.trace["rules"]}
    assert entries["sales-enterprise"]["passed"] is True
    assert entries["sales-pricing"]["passed"] is False and entries["sales-pricing"]["when"] == "!signals.sales.strong"


def test_a_condition_that_errors_does_not_hold_and_says_why(tmp_path):
    engine = engine_with(tmp_path, "    on: legal\n    action: escalate",
                         "    on: legal\n    when: facts.case_number > 3\n    action: escalate")
    d = turn(engine, "my attorney will call you")
    entry = next(e for e in d.trace["rules"] if e["rule"] == "legal")
    assert entry["passed"] is False and "case_number" in entry["error"]
    d = turn(engine, "my attorney will call you", facts={"case_number": 7})
    assert d.action == "escalate" and d.reasons[0].rule == "legal"


def test_wait_timing_lets_the_ai_try_first(tmp_path):
    engine = engine_with(tmp_path, "  - id: frustration\n    on: frustration\n    action: escalate\n    priority: high",
                         "  - id: frustration\n    on: frustration\n    action: escalate\n    priority: high\n"
                         "    timing: wait\n    wait_s: 300")
    d = turn(engine, "this is ridiculous")
    assert d.handoff.timing == "wait" and d.handoff.wait_s == 300


def test_immediate_wins_over_wait_when_both_escalate(tmp_path):
    engine = engine_with(tmp_path, "  - id: frustration\n    on: frustration\n    action: escalate\n    priority: high",
                         "  - id: frustration\n    on: frustration\n    action: escalate\n    priority: high\n"
                         "    timing: wait\n    wait_s: 300")
    d = turn(engine, "this is ridiculous, get me a human")
    assert d.handoff.timing == "immediate"


def test_thresholds_are_folded_into_conditions():
    source = "signals.churn.count >= thresholds.persistent_churn_turns && confidence < thresholds.confidence.offer"
    folded = rules.fold_thresholds(source, {"persistent_churn_turns": 2, "confidence": {"offer": 0.4}})
    assert folded == "signals.churn.count >= 2 && confidence < 0.4"
    with pytest.raises(ValueError, match="unknown threshold 'thresholds.nope'"):
        rules.fold_thresholds("thresholds.nope > 1", {"persistent_churn_turns": 2})


def test_macros_bind_their_own_names():
    program = rules.compile_condition('triggers.exists(t, t.startsWith("bill"))')
    assert rules.variables_of(program, 'triggers.exists(t, t.startsWith("bill"))') == {"triggers"}


def test_a_when_only_rule_reports_its_trigger(engine):
    msgs = [{"role": "customer", "text": "hm"}, {"role": "bot", "text": "Sorry?", "fallback": True},
            {"role": "customer", "text": "hmm"}, {"role": "bot", "text": "Sorry?", "fallback": True}]
    d = engine.evaluate({"id": "w", "messages": msgs}, now=MONDAY_10)[1]
    assert d.reasons[0].rule == "fallback-second-strike" and d.reasons[0].trigger == "fallback_loop"
