"""The JSON API under /v1. Handlers are thin: check who is asking, call the service, shape the answer."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from .. import metrics
from ..core.model import PRIORITIES, Message
from ..errors import InvalidRequest, TooLarge
from ..core.briefing import to_html, to_markdown
from ..core.redact import KINDS, redact_briefing
from ..service import access, analytics, briefings, imports, lifecycle, outbox, queries
from ..service.access import Principal
from ..service.context import Context
from ..service.handoffs import wait_estimates
from ..service.turns import post_turn
from ..store.tables import OPEN_HANDOFF_STATES
from ..transcripts import customer_from
from . import schemas

router = APIRouter(prefix="/v1")


def context(request: Request) -> Context:
    return request.app.state.ctx


def principal(request: Request, authorization: Annotated[str | None, Header()] = None) -> Principal:
    return access.authenticate(request.app.state.ctx, authorization)


Ctx = Annotated[Context, Depends(context)]
Who = Annotated[Principal, Depends(principal)]
STAFF = access.STAFF


def checked_text(text: str, where: str, limit: int) -> str:
    if len(text) > limit:
        raise TooLarge(f"{where}: {len(text)} characters is over the limit of {limit} "
                       "(WARMLINE_MAX_MESSAGE_CHARS); split the message or raise the limit")
    control = _CONTROL.search(text)
    if control:
        raise InvalidRequest(f"{where}: control character U+{ord(control.group()):04X} at position "
                             f"{control.start()}: this looks like binary data, not a message")
    return text


# Unicode's control characters (category Cc) but tab, newline and carriage return
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@router.post("/conversations/{conversation_id}/turns", tags=["bot"],
             summary="Post a customer turn with the bot's draft; get the decision")
async def turn(conversation_id: str, body: schemas.TurnIn, request: Request,
               authorization: Annotated[str | None, Header()] = None) -> Response:
    ctx: Context = request.app.state.ctx
    who = access.authenticate(ctx, authorization)
    who.require("bot")
    if not conversation_id or len(conversation_id) > 200:
        raise InvalidRequest("conversation id: 1 to 200 characters")
    limit = ctx.settings.max_message_chars
    msg = body.message
    message = Message("customer", checked_text(msg.text, "message.text", limit), msg.at, feedback=msg.feedback,
                      facts=msg.facts)
    draft = None
    if body.draft is not None:
        d = body.draft
        draft = Message("bot", checked_text(d.text, "draft.text", limit), confidence=d.confidence,
                        fallback=d.fallback, intent=d.intent, facts=d.facts)
    if body.customer is not None:
        customer_from(body.customer, "customer")       # validates; raises a precise error
    args = (ctx, conversation_id, message, draft, body.customer, msg.id, body.channel, who.label)
    if ctx.sqlite and ctx.policies.engine.scorer is None:
        # SQLite writes one transaction at a time anyway, and a turn is ~1 ms of CPU: running it here saves
        # the hop to a worker thread and the GIL hand-offs between threads that would only queue for the lock
        result = post_turn(*args)
    else:
        result = await run_in_threadpool(post_turn, *args)
    headers = {}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    else:
        metrics.TURNS.labels(result.decision["action"]).inc()
    if result.opened:
        handoff = result.decision["handoff"]
        metrics.HANDOFFS.labels(handoff["queue"], handoff["priority"]).inc()
    return Response(json.dumps(result.decision, ensure_ascii=False, default=str), media_type="application/json",
                    headers=headers)


@router.post("/import", tags=["bot"], summary="Import past transcripts (JSONL, one conversation per line): "
                                              "decided and stored as history")
async def import_transcripts(request: Request, ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require("bot")
    body = await request.body()
    return await run_in_threadpool(imports.import_transcripts, ctx, body.splitlines())


@router.get("/conversations/{conversation_id}", tags=["bot", "agent"],
            summary="A conversation with its messages, decisions (with traces) and handoffs")
def get_conversation(conversation_id: str, ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require("bot", *STAFF)
    return queries.conversation(ctx, conversation_id)


@router.get("/handoffs", tags=["agent"], summary="List handoffs; by default the open ones, in the order to take them")
def list_handoffs(ctx: Ctx, who: Who, state: Annotated[list[str] | None, Query()] = None,
                  queue: Annotated[list[str] | None, Query()] = None,
                  priority: Annotated[list[str] | None, Query()] = None, agent: str | None = None,
                  since: datetime | None = None, limit: int = 100, order: str = "queue") -> dict[str, Any]:
    who.require("bot", *STAFF)
    state = state or list(OPEN_HANDOFF_STATES)
    items = queries.list_handoffs(ctx, state, queue, priority, agent, since, limit, order)
    return {"handoffs": items, "count": len(items)}


@router.get("/handoffs/{handoff_id}", tags=["agent"], summary="A handoff with its history")
def get_handoff(handoff_id: str, ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require("bot", *STAFF)
    return lifecycle.get(ctx, handoff_id)


@router.get("/handoffs/{handoff_id}/briefing", tags=["agent"],
            summary="The agent briefing: why, who, intent, what was tried, where it stalled, sentiment, facts")
def briefing(handoff_id: str, ctx: Ctx, who: Who, format: str = "json", redact: str | None = None) -> Response:
    """`redact`: `all` or a comma-separated list of email, phone, card, iban, national_id, ip (the stored
    original is what agents see without it)."""
    who.require(*STAFF)
    made = briefings.for_handoff(ctx, handoff_id)
    if redact:
        kinds = KINDS if redact == "all" else tuple(k.strip() for k in redact.split(","))
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise InvalidRequest(f"redact: unknown kind {unknown[0]!r} (kinds: all, {', '.join(KINDS)})")
        made = redact_briefing(made, kinds)
    if format == "json":
        return Response(json.dumps(made.as_dict(), ensure_ascii=False, default=str), media_type="application/json")
    if format == "markdown":
        return Response(to_markdown(made), media_type="text/markdown; charset=utf-8")
    if format == "html":
        return Response(to_html(made), media_type="text/html; charset=utf-8")
    raise InvalidRequest(f"format {format!r} is not one of json, markdown, html")


@router.get("/handoffs/{handoff_id}/deliveries", tags=["agent"],
            summary="Deliveries of this handoff to its destinations: state, and every attempt")
def deliveries(handoff_id: str, ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require(*STAFF)
    return outbox.of_handoff(ctx, handoff_id)


@router.post("/handoffs/{handoff_id}/redeliver", tags=["supervisor"],
             summary="Deliver again (a dead letter, once the destination is fixed); same idempotency keys")
def redeliver(handoff_id: str, ctx: Ctx, who: Who, destination: str | None = None) -> dict[str, Any]:
    who.require("supervisor")
    return {"scheduled": outbox.redeliver(ctx, handoff_id, destination)}


@router.post("/handoffs/{handoff_id}/claim", tags=["agent"], summary="Take a handoff (exactly one agent gets it)")
def claim(handoff_id: str, ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require(*STAFF)
    return lifecycle.claim(ctx, handoff_id, who)


@router.post("/handoffs/{handoff_id}/reply", tags=["agent"], summary="Write to the customer")
def reply(handoff_id: str, body: schemas.ReplyIn, ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require(*STAFF)
    return lifecycle.reply(ctx, handoff_id, who, checked_text(body.text, "text", ctx.settings.max_message_chars))


@router.post("/handoffs/{handoff_id}/transfer", tags=["agent"], summary="Move to another queue")
def transfer(handoff_id: str, body: schemas.TransferIn, ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require(*STAFF)
    return lifecycle.transfer(ctx, handoff_id, who, body.queue, body.note)


@router.post("/handoffs/{handoff_id}/resolve", tags=["agent"], summary="Close as resolved")
def resolve(handoff_id: str, ctx: Ctx, who: Who, body: schemas.CloseIn | None = None) -> dict[str, Any]:
    who.require(*STAFF)
    return lifecycle.close(ctx, handoff_id, who, "resolved", body.note if body else None)


@router.post("/handoffs/{handoff_id}/handback", tags=["agent"], summary="Give the conversation back to the bot")
def handback(handoff_id: str, ctx: Ctx, who: Who, body: schemas.CloseIn | None = None) -> dict[str, Any]:
    who.require(*STAFF)
    return lifecycle.close(ctx, handoff_id, who, "handed_back", body.note if body else None)


@router.post("/handoffs/{handoff_id}/choice", tags=["bot"],
             summary="Record the customer's choice: wait, or a callback, email, video call, scheduled call, message")
def choice(handoff_id: str, body: schemas.ChoiceIn, ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require("bot", *STAFF)
    return lifecycle.choose(ctx, handoff_id, body.choice, body.contact, who.label)


@router.post("/handoffs/{handoff_id}/csat", tags=["bot"], summary="The customer's satisfaction, 1 to 5")
def csat(handoff_id: str, body: schemas.CsatIn, ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require("bot", *STAFF)
    return lifecycle.rate(ctx, handoff_id, who.label, csat=body.score, note=body.comment)


@router.post("/handoffs/{handoff_id}/feedback", tags=["agent"], summary="Was this escalation appropriate?")
def feedback(handoff_id: str, body: schemas.FeedbackIn, ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require(*STAFF)
    return lifecycle.rate(ctx, handoff_id, who.label, appropriate=body.appropriate, note=body.note)


@router.get("/queues", tags=["agent"], summary="Queues: estimated wait (a range) and what drives it")
def queues(ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require("bot", *STAFF)
    policy = ctx.policies.engine.policy
    waits = wait_estimates(ctx, ctx.clock.now())
    return {"queues": [{"name": name, "team": spec.team, "overflow": spec.overflow,
                        "estimated_wait": waits[name].as_dict() if name in waits else None,
                        "by_priority": {p: waits[f"{name}:{p}"].as_dict() for p in PRIORITIES
                                        if f"{name}:{p}" in waits}}
                       for name, spec in policy.queues.items()]}


@router.get("/analytics", tags=["supervisor"],
            summary="Is escalation healthy? Rates, reasons, time to human, CSAT, deflection, the bot-trap index")
def analytics_summary(ctx: Ctx, who: Who, since: datetime | None = None, until: datetime | None = None,
                      week: str | None = None) -> Response:
    who.require("supervisor")
    if week:
        start, end = analytics.period_of_week(week)
    else:
        end = until or ctx.clock.now()
        start = since or end - timedelta(days=7)
    body = analytics.summary(ctx, _aware(start), _aware(end))
    return Response(json.dumps(body, default=str), media_type="application/json")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@router.post("/conversations/{conversation_id}/csat", tags=["bot"],
             summary="The customer's rating of a conversation the bot handled alone, 1 to 5")
def conversation_csat(conversation_id: str, body: schemas.CsatIn, ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require("bot")
    analytics.rate_conversation(ctx, conversation_id, body.score)
    return {"conversation_id": conversation_id, "csat": body.score}


@router.get("/agents", tags=["supervisor"], summary="Agents, their presence and capacity")
def agents(ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require("supervisor")
    return {"agents": access.list_agents(ctx)}


@router.post("/agents", tags=["admin"], status_code=201, summary="Create an agent account; returns its key once")
def create_agent(body: schemas.AgentIn, ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require("admin")
    agent, key = access.create_agent(ctx, body.id, body.name, body.role, body.queues, body.capacity, ctx.clock.now())
    return {"agent": agent, "key": key}


@router.put("/agents/me/presence", tags=["agent"], summary="Set your presence and capacity")
def presence(body: schemas.PresenceIn, ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require(*STAFF)
    if who.agent_id is None:
        raise InvalidRequest("this key belongs to no agent")
    return access.set_presence(ctx, who.agent_id, body.status, body.capacity, ctx.clock.now())


@router.post("/keys", tags=["admin"], status_code=201, summary="Create an API key; it is shown once")
def create_key(body: schemas.KeyIn, ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require("admin")
    key_id, key = access.create_key(ctx, body.name, body.role, ctx.clock.now(), body.agent_id)
    return {"id": key_id, "key": key, "role": body.role}


@router.delete("/keys/{key_id}", tags=["admin"], status_code=204, summary="Revoke an API key")
def revoke_key(key_id: str, ctx: Ctx, who: Who) -> Response:
    who.require("admin")
    access.revoke_key(ctx, key_id, ctx.clock.now())
    return Response(status_code=204)


@router.post("/admin/reload", tags=["admin"],
             summary="Reload the policy file: all or nothing (a bad file keeps the old policy and says why)")
def reload_policy(ctx: Ctx, who: Who) -> dict[str, Any]:
    who.require("admin")
    return {"policy": ctx.policies.reload()}
