"""Customer segments: vip (plan or tags), free/trial, at_risk (tags, persistent churn, failed payments)."""
from __future__ import annotations

from ..model import Customer, Signal
from . import Found, Measures, Turn


def segment_of(customer: Customer, segments) -> dict[str, bool]:
    plan = (customer.plan or "").lower()
    tags = {t.lower() for t in customer.tags}

    def member(spec) -> bool:
        return plan in {p.lower() for p in spec.plans} or bool(tags & {t.lower() for t in spec.tags})

    return {"vip": member(segments.vip), "free": member(segments.free), "at_risk": member(segments.at_risk)}


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    t = turn.policy.thresholds
    segment = segment_of(turn.customer, turn.policy.segments)
    failed = measures.get("facts", {}).get("failed_payments", turn.customer.attributes.get("failed_payments", 0))
    churn_turns = found["churn"].count if "churn" in found else turn.state.turns_with("churn")
    why = []
    if segment["at_risk"]:
        why.append("tagged at risk")
    if isinstance(failed, (int, float)) and failed >= t.failed_payments:
        why.append(f"{failed:g} failed payments (limit {t.failed_payments})")
    if churn_turns >= t.persistent_churn_turns:
        why.append(f"churn intent in {churn_turns} turns")
    segment["at_risk"] = bool(why)
    measures["segment"] = segment
    if segment["vip"]:
        found["vip"] = Signal("vip", source="customer_profile",
                              detail=f"plan {turn.customer.plan!r}" if turn.customer.plan else "tagged vip")
    if why:
        found["at_risk"] = Signal("at_risk", source="customer_profile", detail="; ".join(why))
