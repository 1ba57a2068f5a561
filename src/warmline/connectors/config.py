"""Destinations, from their own YAML file (WARMLINE_DESTINATIONS): where handoffs are delivered, which events
and queues each takes, and what it must not see (redaction). Secrets come from the environment as ${NAME}, so the
file can be committed. Strict like the policy: unknown keys, kinds, events or queues are errors with their path."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Union

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..core.redact import KINDS
from ..errors import ConfigError, Problem
from . import Connector
from .email import Email
from .helpdesks import Chatwoot, Freshdesk, Zendesk
from .slack import Slack
from .webhook import Webhook

EVENTS = ("handoff.created", "handoff.sla_breached", "handoff.claimed", "handoff.resolved", "handoff.handed_back")
_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$")
    events: list[Literal[EVENTS]] = ["handoff.created"]  # type: ignore[valid-type]
    queues: list[str] = []                               # empty: every queue
    redact: list[Literal[KINDS]] = list(KINDS)           # type: ignore[valid-type]  # [] sends everything
    region: str = "US"                                   # for reading phone numbers without a country code


class WebhookSpec(_Base):
    kind: Literal["webhook"]
    url: str
    secrets: list[str] = Field(min_length=1, description="Standard Webhooks secrets, 'whsec_' + base64")


class SlackSpec(_Base):
    kind: Literal["slack"]
    url: str


class EmailSpec(_Base):
    kind: Literal["email"]
    host: str
    port: int = 25
    sender: str
    to: list[str] = Field(min_length=1)
    username: str | None = None
    password: str | None = None
    starttls: bool = False


class ZendeskSpec(_Base):
    kind: Literal["zendesk"]
    base_url: str
    email: str
    token: str
    group_ids: dict[str, int] = {}


class FreshdeskSpec(_Base):
    kind: Literal["freshdesk"]
    base_url: str
    api_key: str
    group_ids: dict[str, int] = {}


class ChatwootSpec(_Base):
    kind: Literal["chatwoot"]
    base_url: str
    account_id: int
    token: str
    team_ids: dict[str, int] = {}


Spec = Annotated[Union[WebhookSpec, SlackSpec, EmailSpec, ZendeskSpec, FreshdeskSpec, ChatwootSpec],
                 Field(discriminator="kind")]


class DestinationsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    destinations: list[Spec] = []


@dataclass(frozen=True)
class Destination:
    spec: _Base
    connector: Connector

    @property
    def name(self) -> str:
        return self.spec.name

    def wants(self, event: str, queue: str) -> bool:
        return event in self.spec.events and (not self.spec.queues or queue in self.spec.queues)


def load_destinations(path: str | None, queues: set[str], env=os.environ,
                      client: httpx.Client | None = None) -> dict[str, Destination]:
    if not path:
        return {}
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, [Problem("", f"cannot read: {exc.strerror}", hint="check WARMLINE_DESTINATIONS")])
    missing = sorted({m.group(1) for m in _VAR.finditer(text) if m.group(1) not in env})
    if missing:
        raise ConfigError(path, [Problem("", f"environment variable {name} is not set", hint="export it, or "
                                         "write the value in the file") for name in missing])
    try:
        raw = yaml.safe_load(_VAR.sub(lambda m: env[m.group(1)], text)) or {}
        parsed = DestinationsFile.model_validate(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(path, [Problem("", f"invalid YAML: {exc}")]) from None
    except ValidationError as exc:
        raise ConfigError(path, [Problem(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]) \
            from None
    problems = []
    names = set()
    for i, spec in enumerate(parsed.destinations):
        if spec.name in names:
            problems.append(Problem(f"destinations[{i}].name", f"'{spec.name}' is used twice"))
        names.add(spec.name)
        problems += [Problem(f"destinations[{i}].queues", f"unknown queue '{q}'", hint=f"queues: {', '.join(queues)}")
                     for q in spec.queues if q not in queues]
    if problems:
        raise ConfigError(path, problems)
    client = client or httpx.Client(timeout=10.0)
    return {spec.name: Destination(spec, build(spec, client)) for spec in parsed.destinations}


def build(spec: _Base, client: httpx.Client) -> Connector:
    if isinstance(spec, WebhookSpec):
        return Webhook(spec.name, spec.url, spec.secrets, client)
    if isinstance(spec, SlackSpec):
        return Slack(spec.name, spec.url, client)
    if isinstance(spec, EmailSpec):
        return Email(spec.name, spec.host, spec.port, spec.sender, spec.to, spec.username, spec.password,
                     spec.starttls)
    if isinstance(spec, ZendeskSpec):
        return Zendesk(spec.name, spec.base_url, spec.email, spec.token, client, spec.group_ids)
    if isinstance(spec, FreshdeskSpec):
        return Freshdesk(spec.name, spec.base_url, spec.api_key, client, spec.group_ids)
    return Chatwoot(spec.name, spec.base_url, spec.account_id, spec.token, client, spec.team_ids)
