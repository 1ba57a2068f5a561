"""The demo's customer chat page (only with `serve --demo`): the customer writes, the FAQ bot drafts, Warmline
decides, and the customer sees the decision's reply or the draft; agents' replies appear as they come."""
from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from ..core.model import Message
from ..demo.faq import FaqBot
from ..errors import WarmlineError
from ..service import analytics, lifecycle, queries
from ..service.turns import post_turn
from .console import templates

router = APIRouter(prefix="/demo", include_in_schema=False)
_bot = FaqBot()


@router.get("")
def start():
    return RedirectResponse(f"/demo/chat/demo-{secrets.token_hex(3)}", status_code=303)


@router.get("/chat/{conversation_id}")
def chat(request: Request, conversation_id: str):
    return templates.TemplateResponse(request, "chat.html", _view(request, conversation_id))


@router.get("/chat/{conversation_id}/messages")
def messages(request: Request, conversation_id: str):
    return templates.TemplateResponse(request, "chat_messages.html", _view(request, conversation_id))


@router.post("/chat/{conversation_id}/say")
def say(request: Request, conversation_id: str, text: str = Form(...), name: str = Form("")):
    ctx = request.app.state.ctx
    text = text.strip()[:2000]
    if text:
        draft = _bot.answer(text)
        post_turn(ctx, conversation_id, Message("customer", text),
                  Message("bot", draft.text, confidence=draft.confidence, intent=draft.intent,
                          fallback=draft.fallback),
                  {"name": name.strip() or "Demo customer", "plan": "pro"}, secrets.token_hex(8), "demo-chat",
                  "demo bot")
    return templates.TemplateResponse(request, "chat_messages.html", _view(request, conversation_id))


@router.post("/chat/{conversation_id}/rate")
def rate(request: Request, conversation_id: str, score: int = Form(...)):
    ctx = request.app.state.ctx
    view = _view(request, conversation_id)
    try:
        if view["rateable"]:
            lifecycle.rate(ctx, view["rateable"], "customer", csat=score)
        elif view["shown"]:                      # the bot handled it alone: rate the conversation
            analytics.rate_conversation(ctx, conversation_id, score)
    except WarmlineError:
        pass
    return templates.TemplateResponse(request, "chat_messages.html", _view(request, conversation_id))


def _view(request: Request, conversation_id: str) -> dict:
    ctx = request.app.state.ctx
    try:
        conversation = queries.conversation(ctx, conversation_id)
    except WarmlineError:
        return {"cid": conversation_id, "shown": [], "rateable": None, "rated": None, "bot_only": False}
    shown = [m for m in conversation["messages"]
             if m["role"] in ("customer", "agent", "bot") and not (m.get("draft") and not m.get("sent"))]
    closed = [h for h in conversation["handoffs"] if h["state"] in ("resolved", "handed_back")]
    last = closed[-1] if closed else None
    bot_only = not conversation["handoffs"] and any(m["role"] == "customer" for m in shown)
    return {"cid": conversation_id, "shown": shown, "rateable": last["id"] if last and last["csat"] is None else None,
            "rated": last["csat"] if last else conversation["csat"],
            "bot_only": bot_only and conversation["csat"] is None}

