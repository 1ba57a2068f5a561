"""Helpdesk adapters, each following its vendor's public API: the handoff becomes a ticket (Zendesk,
Freshdesk) or an internal note on the customer's existing conversation (Chatwoot), with the briefing as a
private note, the team and the priority. The handoff id travels as the external id, so a retry that reached the
vendor before is recognisable there."""
from __future__ import annotations

import httpx

from ..core.briefing import to_html, to_markdown
from . import PRIORITY_WORDS, Delivery, Permanent, post

FRESHDESK_PRIORITY = {"low": 1, "medium": 2, "high": 3, "immediate": 4}
CHATWOOT_PRIORITY = {"low": "low", "medium": "medium", "high": "high", "immediate": "urgent"}


def _email(customer) -> str | None:
    """The customer's email, unless redaction replaced it."""
    email = customer.get("email")
    return email if isinstance(email, str) and "@" in email else None


class Zendesk:
    """POST /api/v2/tickets.json (API token auth: '{email}/token:{token}')."""

    def __init__(self, name: str, base_url: str, email: str, token: str, client: httpx.Client,
                 group_ids: dict[str, int] | None = None):
        self.name, self.base_url, self.client = name, base_url.rstrip("/"), client
        self.auth, self.group_ids = (f"{email}/token", token), group_ids or {}

    def body(self, delivery: Delivery) -> dict:
        b, h = delivery.briefing, delivery.handoff
        ticket = {"subject": b.intent[:150], "comment": {"body": to_markdown(b), "public": False},
                  "priority": PRIORITY_WORDS.get(h.get("priority"), "normal"), "external_id": h.get("id"),
                  "tags": ["warmline", f"queue_{h.get('queue')}", *[f"trigger_{t}" for t in h.get("triggers", ())]]}
        email = _email(b.customer)
        if email:
            ticket["requester"] = {"name": b.customer.get("name") or email, "email": email}
        if h.get("queue") in self.group_ids:
            ticket["group_id"] = self.group_ids[h["queue"]]
        return {"ticket": ticket}

    def send(self, delivery: Delivery) -> int:
        return post(self.client, f"{self.base_url}/api/v2/tickets.json", json=self.body(delivery),
                    auth=self.auth).status_code


class Freshdesk:
    """POST /api/v2/tickets (API key as the basic-auth user, 'X' as the password)."""

    def __init__(self, name: str, base_url: str, api_key: str, client: httpx.Client,
                 group_ids: dict[str, int] | None = None):
        self.name, self.base_url, self.client = name, base_url.rstrip("/"), client
        self.auth, self.group_ids = (api_key, "X"), group_ids or {}

    def body(self, delivery: Delivery) -> dict:
        b, h = delivery.briefing, delivery.handoff
        ticket = {"subject": b.intent[:150], "description": to_html(b), "status": 2,
                  "priority": FRESHDESK_PRIORITY.get(h.get("priority"), 2), "source": 7,
                  "tags": ["warmline", f"queue_{h.get('queue')}"]}
        email = _email(b.customer)
        if email:
            ticket["email"] = email
        else:   # Freshdesk needs a requester: the handoff id identifies this one
            ticket["unique_external_id"] = f"warmline-{h.get('id')}"
        if b.customer.get("name"):
            ticket["name"] = b.customer["name"]
        if h.get("queue") in self.group_ids:
            ticket["group_id"] = self.group_ids[h["queue"]]
        return ticket

    def send(self, delivery: Delivery) -> int:
        return post(self.client, f"{self.base_url}/api/v2/tickets", json=self.body(delivery),
                    auth=self.auth).status_code


class Chatwoot:
    """The customer's Chatwoot conversation (its id in the customer profile as `chatwoot_conversation_id`) gets
    the briefing as a private note, the priority, and the team mapped from the queue."""

    def __init__(self, name: str, base_url: str, account_id: int, token: str, client: httpx.Client,
                 team_ids: dict[str, int] | None = None):
        self.name, self.client, self.team_ids = name, client, team_ids or {}
        self.base = f"{base_url.rstrip('/')}/api/v1/accounts/{account_id}/conversations"
        self.headers = {"api_access_token": token}

    def send(self, delivery: Delivery) -> int:
        conversation = delivery.briefing.customer.get("chatwoot_conversation_id")
        if conversation is None:
            raise Permanent("the customer profile has no chatwoot_conversation_id")
        h = delivery.handoff
        url = f"{self.base}/{conversation}"
        # priority and team first: setting them again on a retry changes nothing; the note, which would appear
        # twice, goes last, so it is sent again only if it was its own call that failed
        post(self.client, f"{url}/toggle_priority", headers=self.headers,
             json={"priority": CHATWOOT_PRIORITY.get(h.get("priority"), "medium")})
        if h.get("queue") in self.team_ids:
            post(self.client, f"{url}/assignments", headers=self.headers, json={"team_id": self.team_ids[h["queue"]]})
        return post(self.client, f"{url}/messages", headers=self.headers, json={
            "content": to_markdown(delivery.briefing), "message_type": "outgoing", "private": True}).status_code
