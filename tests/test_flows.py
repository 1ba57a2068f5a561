"""Pre-handoff flows: details collected one question at a time, validated, never a trap, routed by the answers."""
from __future__ import annotations

from warmline.config import check_text, default_text
from warmline.core.flows import FlowSpec, FlowStep, Progress, advance, parse, queue_after, start
from warmline.core.model import Message
from warmline.service import lifecycle
from warmline.service.turns import post_turn

EMAIL = FlowStep("email", "What's the email on your account?", "email")
ORDER = FlowStep("order_number", "Which order is it about?", "order_number", optional=True)
TOPIC = FlowStep("topic", "Is this about a refund or do you want to cancel?", "choice",
                 options={"refund": ("refund", "money back"), "cancel": ("cancel", "close my account")},
                 route={"cancel": "retention"})
FLOW = FlowSpec("billing-details", ("billing",), (EMAIL, ORDER, TOPIC))

FLOW_YAML = """
flows:
  billing-details:
    queues: [billing]
    steps:
      - field: email
        ask: What's the email on your account?
        kind: email
      - field: order_number
        ask: Which order is it about?
        kind: order_number
        optional: true
      - field: topic
        ask: Is this about a refund, or do you want to cancel?
        kind: choice
        options: {refund: [refund, money back], cancel: [cancel, close my account]}
        route: {cancel: retention}
"""


def test_answers_are_validated_by_kind():
    assert parse(EMAIL, "sure, it's Kim.Lee@Example.com thanks") == "kim.lee@example.com"
    assert parse(EMAIL, "kim at example") is None
    assert parse(ORDER, "order #A-10442 from last week") == "A-10442"
    assert parse(ORDER, "the one from tuesday") is None
    assert parse(FlowStep("phone", "?", "phone"), "call me on +44 20 7946 0958") == "+442079460958"
    assert parse(FlowStep("phone", "?", "phone"), "123") is None
    assert parse(TOPIC, "I'd like my money back") == "refund" and parse(TOPIC, "just CANCEL it") == "cancel"


def test_a_flow_skips_what_is_known_and_never_traps_the_customer():
    progress = start(FLOW, {"email": "kim@example.com"})
    assert progress.step == 1                                    # the profile answered the email
    progress, hint = advance(FLOW, progress, "I don't know it")  # optional: skipped at once
    assert hint is None and progress.step == 2 and progress.missing == ("order_number",)
    progress, hint = advance(FLOW, progress, "hmm")
    assert hint == "one of the options" and progress.step == 2 and progress.tries == 1
    progress, hint = advance(FLOW, progress, "hmmm")             # max_tries reached: left for the agent
    assert hint is None and progress.step is None and progress.missing == ("order_number", "topic")
    assert queue_after(FLOW, progress, "billing") == "billing"


def test_the_answers_choose_the_queue():
    progress = Progress(2, 0, {"email": "kim@example.com"})
    progress, _ = advance(FLOW, progress, "please close my account")
    assert progress.step is None and queue_after(FLOW, progress, "billing") == "retention"


def test_flows_are_checked_with_the_rest_of_the_policy():
    bad = default_text() + FLOW_YAML.replace("queues: [billing]", "queues: [biling]").replace(
        "route: {cancel: retention}", "route: {cancel: retension}")
    messages = [str(p) for p in check_text(bad, "policy.yaml")]
    assert any(m.startswith("flows.billing-details.queues[0]") and "did you mean 'billing'" in m for m in messages)
    assert any(m.startswith("flows.billing-details.steps[2].route.cancel") and "retention" in m for m in messages)
    assert check_text(default_text() + FLOW_YAML, "policy.yaml") == []


def with_flow(service, tmp_path):
    path = tmp_path / "flow.yaml"
    path.write_text(default_text() + FLOW_YAML)
    service.policies.path = str(path)
    service.policies.reload()


def say(service, text, customer=None):
    return post_turn(service, "c-flow", Message("customer", text), None, customer, None).decision


def test_the_service_asks_validates_and_queues_where_the_answers_point(service, tmp_path):
    with_flow(service, tmp_path)
    first = say(service, "I was charged twice, $150, for one order")
    handoff = lifecycle.get(service, first["handoff_id"])
    assert handoff["state"] == "collecting" and first["ask"]["field"] == "email"
    assert first["reply"].endswith("What's the email on your account?")
    again = say(service, "kim at example dot com")
    assert again["ask"]["field"] == "email" and again["reply"].startswith("Sorry, I need an email address")
    assert say(service, "kim@example.com")["ask"]["field"] == "order_number"
    assert say(service, "order 88123")["ask"]["field"] == "topic"
    done = say(service, "I want to cancel")
    assert done["ask"] is None and "customer success team" in done["reply"]
    handoff = lifecycle.get(service, first["handoff_id"])
    assert handoff["state"] == "queued" and handoff["queue"] == "retention" and handoff["sla_due"]
    assert handoff["contact"] == {"email": "kim@example.com", "order_number": "88123", "topic": "cancel"}
    assert "handoff.details_collected" in [e["kind"] for e in handoff["events"]]


def test_a_known_customer_is_asked_only_what_is_missing(service, tmp_path):
    with_flow(service, tmp_path)
    first = say(service, "I was charged twice, $150, for one order", {"email": "kim@example.com"})
    assert first["ask"]["field"] == "order_number"
