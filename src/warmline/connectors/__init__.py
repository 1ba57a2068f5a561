"""Connectors: where handoffs go (a signed webhook, Slack, email, Zendesk, Freshdesk, Chatwoot). One small
protocol; each connector is one module. Deliveries run from the durable outbox (service/outbox.py): a connector
only sends one delivery and says whether a failure is worth retrying."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping, Protocol

import httpx

from ..core.briefing import Briefing


@dataclass(frozen=True)
class Delivery:
    key: str                      # the idempotency key: the same on every attempt (webhook-id, external ids)
    event: str                    # handoff.created, handoff.sla_breached, ...
    at: datetime
    handoff: Mapping[str, Any]
    briefing: Briefing            # already redacted as the destination asks
    team: str
    data: Mapping[str, Any] = field(default_factory=dict)


class Connector(Protocol):
    name: str

    def send(self, delivery: Delivery) -> int | None:
        """Deliver; the peer's status on success. Raise Retryable or Permanent on failure."""


class DeliveryFailed(Exception):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Retryable(DeliveryFailed):
    """Worth trying again: timeouts, connection errors, 5xx, 408, 429 (with its Retry-After)."""

    def __init__(self, message: str, status: int | None = None, after_s: float | None = None):
        super().__init__(message, status)
        self.after_s = after_s


class Permanent(DeliveryFailed):
    """Will fail the same way again (401, 403, 404, 422, ...): dead-lettered at once."""
    permanent = True


def post(client: httpx.Client, url: str, *, json: Any = None, content: bytes | None = None,
         headers: Mapping[str, str] | None = None, auth: Any = None) -> httpx.Response:
    """POST and classify the outcome the same way for every HTTP connector."""
    try:
        response = client.post(url, json=json, content=content, headers=headers, auth=auth)
    except httpx.TimeoutException as exc:
        raise Retryable(f"timed out: {type(exc).__name__}") from None
    except httpx.TransportError as exc:
        raise Retryable(f"cannot connect: {exc}") from None
    status = response.status_code
    if status < 300:
        return response
    body = response.text[:300]
    if status in (408, 429) or status >= 500:
        raise Retryable(f"HTTP {status}: {body}", status, _retry_after(response))
    raise Permanent(f"HTTP {status}: {body}", status)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.replace(".", "", 1).isdigit() else None


PRIORITY_WORDS = {"immediate": "urgent", "high": "high", "medium": "normal", "low": "low"}
