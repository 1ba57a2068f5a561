"""A generic webhook: the handoff and its briefing as versioned JSON, signed per the Standard Webhooks
specification (webhook-id, webhook-timestamp, webhook-signature: v1,base64(HMAC-SHA256(secret,
"id.timestamp.body")); several secrets sign at once during a rotation), so a receiver verifies it with any
Standard Webhooks library."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx

from . import Delivery, post

PAYLOAD_VERSION = 1


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret_bytes(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def payload(delivery: Delivery) -> dict:
    return {"version": PAYLOAD_VERSION, "type": delivery.event, "id": delivery.key,
            "timestamp": delivery.at.isoformat().replace("+00:00", "Z"), "handoff": dict(delivery.handoff),
            "briefing": delivery.briefing.as_dict(), "data": dict(delivery.data)}


class Webhook:
    def __init__(self, name: str, url: str, secrets: list[str], client: httpx.Client):
        self.name, self.url, self.secrets, self.client = name, url, secrets, client

    def send(self, delivery: Delivery) -> int:
        body = json.dumps(payload(delivery), ensure_ascii=False, default=str).encode()
        timestamp = int(delivery.at.timestamp())
        headers = {"content-type": "application/json", "webhook-id": delivery.key,
                   "webhook-timestamp": str(timestamp),
                   "webhook-signature": " ".join(sign(s, delivery.key, timestamp, body) for s in self.secrets)}
        return post(self.client, self.url, content=body, headers=headers).status_code
