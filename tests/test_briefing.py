"""The agent briefing: the right intent, attempts, status, trajectory and facts, in JSON, Markdown and HTML."""
from __future__ import annotations

from service_support import ADA, BOT


def turn(client, text, message_id, draft=None, customer=None):
    body = {"message": {"text": text, "id": message_id}}
    if draft:
        body["draft"] = draft
    if customer:
        body["customer"] = customer
    return client.post("/v1/conversations/b-1/turns", json=body, headers=BOT).json()


def escalated_billing(client):
    turn(client, "Hi, where can I see my invoices?", "m1",
         draft={"text": "You can find them under Billing > Invoices: https://help.example.com/invoices",
                "confidence": 0.9, "intent": "invoices"},
         customer={"name": "Dana Ruiz", "plan": "pro", "account_age_days": 400, "previous_tickets": 2})
    turn(client, "Thanks. And how do I change my billing email?", "m2",
         draft={"text": "Go to Settings > Billing and edit the email.", "confidence": 0.9})
    decided = turn(client, "ok but order 88123 shows two charges of $150 on 2026-11-01, why??", "m3",
                   draft={"text": "Charges can take 3-5 days to settle.", "confidence": 0.7})
    turn(client, "Please tell them it was on my Visa ending 4242", "m4")
    return decided


def test_the_briefing_states_intent_attempts_status_trajectory_and_facts(client):
    decided = escalated_billing(client)
    assert decided["action"] == "escalate"
    b = client.get(f"/v1/handoffs/{decided['handoff_id']}/briefing", headers=ADA).json()
    assert b["intent"] == "Billing dispute: \u201cok but order 88123 shows two charges of $150 on 2026-11-01, why??\u201d"
    assert b["handoff"]["queue"] == "billing" and b["handoff"]["sla_due"]
    assert b["customer"]["name"] == "Dana Ruiz" and b["customer"]["previous_tickets"] == 2
    said = [a["said"] for a in b["attempts"]]
    assert said[0].startswith("You can find them under Billing") and b["attempts"][0]["articles"]
    assert said[1] == "Go to Settings > Billing and edit the email."
    assert not any("Charges can take" in s for s in said)    # held back by the escalation: never said
    assert b["stalled_on"].startswith("ok but order 88123 shows two charges")
    assert [s["turn"] for s in b["sentiment"]] == [0, 2, 4, 7]
    assert b["facts"]["order_ids"] == ["88123"] and 150.0 in b["facts"]["amounts"]
    assert "2026-11-01" in b["facts"]["dates"]
    assert b["for_agent"] == ["Please tell them it was on my Visa ending 4242"]
    assert b["summary"] == ("Dana Ruiz wrote: \u201cHi, where can I see my invoices?\u201d The bot answered twice "
                            "before it escalated to billing (amount 150 > 100).")
    assert any(r["trigger"] == "billing" for r in b["why"])


def test_markdown_and_html_renderings(client):
    decided = escalated_billing(client)
    url = f"/v1/handoffs/{decided['handoff_id']}/briefing"
    md = client.get(url + "?format=markdown", headers=ADA)
    assert md.headers["content-type"].startswith("text/markdown")
    assert "**Already tried by the bot** (don't repeat)" in md.text and "order_ids: 88123" in md.text
    page = client.get(url + "?format=html", headers=ADA)
    assert page.headers["content-type"].startswith("text/html") and '<article class="briefing"' in page.text
    assert "<q>" in page.text and "<script" not in page.text
    bad = client.get(url + "?format=pdf", headers=ADA)
    assert bad.status_code == 422 and "json, markdown, html" in bad.json()["error"]["message"]


def test_html_escapes_what_the_customer_wrote(client):
    client.post("/v1/conversations/x-1/turns", headers=BOT,
                json={"message": {"text": "<script>alert(1)</script> I want to talk to a human"}})
    handoff = client.get("/v1/handoffs", headers=ADA).json()["handoffs"][0]["id"]
    page = client.get(f"/v1/handoffs/{handoff}/briefing?format=html", headers=ADA).text
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_a_redacted_briefing_keeps_no_personal_detail_and_the_original_stays(client):
    client.post("/v1/conversations/p-1/turns", headers=BOT, json={
        "message": {"text": "I want a human. Card 4242 4242 4242 4242 was charged, mail me at kim@example.com"},
        "customer": {"name": "Kim", "email": "kim@example.com"}})
    handoff = client.get("/v1/handoffs", headers=ADA).json()["handoffs"][0]["id"]
    url = f"/v1/handoffs/{handoff}/briefing"
    redacted = client.get(url + "?redact=all&format=markdown", headers=ADA).text
    assert "4242 4242" not in redacted and "kim@example.com" not in redacted
    assert "[card ending 4242]" in redacted and "[email]" in redacted
    assert "kim@example.com" in client.get(url, headers=ADA).text       # agents see the stored original
    bad = client.get(url + "?redact=emails", headers=ADA)
    assert bad.status_code == 422 and "'emails'" in bad.json()["error"]["message"]


class Shouty:
    """A stand-in for a plugged-in summariser (an LLM behind an API, in real use)."""

    def summarise(self, briefing):
        if briefing.customer.get("name") == "Broken":
            raise RuntimeError("model service down")
        return briefing.intent.upper()


def test_a_configured_summariser_replaces_the_extractive_one_and_its_failure_does_not(client, service):
    from warmline.bootstrap import load_summariser
    from warmline.settings import SettingsError
    service.summariser = load_summariser("test_briefing:Shouty")
    for name in ("Kim", "Broken"):
        client.post(f"/v1/conversations/s-{name}/turns", headers=BOT, json={
            "message": {"text": "I want to talk to a human"}, "customer": {"name": name}})
    by_name = {}
    for h in client.get("/v1/handoffs", headers=ADA).json()["handoffs"]:
        b = client.get(f"/v1/handoffs/{h['id']}/briefing", headers=ADA).json()
        by_name[b["customer"]["name"]] = b["summary"]
    assert by_name["Kim"] == by_name["Kim"].upper() and by_name["Kim"].startswith("ASKED FOR A PERSON")
    assert by_name["Broken"].startswith("Broken wrote:")
    try:
        load_summariser("nowhere:thing")
    except SettingsError as exc:
        assert "cannot load it" in exc.message
    else:
        raise AssertionError("a bad summariser setting must be refused")


def test_an_email_is_quoted_by_its_lines_and_summed_up_past_its_greeting():
    """The quote around the evidence is the customer's own line; the summary's first sentence reads past a greeting
    on a line of its own."""
    from warmline.core.briefing import build
    from warmline.core.model import Customer, Message
    email = "Hi team,\nI was charged twice for order 5512.\nThanks, Kim"
    reasons = [{"rule": "billing-dispute", "trigger": "billing", "evidence": "charged twice", "detail": ""}]
    b = build("c-1", [Message("customer", email)], [{"turn": 0, "action": "escalate", "triggers": ["billing"],
                                                      "reasons": reasons}],
              Customer(name="Kim"), {"queue": "billing"})
    assert b.intent == "Billing dispute: \u201cI was charged twice for order 5512.\u201d"
    assert b.summary.startswith("Kim wrote: \u201cHi team, I was charged twice for order 5512.\u201d")
