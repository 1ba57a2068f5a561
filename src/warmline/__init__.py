"""Warmline: the escalation engine for AI customer-support bots."""
from .core.model import Conversation, Customer, Decision, Handoff, Message, Reason
from .engine import Engine, Session
from .errors import ConfigError, TranscriptError, WarmlineError

__version__ = "0.1.0"
__all__ = ["ConfigError", "Conversation", "Customer", "Decision", "Engine", "Handoff", "Message", "Reason",
           "Session", "TranscriptError", "WarmlineError", "__version__"]
