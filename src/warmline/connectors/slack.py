"""Slack incoming webhook: a Block Kit message a team channel can act on."""
from __future__ import annotations

import httpx

from . import Delivery, post

EMOJI = {"immediate": ":rotating_light:", "high": ":red_circle:", "medium": ":large_orange_circle:",
         "low": ":white_circle:"}


def blocks(delivery: Delivery) -> dict:
    b, h = delivery.briefing, delivery.handoff
    why = "\n".join(f"• {r.get('detail')}" for r in b.why[:4]) or "•"
    title = {"handoff.created": "New handoff", "handoff.sla_breached": "SLA breached"}.get(delivery.event,
                                                                                           delivery.event)
    return {
        "text": f"{title} for the {delivery.team}: {b.intent}",    # the notification and fallback text
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": f"{title}: {h.get('queue')}"[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{EMOJI.get(h.get('priority'), '')} "
                                                                    f"*{b.intent}*\n{b.summary}"[:3000]}},
            {"type": "section", "fields": [
                {"type": "mrkdwn", "text": f"*Priority*\n{h.get('priority')}"},
                {"type": "mrkdwn", "text": f"*SLA due*\n{h.get('sla_due') or '-'}"},
                {"type": "mrkdwn", "text": f"*Customer*\n{b.customer.get('name') or '-'}"},
                {"type": "mrkdwn", "text": f"*Handoff*\n{h.get('id')}"}]},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*Why*\n{why}"[:3000]}},
        ],
    }


class Slack:
    def __init__(self, name: str, url: str, client: httpx.Client):
        self.name, self.url, self.client = name, url, client

    def send(self, delivery: Delivery) -> int:
        return post(self.client, self.url, json=blocks(delivery)).status_code
