"""One error hierarchy. Every error Warmline raises on purpose is a WarmlineError with a stable code."""
from __future__ import annotations

from dataclasses import dataclass


class WarmlineError(Exception):
    code = "warmline_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy file: where (YAML path and line), what, and a hint."""
    path: str
    message: str
    line: int | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.path or '(top level)'}" + (f" (line {self.line})" if self.line else "")
        return f"{where}: {self.message}" + (f" ({self.hint})" if self.hint else "")


class ConfigError(WarmlineError):
    code = "invalid_config"

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''}; "
                         f"the policy is refused whole\n{lines}")

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message,
                          "problems": [{"path": p.path, "line": p.line, "message": p.message, "hint": p.hint}
                                       for p in self.problems]}}


class TranscriptError(WarmlineError):
    code = "invalid_transcript"

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


class InvalidRequest(WarmlineError):
    code = "invalid_request"

    def __init__(self, message: str, problems: list[dict] | None = None):
        super().__init__(message)
        self.problems = problems or []

    def as_dict(self) -> dict:
        body = super().as_dict()
        if self.problems:
            body["error"]["problems"] = self.problems
        return body


class NotFound(WarmlineError):
    code = "not_found"


class Conflict(WarmlineError):
    """The request is valid but the thing is not in a state that allows it (already claimed, resolved...)."""
    code = "conflict"


class Unauthorized(WarmlineError):
    code = "unauthorized"


class Forbidden(WarmlineError):
    code = "forbidden"


class TooLarge(WarmlineError):
    code = "too_large"


HTTP_STATUS = {
    "invalid_request": 422, "invalid_transcript": 422, "invalid_config": 422, "not_found": 404, "conflict": 409,
    "unauthorized": 401, "forbidden": 403, "too_large": 413, "database_unavailable": 503,
}
