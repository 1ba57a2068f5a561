"""The one entry point of the core: decide one customer turn.

decide(policy, state, ...) -> (Decision, new state). Pure: the same inputs give the same decision, which is what
replay, golden tests and shadow mode rely on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping

from . import hours, replies, routing, rules
from .model import (Customer, Decision, Handoff, Message, Reason, Signal, action_strength, priority_rank,
                    raise_priority)
from .policy import CompiledPolicy
from .signals import Turn, detectors
from .state import ConversationState, TurnMemory, after_customer_turn

MAX_ANALYSED_CHARS = 10_000
_DETECTORS = detectors()


@dataclass(frozen=True, slots=True)
class Outcome:
    action: str
    priority: str
    timing: str
    wait_s: int | None
    say: str | None
    primary: str | None
    reasons: tuple[Reason, ...]


def decide(policy: CompiledPolicy, state: ConversationState, *, conversation_id: str, index: int,
           message: Message, draft: Message | None, customer: Customer, now: datetime,
           queue_waits: Mapping[str, int] | None = None,
           semantic: Mapping[str, tuple[float, str]] | None = None) -> tuple[Decision, ConversationState]:
    trace: dict[str, Any] = {"policy": policy.name, "now": now.isoformat()}
    text = message.text
    if len(text) > MAX_ANALYSED_CHARS:
        trace["truncated"] = f"analysed the first {MAX_ANALYSED_CHARS} of {len(text)} characters"
        text = text[:MAX_ANALYSED_CHARS]
    scan = policy.matcher.scan_memoised(text)
    draft_scan = _scan_draft(policy, draft.text) if draft is not None and draft.text else None
    turn = Turn(index, message, scan, draft, draft_scan, customer, state, now, policy, semantic)
    found: dict[str, Signal] = {}
    measures: dict[str, Any] = {}
    for detect in _DETECTORS:
        detect(turn, found, measures)
    trace["signals"] = {k: _signal_trace(s) for k, s in found.items()}
    trace["measures"] = _measures_trace(measures)

    outcome = _outcome(policy, state, found, measures, customer, trace)
    handoff, queue = None, None
    if outcome.action in ("escalate", "offer_escalation"):
        queue = _route(policy, outcome, found, customer, measures, trace)
    if outcome.action == "escalate":
        handoff = _handoff(policy, outcome, queue, now, queue_waits or {}, trace)
    reply = _reply(policy, outcome, handoff, queue, draft, measures["draft_fallback"], customer, now)
    triggers = tuple(dict.fromkeys([r.trigger for r in outcome.reasons if r.trigger] + list(found)))
    decision = Decision(conversation_id, index, outcome.action, triggers, outcome.reasons, measures["sentiment"],
                        handoff, reply, trace)
    memory = TurnMemory(
        index=index, action=outcome.action, queue=queue, triggers=tuple(found), question=measures.get("question"),
        hands_over=outcome.action == "escalate" and (handoff is None or handoff.timing != "wait"),
        not_helpful=measures["not_helpful_now"], resolved=measures["resolved"],
        fallback=measures["draft_fallback"], amounts=measures["amounts"],
        refund_asked=measures["refund_asked"], long_offer_pending=measures.get("long_offer_pending", False),
        facts=dict(message.facts))
    return decision, after_customer_turn(state, memory)


def _outcome(policy: CompiledPolicy, state: ConversationState, found: Mapping[str, Signal],
             measures: Mapping[str, Any], customer: Customer, trace: dict[str, Any]) -> Outcome:
    trace["rules"] = []
    if state.with_human:
        since = (f"a person has had this conversation since turn {state.handoff_turn}"
                 if state.handoff_turn is not None else "a person has this conversation")
        return Outcome("with_human", "medium", "immediate", None, None, None,
                       (Reason("with-human", "", None, since),))
    candidates = rules.candidates(policy.rules, found)
    needed = set().union(*(r.variables for r in candidates))
    context = rules.lazy_context(_variables(found, measures, customer, state), needed)
    matches = rules.evaluate(candidates, found, context, trace["rules"])
    return _resolve(policy, matches, measures["segment"], trace)


def _scan_draft(policy: CompiledPolicy, text: str):
    return (policy.draft_matcher or policy.matcher).scan_memoised(text[:MAX_ANALYSED_CHARS])


def _variables(found: Mapping[str, Signal], measures: Mapping[str, Any], customer: Customer,
               state: ConversationState) -> dict[str, Any]:
    """How to make each CEL variable; only those a candidate rule reads are made. (`thresholds` never appears:
    it is folded into constants when the policy loads.)"""
    return {
        "triggers": lambda: list(found),
        "signals": lambda: {k: {"score": s.score, "strong": s.strong, "count": s.count} for k, s in found.items()},
        "counts": lambda: {"fallback_strikes": measures["fallback_strikes"], "not_helpful": measures["not_helpful"],
                           "repeats": measures["repeats"], "customer_turns": state.customer_turns + 1},
        "facts": lambda: dict(measures["facts"]),
        "customer": customer.as_dict,
        "segment": lambda: dict(measures["segment"]),
        "confidence": lambda: float(measures.get("confidence", -1.0)),
        "sentiment": lambda: float(measures["sentiment"]),
        "primary": lambda: "",
        "priority": lambda: "",
    }


def _resolve(policy: CompiledPolicy, matches: list[rules.Match], segment: Mapping[str, bool],
             trace: dict[str, Any]) -> Outcome:
    steps: list[str] = []
    trace["precedence"] = steps
    if not matches:
        steps.append("no rule matched: the bot's draft goes out")
        return Outcome("respond", "medium", "immediate", None, None, None, ())
    order = {r.id: i for i, r in enumerate(policy.rules)}
    ranked = sorted(matches, key=lambda m: (-action_strength(m.rule.action), -priority_rank(m.rule.priority),
                                            order[m.rule.id]))
    top = ranked[0].rule
    action = top.action
    winners = [m for m in ranked if m.rule.action == action]
    priority = max((m.rule.priority for m in winners), key=priority_rank)
    steps.append(f"strongest action {action} from {', '.join(m.rule.id for m in winners)}")
    prec = policy.precedence
    if segment.get("vip") and prec.vip_escalates_offers and action == "offer_escalation":
        action = "escalate"
        steps.append("vip: complex issues skip the AI, offer becomes escalate")
    if action == "escalate" and segment.get("vip") and prec.vip_priority_steps:
        raised = raise_priority(priority, prec.vip_priority_steps)
        steps.append(f"vip: priority {priority} -> {raised}")
        priority = raised
    if (action == "escalate" and segment.get("free") and priority in prec.free_softens
            and not any(m.rule.trigger in prec.free_never_softens for m in winners)):
        action = "offer_escalation"
        steps.append(f"free/trial: a {priority}-priority case is offered, not escalated (AI first)")
    timing = "immediate" if any(m.rule.timing == "immediate" for m in winners) else top.timing
    wait_s = min((m.rule.wait_s for m in winners if m.rule.wait_s), default=None) if timing == "wait" else None
    reasons = tuple(m.reason for m in ranked)
    say = top.say if action == top.action else ("handoff" if action == "escalate" else "offer")
    return Outcome(action, priority, timing, wait_s, say, top.trigger, reasons)


def _route(policy: CompiledPolicy, outcome: Outcome, found: Mapping[str, Signal], customer: Customer,
           measures: Mapping[str, Any], trace: dict[str, Any]) -> str:
    """The queue from the routing tree; a "yes" to an offer goes to the team that was offered."""
    segment = measures["segment"]
    context = rules.lazy_context({
        "primary": lambda: outcome.primary or "", "triggers": lambda: list(found), "customer": customer.as_dict,
        "segment": lambda: dict(segment), "priority": lambda: outcome.priority,
    }, policy.route_variables)
    result = routing.route(policy.routes, context)
    trace["route"] = {"queue": result.queue, "path": "/".join(result.path), "checked": list(result.checked),
                      "also_notify": list(result.also_notify)}
    accepted = measures.get("accepted_offer_queue")
    if accepted and outcome.primary == "human_request" and accepted in policy.queues:
        trace["route"].update(queue=accepted, path=f"accepted the offer of the {accepted} queue")
        return accepted
    return result.queue


def _handoff(policy: CompiledPolicy, outcome: Outcome, queue: str, now: datetime, queue_waits: Mapping[str, int],
             trace: dict[str, Any]) -> Handoff:
    spec = policy.queues[queue]
    cal = spec.calendar
    open_now = hours.is_open(cal, now)
    first_response = spec.first_response_s.get(outcome.priority, spec.first_response_s.get("medium", 300))
    sla_due = hours.add_business_time(cal, now, first_response)
    if open_now:
        # the live estimate for this queue and priority, else for the queue, else the policy's
        wait = int(queue_waits.get(f"{queue}:{outcome.priority}", queue_waits.get(queue, spec.expected_wait_s)))
        alternatives = tuple(spec.alternatives) if wait > spec.alternatives_after_s else ()
        handoff = Handoff(queue, outcome.priority, outcome.timing, False, wait, sla_due, None, outcome.wait_s,
                          tuple(trace.get("route", {}).get("also_notify", ())), alternatives)
    else:
        opens = hours.next_open(cal, now)
        handoff = Handoff(queue, outcome.priority, "ticket", True, None, sla_due, opens, None,
                          tuple(trace.get("route", {}).get("also_notify", ())), ())
    trace["hours"] = {"calendar": cal.name, "open": open_now, "first_response_s": first_response,
                      "sla_due": handoff.as_dict()["sla_due"], "next_open": handoff.as_dict()["next_open"]}
    return handoff


def _reply(policy: CompiledPolicy, outcome: Outcome, handoff: Handoff | None, queue: str | None,
           draft: Message | None, draft_fallback: bool, customer: Customer, now: datetime) -> str | None:
    if outcome.action in ("respond", "with_human"):
        return None
    spec = policy.queues.get(queue) if queue else None
    variables: dict[str, Any] = {
        "team": spec.team if spec else "support team", "queue": queue,
        "customer": {**dict.fromkeys(("id", "name", "email", "plan")), **customer.as_dict()},
        "wait": None, "wait_s": None, "next_open": None, "follow_up": None, "alternatives": "",
    }
    draft_text = draft.text if draft is not None and draft.text and not draft_fallback else None
    if outcome.action == "respond_with_check":
        return replies.with_draft(draft_text, replies.render(policy.templates, outcome.say or "check", variables))
    if outcome.action == "offer_escalation":
        return replies.with_draft(draft_text, replies.render(policy.templates, outcome.say or "offer", variables))
    assert handoff is not None and spec is not None
    if handoff.after_hours:
        if handoff.next_open is not None:
            follow_up = handoff.next_open + timedelta(seconds=spec.follow_up_s)
            variables["next_open"] = hours.describe(spec.calendar, handoff.next_open, now)
            variables["follow_up"] = hours.describe(spec.calendar, follow_up, now)
        else:
            variables["next_open"] = variables["follow_up"] = "as soon as someone is available"
        return replies.render(policy.templates, "after_hours", variables)
    variables["wait_s"] = handoff.estimated_wait_s
    variables["wait"] = replies.humanise_wait(handoff.estimated_wait_s)
    if handoff.timing == "wait" and draft_text:
        # the AI tries first: its answer goes out, with the promise of a person if it does not solve it
        promise = (replies.render(policy.templates, "wait", variables) if "wait" in policy.templates
                   else f"If this doesn't solve it, I'll bring in our {variables['team']} shortly.")
        return replies.with_draft(draft_text, promise)
    text = replies.render(policy.templates, outcome.say or "handoff", variables)
    if handoff.alternatives:
        variables["alternatives"] = replies.alternatives_text(handoff.alternatives)
        text = f"{text} {replies.render(policy.templates, 'alternatives', variables)}"
    return text


def _signal_trace(s: Signal) -> dict[str, Any]:
    out: dict[str, Any] = {"score": round(s.score, 3), "count": s.count, "source": s.source, "detail": s.detail}
    if s.strong:
        out["strong"] = True
    if s.evidence is not None:
        out["evidence"] = s.evidence.text
    return out


def _measures_trace(measures: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("sentiment", "sentiment_features", "confidence", "fallback_strikes", "repeats", "not_helpful",
            "segment", "extracted", "semantic")
    return {k: measures[k] for k in keep if k in measures}


def where_it_lands(policy: CompiledPolicy, triggers: list[str], attributes: Mapping[str, Any],
                   strong: bool = False) -> dict[str, Any]:
    """What the rules and the routing tree do with a turn on which these triggers fired (for `warmline routes`)."""
    from ..errors import WarmlineError
    from .policy import BUILTIN_TRIGGERS
    from .signals.segments import segment_of
    known = set(BUILTIN_TRIGGERS) | set(policy.topics)
    unknown = [t for t in triggers if t not in known]
    if unknown:
        raise WarmlineError(f"unknown trigger '{unknown[0]}'; known: {', '.join(sorted(known))}")
    named = {k: v for k, v in attributes.items() if k in ("id", "name", "email", "plan")}
    customer = Customer(**named, tags=tuple(attributes.get("tags", ())),
                        attributes={k: v for k, v in attributes.items() if k not in named and k != "tags"})
    found = {t: Signal(t, strong=strong) for t in triggers}
    segment = segment_of(customer, policy.segments)
    segment["at_risk"] = segment["at_risk"] or "at_risk" in found
    measures = {"fallback_strikes": 0, "not_helpful": 0, "repeats": 0, "facts": {}, "segment": segment,
                "sentiment": 0.0}
    trace: dict[str, Any] = {}
    candidates = rules.candidates(policy.rules, found)
    context = rules.lazy_context(_variables(found, measures, customer, ConversationState()),
                                 set().union(*(r.variables for r in candidates)))
    rule_trace: list[dict[str, Any]] = []
    matches = rules.evaluate(candidates, found, context, rule_trace)
    outcome = _resolve(policy, matches, segment, trace)
    if outcome.action in ("escalate", "offer_escalation"):
        _route(policy, outcome, found, customer, measures, trace)
    return {"action": outcome.action, "priority": outcome.priority, "rules": [m.rule.id for m in matches],
            "precedence": trace["precedence"], "route": trace.get("route")}
