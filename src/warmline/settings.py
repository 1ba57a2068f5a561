"""Service settings, from the environment (WARMLINE_*), kept apart from the policy YAML: the policy says what
to decide; these say where to keep it and how to run."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping

from .errors import WarmlineError


class SettingsError(WarmlineError):
    code = "invalid_settings"


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///warmline.db"
    policy_path: str | None = None            # None: the embedded default policy
    destinations_path: str | None = None      # where handoffs are delivered (connectors); None: nowhere
    summariser: str | None = None             # "module:attribute" of a briefing summariser; None: extractive
    semantic: str = "auto"                    # auto, on, off
    worker: bool = True                       # run the timer worker inside `serve`
    worker_poll_s: float = 0.5
    lease_s: int = 60
    admin_key: str | None = None              # ensured to exist at start (hashed), for first setup
    max_message_chars: int = 20_000
    log_level: str = "info"
    instance: str = field(default_factory=lambda: f"{os.uname().nodename}:{os.getpid()}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        known = {"WARMLINE_DATABASE_URL", "WARMLINE_POLICY", "WARMLINE_DESTINATIONS", "WARMLINE_SUMMARISER", "WARMLINE_SEMANTIC", "WARMLINE_WORKER",
                 "WARMLINE_WORKER_POLL_S", "WARMLINE_LEASE_S", "WARMLINE_ADMIN_KEY", "WARMLINE_MAX_MESSAGE_CHARS",
                 "WARMLINE_LOG_LEVEL"}
        unknown = sorted(k for k in env if k.startswith("WARMLINE_") and k not in known)
        if unknown:
            raise SettingsError(f"unknown setting {unknown[0]} (known: {', '.join(sorted(known))})")
        values: dict = {}
        if "WARMLINE_DATABASE_URL" in env:
            values["database_url"] = env["WARMLINE_DATABASE_URL"]
        if env.get("WARMLINE_POLICY"):
            values["policy_path"] = env["WARMLINE_POLICY"]
        if env.get("WARMLINE_SUMMARISER"):
            values["summariser"] = env["WARMLINE_SUMMARISER"]
        if env.get("WARMLINE_DESTINATIONS"):
            values["destinations_path"] = env["WARMLINE_DESTINATIONS"]
        if "WARMLINE_SEMANTIC" in env:
            values["semantic"] = _choice("WARMLINE_SEMANTIC", env["WARMLINE_SEMANTIC"], ("auto", "on", "off"))
        if "WARMLINE_WORKER" in env:
            values["worker"] = _choice("WARMLINE_WORKER", env["WARMLINE_WORKER"], ("on", "off")) == "on"
        for name, key, kind in (("worker_poll_s", "WARMLINE_WORKER_POLL_S", float),
                                ("lease_s", "WARMLINE_LEASE_S", int),
                                ("max_message_chars", "WARMLINE_MAX_MESSAGE_CHARS", int)):
            if key in env:
                values[name] = _number(key, env[key], kind)
        if env.get("WARMLINE_ADMIN_KEY"):
            if len(env["WARMLINE_ADMIN_KEY"]) < 16:
                raise SettingsError("WARMLINE_ADMIN_KEY must be at least 16 characters")
            values["admin_key"] = env["WARMLINE_ADMIN_KEY"]
        if "WARMLINE_LOG_LEVEL" in env:
            values["log_level"] = _choice("WARMLINE_LOG_LEVEL", env["WARMLINE_LOG_LEVEL"].lower(),
                                          ("debug", "info", "warning", "error"))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _choice(key: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise SettingsError(f"{key}={value!r}: expected one of {', '.join(allowed)}")
    return value


def _number(key: str, value: str, kind):
    try:
        number = kind(value)
    except ValueError:
        raise SettingsError(f"{key}={value!r}: expected a {'whole ' if kind is int else ''}number") from None
    if number <= 0:
        raise SettingsError(f"{key}={value!r}: must be positive")
    return number
