"""The HTTP API end to end, on SQLite and on the real PostgreSQL: what a bot and an agent see."""
from __future__ import annotations

import json

from service_support import ADA, ADMIN, BOT, SAM

ANGRY = "This is useless, I want to talk to a real person now"


def post(client, conversation, text, message_id=None, draft=None, customer=None, headers=BOT):
    body = {"message": {"text": text, **({"id": message_id} if message_id else {})}}
    if draft is not None:
        body["draft"] = draft
    if customer is not None:
        body["customer"] = customer
    return client.post(f"/v1/conversations/{conversation}/turns", json=body, headers=headers)


def test_a_turn_returns_the_decision_and_an_escalation_lands_in_the_queue(client):
    r = post(client, "c-1", "I was charged twice, $150, for one order", "m-1",
             draft={"text": "Refunds take 5 days.", "confidence": 0.5}, customer={"name": "Kim", "plan": "pro"})
    assert r.status_code == 200, r.text
    decision = r.json()
    assert decision["action"] == "escalate" and decision["handoff"]["queue"] == "billing"
    assert decision["reply"] and decision["handoff_id"].startswith("h-")
    queue = client.get("/v1/handoffs", headers=ADA).json()["handoffs"]
    assert [h["id"] for h in queue] == [decision["handoff_id"]]
    assert queue[0]["state"] == "queued" and queue[0]["sla_due"] == decision["handoff"]["sla_due"]
    conversation = client.get("/v1/conversations/c-1", headers=BOT).json()
    assert [m["role"] for m in conversation["messages"]] == ["customer", "bot", "bot"]
    assert conversation["messages"][1]["draft"] is True and conversation["messages"][1]["sent"] is False
    assert conversation["decisions"][0]["trace"]["route"]["queue"] == "billing"   # the stored "why"
    assert conversation["customer"] == {"name": "Kim", "plan": "pro"}


def test_a_retry_with_the_same_message_id_returns_the_same_decision_and_no_second_handoff(client):
    first = post(client, "c-2", ANGRY, "m-1")
    again = post(client, "c-2", ANGRY, "m-1")
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    conversation = client.get("/v1/conversations/c-2", headers=BOT).json()
    assert len(conversation["handoffs"]) == 1
    assert sum(m["role"] == "customer" for m in conversation["messages"]) == 1


def test_once_a_person_has_it_the_bot_stays_silent_and_no_second_handoff_opens(client):
    first = post(client, "c-3", ANGRY, "m-1").json()
    second = post(client, "c-3", "HELLO?? anyone??", "m-2").json()
    assert second["action"] == "with_human" and second["handoff_id"] == first["handoff_id"]
    assert len(client.get("/v1/handoffs", headers=ADA).json()["handoffs"]) == 1


def test_the_agent_loop_claim_reply_resolve_and_the_customer_is_told(client):
    handoff = post(client, "c-4", ANGRY, "m-1").json()["handoff_id"]
    claimed = client.post(f"/v1/handoffs/{handoff}/claim", headers=ADA)
    assert claimed.status_code == 200 and claimed.json()["state"] == "assigned"
    assert claimed.json()["agent_id"] == "ada"
    taken = client.post(f"/v1/handoffs/{handoff}/claim", headers=SAM)
    assert taken.status_code == 409 and "ada" in taken.json()["error"]["message"]
    assert client.post(f"/v1/handoffs/{handoff}/reply", json={"text": "Hi, I'm Ada. Let me look."},
                       headers=ADA).status_code == 200
    resolved = client.post(f"/v1/handoffs/{handoff}/resolve", headers=ADA).json()
    assert resolved["state"] == "resolved" and resolved["closed_at"]
    assert [e["kind"] for e in resolved["events"]] == ["handoff.created", "handoff.claimed", "handoff.replied",
                                                       "handoff.resolved"]
    texts = [m["text"] for m in client.get("/v1/conversations/c-4", headers=BOT).json()["messages"]]
    assert any("Ada from the support team has joined" in t for t in texts)
    assert "Hi, I'm Ada. Let me look." in texts
    # the conversation is the bot's again: a new question is decided afresh, not "with_human"
    assert post(client, "c-4", "thanks! how do I export my invoices?", "m-9").json()["action"] != "with_human"


def test_transfer_handback_choice_csat_and_feedback(client):
    handoff = post(client, "c-5", ANGRY, "m-1").json()["handoff_id"]
    moved = client.post(f"/v1/handoffs/{handoff}/transfer", json={"queue": "billing", "note": "refund"}, headers=ADA)
    assert moved.json()["queue"] == "billing" and moved.json()["state"] == "queued"
    bad = client.post(f"/v1/handoffs/{handoff}/transfer", json={"queue": "biling"}, headers=ADA)
    assert bad.status_code == 422 and "biling" in bad.json()["error"]["message"]
    no_phone = client.post(f"/v1/handoffs/{handoff}/choice", json={"choice": "callback"}, headers=BOT)
    assert no_phone.status_code == 422 and "phone" in no_phone.json()["error"]["message"]
    chose = client.post(f"/v1/handoffs/{handoff}/choice",
                        json={"choice": "callback", "contact": {"phone": "+1 555 0100"}}, headers=BOT).json()
    assert chose["state"] == "ticket" and chose["ticket"].startswith("WL-") and chose["follow_up_at"]
    last = client.get("/v1/conversations/c-5", headers=BOT).json()["messages"][-1]["text"]
    assert chose["ticket"] in last and "callback" in last
    assert client.post(f"/v1/handoffs/{handoff}/csat", json={"score": 6}, headers=BOT).status_code == 422
    assert client.post(f"/v1/handoffs/{handoff}/csat", json={"score": 4}, headers=BOT).json()["csat"] == 4
    rated = client.post(f"/v1/handoffs/{handoff}/feedback", json={"appropriate": True}, headers=ADA).json()
    assert rated["appropriate"] is True
    back = client.post(f"/v1/handoffs/{handoff}/handback", headers=ADA).json()
    assert back["state"] == "handed_back"
    again = client.post(f"/v1/handoffs/{handoff}/handback", headers=ADA)
    assert again.status_code == 409 and "already handed_back" in again.json()["error"]["message"]


def test_no_state_changing_endpoint_is_open_and_roles_are_enforced(client):
    anonymous = client.post("/v1/conversations/c-6/turns", json={"message": {"text": "hi"}})
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthorized"
    wrong = client.post("/v1/conversations/c-6/turns", json={"message": {"text": "hi"}},
                        headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    handoff = post(client, "c-6", ANGRY).json()["handoff_id"]
    forbidden = client.post(f"/v1/handoffs/{handoff}/claim", headers=BOT)
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "forbidden"
    assert post(client, "c-6", "hi", headers=ADA).status_code == 403
    assert client.get("/v1/agents", headers=ADA).status_code == 403
    assert {a["id"] for a in client.get("/v1/agents", headers=SAM).json()["agents"]} == {"ada", "sam"}


def test_admin_creates_and_revokes_keys_and_agents(client):
    made = client.post("/v1/keys", json={"name": "web chat", "role": "bot"}, headers=ADMIN).json()
    key = {"Authorization": f"Bearer {made['key']}"}
    assert post(client, "c-7", "hello", headers=key).status_code == 200
    assert client.delete(f"/v1/keys/{made['id']}", headers=ADMIN).status_code == 204
    assert post(client, "c-7", "hello again", headers=key).status_code == 401
    agent = client.post("/v1/agents", json={"id": "lee", "name": "Lee", "queues": ["billing"]}, headers=ADMIN)
    assert agent.status_code == 201
    lee = {"Authorization": f"Bearer {agent.json()['key']}"}
    online = client.put("/v1/agents/me/presence", json={"status": "online", "capacity": 1}, headers=lee).json()
    assert online["status"] == "online" and online["capacity"] == 1
    first = post(client, "c-8", ANGRY).json()["handoff_id"]
    second = post(client, "c-9", ANGRY).json()["handoff_id"]
    assert client.post(f"/v1/handoffs/{first}/claim", headers=lee).status_code == 200
    full = client.post(f"/v1/handoffs/{second}/claim", headers=lee)
    assert full.status_code == 409 and "capacity" in full.json()["error"]["message"]


def test_bad_input_gets_one_error_shape_with_a_precise_message(client):
    url = "/v1/conversations/c-10/turns"
    malformed = client.post(url, content=b'{"message": {"text": "hi"',
                            headers={**BOT, "content-type": "application/json"})
    assert malformed.status_code == 422
    assert malformed.json()["error"]["code"] == "invalid_request"
    assert "malformed JSON" in malformed.json()["error"]["message"]
    plain = client.post(url, content=b'{"message": {"text": "hi"}}', headers={**BOT, "content-type": "text/plain"})
    assert "Content-Type: application/json" in plain.json()["error"]["message"]
    assert "required" in client.post(url, headers=BOT).json()["error"]["message"]
    typo = client.post(url, json={"message": {"txt": "hi"}}, headers=BOT).json()["error"]
    assert any(p["path"] == "message.txt" and "unknown field" in p["message"] for p in typo["problems"])
    binary = client.post(url, json={"message": {"text": "PK\x03\x04\x00\x00"}}, headers=BOT)
    assert binary.status_code == 422 and "U+0003" in binary.json()["error"]["message"]
    huge = client.post(url, json={"message": {"text": "a " * 15_000}}, headers=BOT)
    assert huge.status_code == 413 and "30000 characters" in huge.json()["error"]["message"]
    assert client.get("/v1/nothing-here", headers=BOT).json()["error"]["code"] == "not_found"
    assert client.get("/v1/handoffs/h-missing", headers=ADA).json()["error"]["code"] == "not_found"
    bad_filter = client.get("/v1/handoffs?state=open", headers=ADA)
    assert bad_filter.status_code == 422 and "'open'" in bad_filter.json()["error"]["message"]
    resume = client.get("/v1/events", headers={**ADA, "Last-Event-ID": "yesterday"})
    assert resume.status_code == 422 and "Last-Event-ID" in resume.json()["error"]["message"]
    # nothing of the refused requests was stored
    assert client.get("/v1/conversations/c-10", headers=BOT).status_code == 404


def test_policy_reload_is_all_or_nothing(client, service, tmp_path):
    from warmline.config.load import default_text
    policy = tmp_path / "policy.yaml"
    policy.write_text(default_text().replace("name: warmline-default", "name: ours", 1))
    service.policies.path = str(policy)
    assert client.post("/v1/admin/reload", headers=ADMIN).json()["policy"].startswith("ours@")
    policy.write_text(default_text().replace("on: human_request", "on: asked_for_humans", 1))
    refused = client.post("/v1/admin/reload", headers=ADMIN)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_config"
    assert any("asked_for_humans" in p["message"] for p in refused.json()["error"]["problems"])
    assert client.get("/healthz").json()["policy"].startswith("ours@")          # the old policy still runs
    assert post(client, "c-11", ANGRY).json()["action"] == "escalate"


def test_metrics_and_openapi(client):
    post(client, "c-12", ANGRY)
    text = client.get("/metrics").text
    assert 'warmline_turns_total{action="escalate"}' in text
    assert 'warmline_open_handoffs{queue="support",state="queued"} 1.0' in text
    spec = client.get("/openapi.json").json()
    assert "/v1/conversations/{conversation_id}/turns" in spec["paths"]
    assert json.dumps(spec)   # serialisable: /docs renders it


def test_bulk_import_stores_history_reports_bad_lines_and_can_be_rerun(client):
    good = json.dumps({"id": "old-1", "customer": {"plan": "pro"}, "messages": [
        {"role": "customer", "text": "where is my invoice?", "at": "2026-10-01T10:00:00Z"},
        {"role": "bot", "text": "Under Billing > Invoices.", "confidence": 0.9},
        {"role": "customer", "text": "I want to speak to a human", "at": "2026-10-01T10:01:00Z"}]})
    bad = '{"id": "old-2", "messages": [{"role": "customer", "txt": "hi"}]}'
    body = "\n".join([good, "{not json", bad, ""]).encode()
    report = client.post("/v1/import", content=body, headers=BOT).json()
    assert report["imported"] == 1 and report["turns"] == 2 and report["escalations"] == 1
    assert [e["line"] for e in report["errors"]] == [2, 3]
    assert "malformed JSON" in report["errors"][0]["message"] and "txt" in report["errors"][1]["message"]
    history = client.get("/v1/conversations/old-1", headers=BOT).json()
    assert [d["action"] for d in history["decisions"]][-1] == "escalate" and history["handoffs"] == []
    assert history["messages"][0]["at"] == "2026-10-01T10:00:00Z"
    again = client.post("/v1/import", content=body, headers=BOT).json()
    assert again["imported"] == 0 and again["existing"] == ["old-1"]
