"""Analytics: the API, the dashboard and the weekly report agree with figures computed here, independently,
from the same conversations read back through the API."""
from __future__ import annotations

import statistics

from service_support import ADA, BOT, SAM

WEEK = "2026-W45"   # the fake clock starts on Monday 2026-11-02 10:00 UTC


def say(client, conversation, text, customer_id):
    r = client.post(f"/v1/conversations/{conversation}/turns", headers=BOT, json={
        "message": {"text": text}, "draft": {"text": "Go to Settings > Data > Export.", "confidence": 0.9},
        "customer": {"id": customer_id, "name": customer_id.title()}})
    assert r.status_code == 200, r.text
    return r.json()


def build_week(client, service):
    clock = service.clock
    escalated = []
    for i, text in enumerate(["This is useless, I want to talk to a real person now",
                              "can I talk to a person please", "I was charged twice, $150, for one order"]):
        escalated.append(say(client, f"esc-{i}", text, f"cust-{i}")["handoff_id"])
        clock.advance(600)
    client.post(f"/v1/handoffs/{escalated[0]}/claim", headers=ADA)
    clock.advance(60)
    client.post(f"/v1/handoffs/{escalated[0]}/resolve", headers=ADA)
    client.post(f"/v1/handoffs/{escalated[0]}/feedback", headers=ADA, json={"appropriate": True})
    client.post(f"/v1/handoffs/{escalated[0]}/csat", headers=BOT, json={"score": 4})
    client.post(f"/v1/handoffs/{escalated[1]}/claim", headers=ADA)
    client.post(f"/v1/handoffs/{escalated[1]}/handback", headers=ADA)
    client.post(f"/v1/handoffs/{escalated[1]}/feedback", headers=ADA,
                json={"appropriate": False, "note": "the FAQ answers this"})
    for i in range(5):
        say(client, f"bot-{i}", "how do I export my data to csv", f"cust-{10 + i}")
        clock.advance(300)
    client.post("/v1/conversations/bot-0/csat", headers=BOT, json={"score": 5})
    client.post("/v1/conversations/bot-1/csat", headers=BOT, json={"score": 3})
    say(client, "sad-1", "sadly the export failed again", "cust-20")       # negative, offered, never escalated
    clock.advance(3600)
    say(client, "back-1", "how do I export my data to csv", "cust-12")     # cust-12 again within 48 hours
    return ["esc-0", "esc-1", "esc-2", "bot-0", "bot-1", "bot-2", "bot-3", "bot-4", "sad-1", "back-1"]


def independent(client, ids):
    convs = [client.get(f"/v1/conversations/{c}", headers=SAM).json() for c in ids]
    escalated = [c for c in convs if any(d["action"] == "escalate" for d in c["decisions"])]
    handoffs = [h for c in convs for h in c["handoffs"]]
    claims = [(_t(h["claimed_at"]) - _t(h["created_at"])).total_seconds() for h in handoffs if h["claimed_at"]]
    judged = [h for h in handoffs if h["appropriate"] is not None]
    frustrated = [c for c in convs if any({"frustration", "negative_sentiment"} & set(d["triggers"])
                                          for d in c["decisions"])]
    return {
        "conversations": len(convs), "escalated": len(escalated),
        "escalation_rate": round(len(escalated) / len(convs), 4),
        "appropriate_rate": round(sum(h["appropriate"] for h in judged) / len(judged), 4),
        "time_to_human_p50": statistics.median(claims),
        "csat_after_escalation": statistics.mean(h["csat"] for h in handoffs if h["csat"]),
        "csat_bot_only": statistics.mean(c["csat"] for c in convs if c["csat"] and not c["handoffs"]),
        "bot_trap_index": round(sum(1 for c in frustrated if not c["handoffs"]) / len(frustrated), 4),
        "by_queue": {q: sum(h["queue"] == q for h in handoffs) for q in {h["queue"] for h in handoffs}},
    }


def _t(value):
    from datetime import datetime
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_dashboard_api_and_report_match_an_independent_count(client, service):
    ids = build_week(client, service)
    expected = independent(client, ids)
    a = client.get(f"/v1/analytics?week={WEEK}", headers=SAM).json()
    assert a["conversations"] == expected["conversations"] == 10
    assert a["escalated"] == expected["escalated"] == 3
    assert a["escalation_rate"] == expected["escalation_rate"] and a["escalation_flag"] == "within"
    assert a["appropriate_rate"] == expected["appropriate_rate"] == 0.5
    assert a["time_to_human_s"]["p50"] == expected["time_to_human_p50"]
    assert a["csat_after_escalation"] == expected["csat_after_escalation"] == 4
    assert a["csat_bot_only"] == expected["csat_bot_only"] == 4
    assert a["bot_trap_index"] == expected["bot_trap_index"]
    assert a["by_queue"] == expected["by_queue"]
    assert a["resolution_rate"] == 0.5                      # one resolved, one handed back, one still open
    assert a["recontacts"] == ["bot-2"]                     # cust-12 came back about the same thing
    assert a["resolved_within_window_rate"] == round(6 / 7, 4)   # 7 without a person, 1 came back
    assert [c["handoff"] for c in a["review_candidates"]] == [client.get("/v1/conversations/esc-1", headers=SAM)
                                                              .json()["handoffs"][0]["id"]]
    from warmline import reports
    from warmline.service import analytics
    start, end = analytics.period_of_week(WEEK)
    md = reports.markdown(analytics.summary(service, start, end), "review")
    assert f"| Escalation rate | {expected['escalation_rate']:.1%} (target 5%–35%: within the band) |" in md
    assert "> the FAQ answers this" in md
    client.cookies.set("warmline_key", "demo-supervisor-key")
    page = client.get(f"/console/analytics?week={WEEK}")
    assert page.status_code == 200 and f"{expected['escalation_rate']:.1%}" in page.text and "<svg" in page.text
    assert client.get(f"/v1/analytics?week={WEEK}", headers=ADA).status_code == 403


def test_bad_weeks_and_flags(client, service):
    assert client.get("/v1/analytics?week=2026-47", headers=SAM).json()["error"]["code"] == "invalid_request"
    for i in range(4):
        say(client, f"h-{i}", "I want to talk to a human", f"c-{i}")
    assert client.get(f"/v1/analytics?week={WEEK}", headers=SAM).json()["escalation_flag"] == "over"
