"""A policy compiled for the core: lexicons in one automaton, rules and routes as CEL programs, calendars and
templates ready. Built once by `warmline.config.load`; immutable afterwards."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .hours import CalendarSpec
from .lexicon import DENIALS, HYPOTHETICALS, PhraseMatcher
from .routing import RouteNode
from .rules import CompiledRule

AUXILIARY_LEXICONS = frozenset(
    {"profanity", "frustration_words", "complaint", "service_context", "dismissal", "negators", "affirmative",
     "not_helpful_phrases", "resolved", "refund_words", "risky_draft", "sentiment_neutral", "fallback_phrases",
     "persistence", "let_down", "signing_off", "known_words", HYPOTHETICALS, DENIALS}
)
TOPIC_TRIGGERS = ("human_request", "sales", "billing", "privacy", "security", "legal", "churn", "crisis",
                  "sensitive", "account_access")
DETECTED_TRIGGERS = (
    "frustration", "negative_sentiment", "low_confidence", "medium_confidence", "check_confidence",
    "fallback_loop", "repeated_question", "not_helpful", "long_conversation", "stalled", "amount_over_threshold",
    "refund_beyond_policy", "risky_draft", "vip", "at_risk",
)
BUILTIN_TRIGGERS = TOPIC_TRIGGERS + DETECTED_TRIGGERS


@dataclass(frozen=True)
class SemanticSpec:
    """Settings of the semantic layer. The scores themselves are computed outside the core (they need the model)
    and enter `decide` as an input, so a decision stays replayable from what was stored."""
    enabled: bool = False
    threshold: float = 0.58
    margin: float = 0.06
    thresholds: Mapping[str, float] = field(default_factory=dict)
    exemplars: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    routine: tuple[str, ...] = ()
    tone_model: str | None = "builtin"   # "builtin", the path of a tone model file, or None (off)
    probes: Mapping[str, float] = field(default_factory=dict)   # trigger -> probe probability that fires it
    probe_model: str = "builtin"   # "builtin", the path of a probe model file, or "exemplars" (fit on them)

    def threshold_for(self, trigger: str) -> float:
        return self.thresholds.get(trigger, self.threshold)


@dataclass(frozen=True)
class QueueSpec:
    name: str
    team: str
    calendar: CalendarSpec
    first_response_s: Mapping[str, int]
    expected_wait_s: int
    alternatives_after_s: int
    alternatives: tuple[str, ...]
    follow_up_s: int
    overflow: str | None = None


@dataclass(frozen=True)
class CompiledPolicy:
    name: str
    version: int
    thresholds: Any            # warmline.config.schema.Thresholds
    segments: Any              # warmline.config.schema.Segments
    precedence: Any            # warmline.config.schema.Precedence
    matcher: PhraseMatcher
    topics: tuple[str, ...]    # lexicons that are triggers (built-in topics and the config's own)
    rules: tuple[CompiledRule, ...]
    routes: RouteNode
    queues: Mapping[str, QueueSpec]
    templates: Mapping[str, Any]
    sentiment: Any             # a VADER SentimentIntensityAnalyzer (its lexicon is read by the loader)
    approved_draft_intents: frozenset[str] = frozenset()
    semantic: SemanticSpec = SemanticSpec()
    draft_matcher: PhraseMatcher | None = None   # only the lexicons read on the bot's draft
    route_variables: frozenset[str] = frozenset()
    flows: Mapping[str, Any] = field(default_factory=dict)   # name -> core.flows.FlowSpec
    analytics: Any = None                                    # warmline.config.schema.Analytics
