"""Durable timers with a fake clock: the AI-first wait, the SLA ladder, after-hours tickets, the stalled
check-in, leases after a killed worker, and a restart with timers pending. SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from warmline.bootstrap import build
from warmline.config.load import default_text
from warmline.core.model import Message
from warmline.service import lifecycle, queries
from warmline.service.access import Principal
from warmline.service.handoffs import handlers
HANDLERS = handlers()
from warmline.service.timers import claim_due, run, run_due
from warmline.service.turns import post_turn
from warmline.settings import Settings
from warmline.store.tables import timers

ADA = Principal("k", "Ada", "agent", "ada")
ANGRY = "This is useless, I want to talk to a real person now"


def turn(ctx, conversation, text, message_id=None):
    return post_turn(ctx, conversation, Message("customer", text), None, {"name": "Kim"}, message_id).decision


def handoff(ctx, handoff_id):
    return lifecycle.get(ctx, handoff_id)


def test_an_unclaimed_handoff_climbs_the_ladder_priority_then_overflow_queue(service):
    decision = turn(service, "c-1", "I was charged twice, $150, for one order")
    h = decision["handoff_id"]
    assert handoff(service, h)["queue"] == "billing"
    start = handoff(service, h)
    assert run_due(service, HANDLERS) == 0                       # nothing due yet
    service.clock.current = datetime.fromisoformat(start["sla_due"].replace("Z", "+00:00"))
    run_due(service, HANDLERS)
    first = handoff(service, h)
    assert first["ladder_step"] == 1 and first["queue"] == "billing"
    assert ["low", "medium", "high", "immediate"].index(first["priority"]) == \
        ["low", "medium", "high", "immediate"].index(start["priority"]) + 1
    service.clock.current = datetime.fromisoformat(first["sla_due"].replace("Z", "+00:00"))
    run_due(service, HANDLERS)
    second = handoff(service, h)
    assert second["ladder_step"] == 2 and second["queue"] == "support"   # billing's overflow queue
    breaches = [e for e in second["events"] if e["kind"] == "handoff.sla_breached"]
    assert [e["data"]["notify"] for e in breaches] == ["supervisors", "supervisors"]


def test_a_claimed_handoff_does_not_climb(service):
    h = turn(service, "c-2", ANGRY)["handoff_id"]
    lifecycle.claim(service, h, ADA)
    service.clock.advance(3600)
    run_due(service, HANDLERS)
    assert handoff(service, h)["ladder_step"] == 0


def test_after_hours_becomes_a_ticket_queued_when_the_team_opens(service):
    service.clock.current = datetime(2026, 11, 7, 22, 0, tzinfo=timezone.utc)     # Saturday night
    decision = turn(service, "c-3", "I was charged twice, $150, for one order")
    h = handoff(service, decision["handoff_id"])
    assert decision["handoff"]["after_hours"] and h["state"] == "ticket" and h["ticket"].startswith("WL-")
    assert decision["ticket"] == h["ticket"]
    told = [m["text"] for m in queries.conversation(service, "c-3")["messages"] if m["role"] == "bot"]
    assert "Monday" in told[0] and told[-1] == f"Your ticket number is {h['ticket']}."
    service.clock.current = datetime(2026, 11, 9, 8, 59, tzinfo=timezone.utc)
    run_due(service, HANDLERS)
    assert handoff(service, h["id"])["state"] == "ticket"
    service.clock.current = datetime(2026, 11, 9, 9, 0, tzinfo=timezone.utc)      # Monday opening
    run_due(service, HANDLERS)
    queued = handoff(service, h["id"])
    assert queued["state"] == "queued" and queued["queued_at"] == "2026-11-09T09:00:00Z"


def test_a_question_nobody_answers_for_two_minutes_gets_one_check_in(service):
    h = turn(service, "c-4", ANGRY)["handoff_id"]
    lifecycle.claim(service, h, ADA)
    turn(service, "c-4", "are you there?")
    service.clock.advance(119)
    run_due(service, HANDLERS)
    assert not _check_ins(service, "c-4")
    service.clock.advance(2)
    run_due(service, HANDLERS)
    service.clock.advance(600)
    run_due(service, HANDLERS)
    assert len(_check_ins(service, "c-4")) == 1
    # answered in time: no check-in
    turn(service, "c-4", "hello??")
    lifecycle.reply(service, h, ADA, "Still here, checking your account")
    service.clock.advance(300)
    run_due(service, HANDLERS)
    assert len(_check_ins(service, "c-4")) == 1


def _check_ins(ctx, conversation):
    return [m for m in queries.conversation(ctx, conversation)["messages"] if "still on this" in m["text"]]


def wait_policy(tmp_path):
    """The default policy, but a request for a person lets the AI try for 90 seconds first."""
    rule = "  - id: human-request\n    description: the customer asked for a person - escalate, no questions asked\n" \
           "    on: human_request\n    action: escalate\n    priority: medium\n"
    assert rule in default_text()
    path = tmp_path / "wait.yaml"
    path.write_text(default_text().replace(rule, rule + "    timing: wait\n    wait_s: 90\n"))
    return str(path)


def test_ai_first_a_wait_handoff_queues_only_if_still_unresolved(service, tmp_path):
    service.policies.path = wait_policy(tmp_path)
    service.policies.reload()
    h = turn(service, "c-5", "can I talk to a person about my plan")["handoff_id"]
    assert handoff(service, h)["state"] == "waiting"
    service.clock.advance(91)
    run_due(service, HANDLERS)
    assert handoff(service, h)["state"] == "queued"
    # the same, but the bot solves it meanwhile
    h2 = turn(service, "c-6", "can I talk to a person about my plan")["handoff_id"]
    post_turn(service, "c-6", Message("customer", "oh never mind, that worked, thanks!", feedback="helpful"),
              None, None, None)
    service.clock.advance(91)
    run_due(service, HANDLERS)
    assert handoff(service, h2)["state"] == "expired"


def test_a_killed_workers_claim_runs_again_after_the_lease_and_only_once(service):
    h = turn(service, "c-7", ANGRY)["handoff_id"]
    service.clock.current = datetime.fromisoformat(handoff(service, h)["sla_due"].replace("Z", "+00:00"))
    claimed = sla_timers(claim_due(service, service.clock.now()))     # a worker claims it, then is killed
    assert len(claimed) == 1
    assert claim_due(service, service.clock.now()) == []        # leased: nobody else takes it meanwhile
    service.clock.advance(service.settings.lease_s + 1)
    again = sla_timers(claim_due(service, service.clock.now()))
    assert [r.id for r in again] == [claimed[0].id]
    assert run(service, again[0], HANDLERS, service.clock.now()) == "done"
    assert run(service, claimed[0], HANDLERS, service.clock.now()) == "superseded"   # the old one came back late
    assert handoff(service, h)["ladder_step"] == 1


def sla_timers(rows):
    return [r for r in rows if r.kind == "handoff.sla"]


def test_a_restart_loses_no_handoff_and_no_timer(service):
    h = turn(service, "c-8", ANGRY, "m-1")["handoff_id"]
    due = datetime.fromisoformat(handoff(service, h)["sla_due"].replace("Z", "+00:00"))
    url = service.db.url.render_as_string(hide_password=False)
    service.db.dispose()
    restarted = build(Settings(database_url=url, semantic="off", worker=False), clock=service.clock)
    assert turn(restarted, "c-8", ANGRY, "m-1")["handoff_id"] == h         # the retry after restart: same
    restarted.clock.current = due
    assert run_due(restarted, HANDLERS) == 2             # the SLA step and the check-in for the waiting customer
    assert handoff(restarted, h)["ladder_step"] == 1
    with restarted.db.connect() as conn:
        states = conn.execute(sa.select(timers.c.purpose, timers.c.state)).all()
    assert (f"sla:{h}:0", "done") in states and (f"sla:{h}:1", "pending") in states
    restarted.db.dispose()


def test_estimated_waits_follow_recent_claims_per_priority(service):
    from warmline.service.handoffs import wait_estimates
    for i in range(5):                                   # urgent ones are taken in 30 s
        h = turn(service, f"hi-{i}", ANGRY)["handoff_id"]
        assert lifecycle.get(service, h)["priority"] == "high"
        service.clock.advance(30)
        lifecycle.claim(service, h, ADA)
        lifecycle.close(service, h, ADA, "resolved")
    for i in range(5):                                   # the rest wait ten minutes
        h = turn(service, f"med-{i}", "can I talk to a person about my plan")["handoff_id"]
        assert lifecycle.get(service, h)["priority"] == "medium"
        service.clock.advance(600)
        lifecycle.claim(service, h, ADA)
        lifecycle.close(service, h, ADA, "resolved")
    service.caches.clear()
    estimates = wait_estimates(service, service.clock.now())
    assert (estimates["support:high"].low_s, estimates["support:high"].basis) == (30, "recent claims")
    assert estimates["support:medium"].low_s == 600
    assert 30 < estimates["support"].low_s <= 600
    decided = turn(service, "next", "can I talk to a person about my plan")
    assert decided["handoff"]["estimated_wait_s"] == estimates["support:medium"].typical_s


def test_while_the_ai_tries_first_it_keeps_answering_and_a_new_escalation_queues_at_once(service, tmp_path):
    service.policies.path = wait_policy(tmp_path)
    service.policies.reload()
    first = post_turn(service, "c-w", Message("customer", "can I talk to a person about my plan"),
                      Message("bot", "You can change plans under Settings > Plan.", confidence=0.9), None, None)
    assert first.decision["handoff"]["timing"] == "wait"
    assert first.decision["reply"].startswith("You can change plans under Settings > Plan.")   # the AI's answer
    h = first.decision["handoff_id"]
    second = post_turn(service, "c-w", Message("customer", "which plan has SSO?"),
                       Message("bot", "SSO comes with the Business plan.", confidence=0.95), None, None)
    assert second.decision["action"] != "with_human", second.decision["reasons"]   # the bot still has it
    assert second.decision["reply"] is None or "Business plan" in second.decision["reply"]
    assert handoff(service, h)["state"] == "waiting"
    third = turn(service, "c-w", "This is useless, I want a real person NOW")
    assert third["action"] == "escalate" and third["handoff_id"] == h
    assert handoff(service, h)["state"] == "queued"              # no more waiting
    assert turn(service, "c-w", "hello?")["action"] == "with_human"


def test_when_the_wait_elapses_the_bot_falls_silent(service, tmp_path):
    service.policies.path = wait_policy(tmp_path)
    service.policies.reload()
    h = turn(service, "c-x", "can I talk to a person about my plan")["handoff_id"]
    service.clock.advance(91)
    run_due(service, HANDLERS)
    assert handoff(service, h)["state"] == "queued"
    assert turn(service, "c-x", "still there?")["action"] == "with_human"
