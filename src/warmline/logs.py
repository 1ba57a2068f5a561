"""Structured logs: one JSON object per line on stderr, with whatever `extra` fields the caller gave."""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

from .core.redact import redact_value

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"at": datetime.fromtimestamp(record.created, timezone.utc).isoformat().replace("+00:00", "Z"),
               "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        out.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        # logs never carry personal details: a peer's error body or an exception may quote a customer
        return json.dumps(redact_value(out), default=str, ensure_ascii=False)


def configure(level: str = "info") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Alembic narrates every start ("Context impl SQLiteImpl"); what Warmline migrated is logged once by bootstrap
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
