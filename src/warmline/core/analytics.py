"""Escalation analytics, computed from plain rows (the service reads them from the database; a test computes
the same from transcripts on its own): is escalation healthy?

A conversation row: {id, customer_id, created_at, last_at, escalated, triggers (every trigger that fired),
escalation_triggers, segment, issue, csat}. A handoff row: {id, conversation_id, created_at, claimed_at, state,
queue, triggers, appropriate, csat}. Times are aware datetimes.
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any, Mapping, Sequence

from .waits import percentile

FRUSTRATION = ("frustration", "negative_sentiment")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def summarise(conversations: Sequence[Mapping[str, Any]], handoffs: Sequence[Mapping[str, Any]],
              targets: Any) -> dict[str, Any]:
    total = len(conversations)
    escalated = [c for c in conversations if c["escalated"]]
    rate = len(escalated) / total if total else None
    low, high = targets.escalation_rate
    flag = None if rate is None else ("over" if rate > high else "under" if rate < low else "within")
    claimed = [(h["claimed_at"] - h["created_at"]).total_seconds() for h in handoffs if h["claimed_at"]]
    closed = [h for h in handoffs if h["state"] in ("resolved", "handed_back", "expired")]
    judged = [h for h in handoffs if h["appropriate"] is not None]
    deflected = [c for c in conversations if not c["escalated"]]
    recontacted = _recontacts(conversations, deflected, targets.recontact_window_s)
    frustrated = [c for c in conversations if set(c["triggers"]) & set(FRUSTRATION)]
    return {
        "conversations": total,
        "escalated": len(escalated),
        "escalation_rate": _round(rate),
        "target_band": [low, high],
        "escalation_flag": flag,
        "by_day": _by_day(conversations),
        "by_trigger": dict(Counter(t for h in handoffs for t in h["triggers"]).most_common()),
        "by_queue": dict(Counter(h["queue"] for h in handoffs).most_common()),
        "by_segment": dict(Counter(c["segment"] or "standard" for c in escalated).most_common()),
        "by_hour_of_week": _hour_of_week(handoffs),
        "appropriate_rate": _round(sum(1 for h in judged if h["appropriate"]) / len(judged) if judged else None),
        "judged": len(judged),
        "resolution_rate": _round(sum(1 for h in closed if h["state"] == "resolved") / len(closed) if closed else None),
        "time_to_human_s": {"p50": _round(percentile(claimed, 0.5)) if claimed else None,
                            "p90": _round(percentile(claimed, 0.9)) if claimed else None,
                            "target_p50": targets.time_to_human_s, "claimed": len(claimed)},
        "csat_after_escalation": _mean([h["csat"] for h in handoffs if h["csat"] is not None]),
        "csat_bot_only": _mean([c["csat"] for c in deflected if c["csat"] is not None]),
        "deflection_rate": _round(len(deflected) / total if total else None),
        "resolved_within_window_rate": _round((len(deflected) - len(recontacted)) / len(deflected)
                                              if deflected else None),
        "recontacts": sorted(recontacted),
        "bot_trap_index": _round(sum(1 for c in frustrated if not c["escalated"]) / len(frustrated)
                                 if frustrated else None),
        "frustrated_conversations": len(frustrated),
    }


def _recontacts(conversations, deflected, window_s: int) -> set[str]:
    """Deflected conversations whose customer came back about the same issue within the window."""
    by_customer: dict[str, list] = {}
    for c in conversations:
        if c["customer_id"]:
            by_customer.setdefault(c["customer_id"], []).append(c)
    out = set()
    for c in deflected:
        for later in by_customer.get(c["customer_id"], ()):
            if (later["id"] != c["id"] and later["issue"] == c["issue"] and c["last_at"] <= later["created_at"]
                    <= c["last_at"] + timedelta(seconds=window_s)):
                out.add(c["id"])
    return out


def _by_day(conversations) -> list[dict[str, Any]]:
    days: dict[str, list[int]] = {}
    for c in conversations:
        day = c["created_at"].date().isoformat()
        bucket = days.setdefault(day, [0, 0])
        bucket[0] += 1
        bucket[1] += bool(c["escalated"])
    return [{"day": d, "conversations": n, "escalated": e, "rate": _round(e / n)} for d, (n, e) in sorted(days.items())]


def _hour_of_week(handoffs) -> dict[str, int]:
    counts = Counter(f"{WEEKDAYS[h['created_at'].weekday()]} {h['created_at'].hour:02d}:00" for h in handoffs)
    return dict(sorted(counts.items(), key=lambda kv: (WEEKDAYS.index(kv[0][:3]), kv[0][4:])))


def could_the_ai_have_handled_it(handoffs, conversations_by_id) -> list[dict[str, Any]]:
    """Candidates for the weekly review: escalations an agent judged unnecessary, and those that a person
    resolved within five minutes with nothing but a low-confidence or "did not understand" signal behind them."""
    soft = {"medium_confidence", "low_confidence", "check_confidence", "fallback", "long_conversation"}
    out = []
    for h in handoffs:
        quick = (h["state"] == "resolved" and h["claimed_at"] and h.get("closed_at")
                 and (h["closed_at"] - h["claimed_at"]).total_seconds() <= 300 and set(h["triggers"]) <= soft)
        if h["appropriate"] is False or quick:
            out.append({"handoff": h["id"], "conversation": h["conversation_id"], "triggers": list(h["triggers"]),
                        "why": "an agent said the bot could have handled it" if h["appropriate"] is False
                        else "resolved within 5 minutes on a soft signal",
                        "note": h.get("feedback_note")})
    return out


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
