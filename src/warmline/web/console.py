"""The agent console: server-rendered pages (Jinja2), live through htmx over Server-Sent Events, no build step.
Sign-in is with the agent's key, kept in an HttpOnly, SameSite=Strict cookie (so no other site can make the
browser post a form here); every action goes through the same service functions as the API."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sse_starlette import EventSourceResponse

from ..core.briefing import to_html
from ..errors import WarmlineError
from .. import reports
from ..service import access, analytics, briefings, events, lifecycle, queries
from ..service.access import Principal
from ..service.handoffs import wait_estimates
from ..store.tables import OPEN_HANDOFF_STATES
from . import sse

router = APIRouter(prefix="/console", include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
COOKIE = "warmline_key"


class SignIn(Exception):
    """No valid session: go to the sign-in page."""


def _who(request: Request) -> Principal:
    key = request.cookies.get(COOKIE)
    if not key:
        raise SignIn()
    try:
        who = access.authenticate(request.app.state.ctx, f"Bearer {key}")
    except WarmlineError:
        raise SignIn() from None
    if who.role not in access.STAFF:
        raise SignIn()
    return who


def _page(request: Request, name: str, who: Principal | None, status: int = 200, **context) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"who": who, "flash": request.query_params.get("flash"),
                                                      **context}, status_code=status)


@router.get("/login")
def login_page(request: Request):
    return _page(request, "login.html", None)


@router.post("/login")
def login(request: Request, key: str = Form(...)):
    try:
        who = access.authenticate(request.app.state.ctx, f"Bearer {key.strip()}")
    except WarmlineError:
        who = None
    if who is None or who.role not in access.STAFF:
        return _page(request, "login.html", None, 401, error="That key is not an agent's key.")
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(COOKIE, key.strip(), httponly=True, samesite="strict", max_age=12 * 3600)
    return response


@router.post("/logout")
def logout():
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("")
def queue_page(request: Request):
    who = _who(request)
    return _page(request, "queue.html", who, rows=_rows(request))


@router.get("/queue")
def queue_fragment(request: Request):
    _who(request)
    return templates.TemplateResponse(request, "queue_rows.html", {"rows": _rows(request)})


def _rows(request: Request) -> list[dict]:
    ctx = request.app.state.ctx
    now = ctx.clock.now()
    rows = queries.list_handoffs(ctx, list(OPEN_HANDOFF_STATES), None, None, None, None, 200, "queue")
    with ctx.db.connect() as conn:
        names = queries.customer_names(conn, [h["conversation_id"] for h in rows])
    for h in rows:
        since = _parse(h["queued_at"] or h["created_at"])
        h["waiting"] = _ago(now, since)
        h["overdue"] = bool(h["sla_due"]) and _parse(h["sla_due"]) < now and h["state"] != "assigned"
        h["customer"] = names.get(h["conversation_id"])
    return rows


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _ago(now: datetime, then: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds < 3600 else f"{seconds // 3600} h {seconds % 3600 // 60} min"


@router.get("/events")
async def live(request: Request):
    """Any change in the event log tells the queue to refresh itself."""
    _who(request)
    ctx = request.app.state.ctx
    with ctx.db.connect() as conn:
        last = events.latest_id(conn)

    async def feed():
        async for batch in sse.batches(request, ctx, last):
            yield {"event": "change", "data": json.dumps({"kinds": [e["kind"] for e in batch]})}
            await asyncio.sleep(sse.POLL_S)   # at most one refresh per poll, however busy the queue
    return EventSourceResponse(feed(), ping=15)


@router.get("/handoffs/{handoff_id}")
def handoff_page(request: Request, handoff_id: str):
    who = _who(request)
    ctx = request.app.state.ctx
    h = lifecycle.get(ctx, handoff_id)
    conversation = queries.conversation(ctx, h["conversation_id"])
    return _page(request, "handoff.html", who, h=h, briefing_html=to_html(briefings.for_handoff(ctx, handoff_id)),
                 decisions=conversation["decisions"], messages=conversation["messages"],
                 queues=list(ctx.policies.engine.policy.queues))


@router.get("/handoffs/{handoff_id}/transcript")
def transcript_fragment(request: Request, handoff_id: str):
    _who(request)
    ctx = request.app.state.ctx
    h = lifecycle.get(ctx, handoff_id)
    messages = queries.conversation(ctx, h["conversation_id"])["messages"]
    return templates.TemplateResponse(request, "transcript.html", {"messages": messages})


@router.post("/handoffs/{handoff_id}/{action}")
def act(request: Request, handoff_id: str, action: str, text: str = Form(""), queue: str = Form(""),
        appropriate: str = Form("")):
    who = _who(request)
    ctx = request.app.state.ctx
    try:
        if action == "claim":
            lifecycle.claim(ctx, handoff_id, who)
        elif action == "reply":
            lifecycle.reply(ctx, handoff_id, who, text.strip())
        elif action == "transfer":
            lifecycle.transfer(ctx, handoff_id, who, queue, None)
        elif action in ("resolve", "handback"):
            lifecycle.close(ctx, handoff_id, who, "resolved" if action == "resolve" else "handed_back")
        elif action == "feedback":
            lifecycle.rate(ctx, handoff_id, who.label, appropriate=appropriate == "yes")
        else:
            return Response(status_code=404)
        flash = {"claim": "Claimed.", "reply": "Sent.", "transfer": "Transferred.", "resolve": "Resolved.",
                 "handback": "Handed back to the bot.", "feedback": "Thanks for the feedback."}[action]
    except WarmlineError as exc:
        flash = exc.message
    return RedirectResponse(f"/console/handoffs/{handoff_id}?flash={flash}", status_code=303)


@router.get("/supervisor")
def supervisor_page(request: Request):
    who = _who(request)
    if who.role not in ("supervisor", "admin"):
        return RedirectResponse("/console?flash=The supervisor view needs a supervisor's key.", status_code=303)
    ctx = request.app.state.ctx
    states = [s for s in OPEN_HANDOFF_STATES]
    open_rows = queries.list_handoffs(ctx, states, None, None, None, None, 500, "queue")
    waits = wait_estimates(ctx, ctx.clock.now())
    queues = []
    for name in ctx.policies.engine.policy.queues:
        counts: dict[str, int] = {}
        for h in open_rows:
            if h["queue"] == name:
                counts[h["state"]] = counts.get(h["state"], 0) + 1
        w = waits.get(name)
        queues.append({"name": name, "counts": counts,
                       "wait": f"{w.low_s // 60}–{max(1, w.high_s // 60)} min ({w.basis})" if w else "—"})
    load: dict[str, int] = {}
    for h in open_rows:
        if h["state"] == "assigned" and h["agent_id"]:
            load[h["agent_id"]] = load.get(h["agent_id"], 0) + 1
    agents = [{**a, "load": load.get(a["id"], 0)} for a in access.list_agents(ctx)]
    return _page(request, "supervisor.html", who, queues=queues, states=states, agents=agents)



@router.get("/analytics")
def analytics_page(request: Request, week: str | None = None):
    who = _who(request)
    if who.role not in ("supervisor", "admin"):
        return RedirectResponse("/console?flash=Analytics need a supervisor's key.", status_code=303)
    ctx = request.app.state.ctx
    week = week or "{}-W{:02d}".format(*ctx.clock.now().isocalendar()[:2])
    try:
        start, end = analytics.period_of_week(week)
    except WarmlineError as exc:
        return RedirectResponse(f"/console/analytics?flash={exc.message}", status_code=303)
    a = analytics.summary(ctx, start, end)
    charts = [reports.bar_chart("Escalation rate by day", {d["day"]: d["rate"] or 0.0 for d in a["by_day"]}),
              reports.bar_chart("Top reasons", a["by_trigger"]), reports.bar_chart("By queue", a["by_queue"]),
              reports.bar_chart("By hour of week (UTC)", a["by_hour_of_week"])]
    return _page(request, "analytics.html", who, a=a, week=week, headline=reports.headline(a), charts=charts)
