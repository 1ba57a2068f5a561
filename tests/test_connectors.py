"""Connectors against real peers on loopback: a receiver that verifies Standard Webhooks signatures and fails on
purpose (500, timeout, 429) before it succeeds, a real SMTP server (aiosmtpd), helpdesk request shapes; retries,
dead letters, redelivery, a restart in the middle, and redaction of everything that leaves."""
from __future__ import annotations

import base64
import json
import socket
from datetime import datetime, timezone

import httpx
import pytest

from receiver import Receiver
from service_support import FakeClock, database_url, make_context
from warmline.bootstrap import build
from warmline.connectors.config import load_destinations
from warmline.core.model import Message
from warmline.errors import ConfigError
from warmline.service import lifecycle, outbox
from warmline.service.handoffs import handlers
from warmline.service.timers import run_due
from warmline.service.turns import post_turn
from warmline.settings import Settings

SECRET = "whsec_" + base64.b64encode(b"a secret of thirty-two bytes!!!!").decode()
CARD_AND_MAIL = "I want a human now. My card 4242 4242 4242 4242 was charged twice, email kim@example.com"


@pytest.fixture
def ctx(tmp_path):
    url = database_url("sqlite", tmp_path)
    context = make_context(url, FakeClock(datetime.now(timezone.utc)))
    yield context
    context.db.dispose()


def destinations(ctx, tmp_path, text: str):
    path = tmp_path / "destinations.yaml"
    path.write_text(text)
    ctx.destinations = load_destinations(str(path), set(ctx.policies.engine.policy.queues),
                                         client=httpx.Client(timeout=1.0))


def escalate(ctx, conversation="c-1", text=CARD_AND_MAIL):
    decision = post_turn(ctx, conversation, Message("customer", text), None,
                         {"name": "Kim", "email": "kim@example.com"}, None).decision
    assert decision["action"] == "escalate"
    return decision["handoff_id"]


def drain(ctx, rounds=12, step_s=20):
    for _ in range(rounds):
        run_due(ctx, handlers())
        ctx.clock.advance(step_s)


def test_a_failing_receiver_still_gets_every_handoff_once_signed_and_redacted_across_a_restart(ctx, tmp_path):
    peer = Receiver(["500", "timeout", "429", "ok", "500", "ok"], secret=SECRET)
    try:
        config = f"destinations:\n  - {{name: hook, kind: webhook, url: '{peer.url}/hook', secrets: ['{SECRET}']}}\n"
        destinations(ctx, tmp_path, config)
        first = escalate(ctx, "c-1")
        run_due(ctx, handlers())                                   # attempt 1: 500
        # Warmline restarts with the delivery pending
        url = ctx.db.url.render_as_string(hide_password=False)
        ctx.db.dispose()
        ctx = build(Settings(database_url=url, semantic="off", worker=False), clock=ctx.clock)
        destinations(ctx, tmp_path, config)
        drain(ctx)                                                 # timeout, 429, then delivered
        second = escalate(ctx, "c-2")
        drain(ctx)                                                 # 500, then delivered
        assert set(peer.accepted) == {f"hook:{first}:handoff.created", f"hook:{second}:handoff.created"}
        assert peer.duplicates == 0
        payload = peer.accepted[f"hook:{first}:handoff.created"]
        assert payload["version"] == 1 and payload["type"] == "handoff.created"
        assert payload["handoff"]["id"] == first and payload["briefing"]["intent"]
        for request in peer.requests:                              # nothing left unredacted, on any attempt
            assert b"kim@example.com" not in request["body"] and b"4242 4242" not in request["body"]
        assert "[card ending 4242]" in json.dumps(payload["briefing"])
        report = outbox.of_handoff(ctx, first)
        assert [a["outcome"] for a in report["attempts"]] == ["failed", "failed", "failed", "delivered"]
        assert [a["status"] for a in report["attempts"]] == [500, None, 429, 200]
        assert "timed out" in report["attempts"][1]["error"]
        assert report["deliveries"][0]["state"] == "done"
    finally:
        peer.close()


def test_a_permanent_failure_is_dead_at_once_and_redelivered_on_demand(ctx, tmp_path):
    peer = Receiver(["404"], secret=SECRET)
    try:
        destinations(ctx, tmp_path, f"destinations:\n  - {{name: hook, kind: webhook, url: '{peer.url}', "
                                    f"secrets: ['{SECRET}']}}\n")
        handoff = escalate(ctx)
        drain(ctx, rounds=3)
        report = outbox.of_handoff(ctx, handoff)
        assert [a["outcome"] for a in report["attempts"]] == ["dead"] and report["deliveries"][0]["state"] == "dead"
        assert outbox.redeliver(ctx, handoff, "hook") == 1
        drain(ctx, rounds=2)
        assert len(peer.accepted) == 1 and outbox.of_handoff(ctx, handoff)["deliveries"][0]["state"] == "done"
    finally:
        peer.close()


def test_slack_and_helpdesks_get_their_vendors_request_shapes(ctx, tmp_path):
    peer = Receiver()
    try:
        destinations(ctx, tmp_path, f"""
destinations:
  - {{name: slack, kind: slack, url: '{peer.url}/services/T0/B0/x'}}
  - {{name: zendesk, kind: zendesk, base_url: '{peer.url}', email: 'bot@acme.test', token: 'zt', redact: []}}
  - {{name: freshdesk, kind: freshdesk, base_url: '{peer.url}', api_key: 'fk', group_ids: {{billing: 7}}}}
""")
        handoff = escalate(ctx)
        drain(ctx, rounds=2)
        by_path = {r["path"]: r for r in peer.requests}
        slack = json.loads(by_path["/services/T0/B0/x"]["body"])
        # a request for a person about a double charge goes to the billing team
        assert slack["blocks"][0]["type"] == "header" and "billing" in slack["blocks"][0]["text"]["text"]
        zendesk = by_path["/api/v2/tickets.json"]
        ticket = json.loads(zendesk["body"])["ticket"]
        assert ticket["external_id"] == handoff and ticket["comment"]["public"] is False
        priority = lifecycle.get(ctx, handoff)["priority"]
        assert ticket["priority"] == {"low": "low", "medium": "normal", "high": "high", "immediate": "urgent"}[priority]
        assert ticket["requester"]["email"] == "kim@example.com"
        assert zendesk["headers"]["Authorization"] == "Basic " + base64.b64encode(b"bot@acme.test/token:zt").decode()
        fresh = json.loads(by_path["/api/v2/tickets"]["body"])
        assert fresh["group_id"] == 7 and fresh["status"] == 2
        assert fresh["priority"] == {"low": 1, "medium": 2, "high": 3, "immediate": 4}[priority]
        assert "email" not in fresh and fresh["unique_external_id"] == f"warmline-{handoff}"   # redacted: no email
    finally:
        peer.close()


def test_chatwoot_gets_a_private_note_and_the_priority(ctx, tmp_path):
    peer = Receiver()
    try:
        destinations(ctx, tmp_path, f"destinations:\n  - {{name: cw, kind: chatwoot, base_url: '{peer.url}', "
                                    "account_id: 3, token: 'ct', team_ids: {support: 5}, redact: [card]}\n")
        post_turn(ctx, "c-9", Message("customer", "I want a human now, this is useless"), None,
                  {"name": "Kim", "chatwoot_conversation_id": 41}, None)
        drain(ctx, rounds=2)
        paths = [r["path"] for r in peer.requests]
        assert paths == ["/api/v1/accounts/3/conversations/41/toggle_priority",
                         "/api/v1/accounts/3/conversations/41/assignments",
                         "/api/v1/accounts/3/conversations/41/messages"]
        note = json.loads(peer.requests[2]["body"])
        assert note["private"] is True and note["message_type"] == "outgoing" and "**Why it escalated**" in note["content"]
        assert peer.requests[2]["headers"]["api_access_token"] == "ct"
        assert json.loads(peer.requests[1]["body"]) == {"team_id": 5}
    finally:
        peer.close()


def test_email_reaches_a_real_smtp_server(ctx, tmp_path):
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            self.messages.append(envelope)
            return "250 OK"

    inbox = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        destinations(ctx, tmp_path, f"destinations:\n  - {{name: mail, kind: email, host: 127.0.0.1, port: {port}, "
                                    "sender: warmline@acme.test, to: [billing@acme.test]}\n")
        escalate(ctx)
        drain(ctx, rounds=2)
        [envelope] = inbox.messages
        assert envelope.rcpt_tos == ["billing@acme.test"]
        raw = envelope.content.decode()
        assert "Subject: [Warmline]" in raw and "text/html" in raw and "kim@example.com" not in raw
    finally:
        controller.stop()


def test_a_bad_destinations_file_is_refused_with_paths(ctx, tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text("destinations:\n  - {name: x, kind: webhok, url: 'http://x'}\n  - {name: y, kind: slack, "
                    "url: 'http://y', queues: [biling]}\n")
    with pytest.raises(ConfigError) as error:
        load_destinations(str(path), {"billing", "support"})
    assert "destinations.0" in str(error.value)
    path.write_text("destinations:\n  - {name: y, kind: slack, url: '${SLACK_URL}'}\n")
    with pytest.raises(ConfigError) as error:
        load_destinations(str(path), {"support"}, env={})
    assert "SLACK_URL is not set" in str(error.value)
