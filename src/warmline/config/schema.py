"""The policy file's shape. Strict: unknown keys are errors, so a typo never silently disables a rule."""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Action = Literal["respond", "respond_with_check", "offer_escalation", "escalate"]
Priority = Literal["low", "medium", "high", "immediate"]
Timing = Literal["immediate", "wait", "ticket"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
SUPPORTED_VERSIONS = (1,)
_INTERVAL = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConfidenceBands(Strict):
    """Draft confidence at or above `respond` goes out as is; below `offer` escalates."""
    respond: float = Field(0.8, ge=0, le=1)
    check: float = Field(0.6, ge=0, le=1)
    offer: float = Field(0.4, ge=0, le=1)

    @model_validator(mode="after")
    def ordered(self) -> "ConfidenceBands":
        if not self.offer <= self.check <= self.respond:
            raise ValueError("bands must satisfy offer <= check <= respond")
        return self


class SentimentThresholds(Strict):
    frustration: float = Field(-0.75, ge=-1, le=0)
    negative: float = Field(-0.35, ge=-1, le=0)
    markers: float = Field(-0.1, ge=-1, le=1)        # profanity, shouting or sarcasm with a score at or below this
    words: float = Field(-0.2, ge=-1, le=1)          # words of frustration with a score at or below this
    caps_share: float = Field(0.6, gt=0, le=1)
    caps_min_words: int = Field(3, ge=1)
    exclamation_run: int = Field(3, ge=2)
    tone_negative: float = Field(0.5, ge=0, le=1)    # the tone model's anger probability that is negative sentiment
    tone_frustration: float = Field(0.8, ge=0, le=1)  # ... that counts as a marker of frustration
    tone_gate: float = Field(0.2, ge=0, le=1)        # a negative score alone needs at least this probability


class Thresholds(Strict):
    confidence: ConfidenceBands = ConfidenceBands()
    fallback_offer_strike: int = Field(2, ge=1)
    fallback_strikes: int = Field(3, ge=1)
    repeated_question: int = Field(3, ge=2)
    repeat_similarity: float = Field(0.8, gt=0, le=1)
    not_helpful: int = Field(2, ge=1)
    long_conversation_turns: int = Field(10, ge=2)
    stalled_s: int = Field(120, ge=1)
    amount: float = Field(100, ge=0)
    refund_window_days: int = Field(90, ge=0)
    failed_payments: int = Field(3, ge=1)
    persistent_churn_turns: int = Field(2, ge=1)
    sentiment: SentimentThresholds = SentimentThresholds()


class Segment(Strict):
    plans: list[str] = []
    tags: list[str] = []


class Segments(Strict):
    vip: Segment = Segment(plans=["enterprise", "vip"], tags=["vip"])
    free: Segment = Segment(plans=["free", "trial"])
    at_risk: Segment = Segment(tags=["at_risk"])


class Near(Strict):
    cues: list[str] = Field(min_length=1)
    targets: list[str] = Field(min_length=1)
    window: int = Field(3, ge=0, le=10)
    strong: bool = False
    either_order: bool = False   # the target may also come first ("help asap" and "asap, help")


class Lexicon(Strict):
    description: str = ""
    phrases: list[str] = []
    strong: list[str] = []
    near: list[Near] = []
    alone: list[str] = []
    except_: list[str] = Field([], alias="except")
    unless: list[str] = []
    not_about: list[str] = []
    negatable: bool = False
    factual: bool = False
    deniable: bool = False
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Rule(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    on: str | None = None
    when: str | None = None
    trigger: str | None = None
    action: Action
    priority: Priority = "medium"
    timing: Timing = "immediate"
    wait_s: int | None = Field(None, ge=1)
    say: str | None = None

    @model_validator(mode="after")
    def has_condition(self) -> "Rule":
        if self.on is None and self.when is None:
            raise ValueError("a rule needs `on` (a trigger) or `when` (a CEL condition), or both")
        if self.on is None and self.trigger is None:
            raise ValueError("a rule with only `when` must name the `trigger` it reports")
        if self.timing == "wait" and self.wait_s is None:
            raise ValueError("timing 'wait' needs wait_s (how long the AI tries before the handoff)")
        return self

    @property
    def reported_trigger(self) -> str:
        return self.trigger or self.on  # type: ignore[return-value]


class Route(Strict):
    name: str
    when: str | None = None
    queue: str | None = None
    continue_: bool = Field(False, alias="continue")
    routes: list["Route"] = []
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Holidays(Strict):
    country: str | None = None
    subdivision: str | None = None
    dates: list[str] = []


class Calendar(Strict):
    timezone: str = "UTC"
    always_open: bool = False
    hours: dict[Weekday, list[str]] = {}
    holidays: Holidays = Holidays()

    @field_validator("hours")
    @classmethod
    def intervals(cls, hours: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, spans in hours.items():
            for span in spans:
                m = _INTERVAL.match(span)
                if not m or (m.group(1), m.group(2)) >= (m.group(3), m.group(4)):
                    raise ValueError(f"{day}: '{span}' is not an interval like '09:00-12:30' (start before end)")
        return hours


class Queue(Strict):
    team: str
    calendar: str = "business"
    first_response_s: dict[Priority, int] = {"immediate": 60, "high": 120, "medium": 300, "low": 900}
    expected_wait_s: int = Field(120, ge=0)
    alternatives_after_s: int = Field(300, ge=0)
    alternatives: list[Literal["callback", "email", "video_call", "scheduled_call", "message"]] = ["callback", "email"]
    follow_up_s: int = Field(7200, ge=0)
    # the escalation ladder: a handoff nobody claims by its SLA is raised one priority step, then moved here
    overflow: str | None = None


class FlowStep(Strict):
    field: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    ask: str = Field(min_length=1)
    kind: Literal["name", "email", "phone", "email_or_phone", "order_number", "text", "choice"] = "text"
    optional: bool = False
    options: dict[str, list[str]] = {}   # choice: value -> words that mean it
    route: dict[str, str] = {}           # choice: value -> queue

    @model_validator(mode="after")
    def choices(self) -> "FlowStep":
        if self.kind == "choice" and not self.options:
            raise ValueError("a choice step needs options (value: [words that mean it])")
        if self.kind != "choice" and (self.options or self.route):
            raise ValueError("options and route belong to choice steps")
        unknown = sorted(set(self.route) - set(self.options))
        if unknown:
            raise ValueError(f"route names option '{unknown[0]}', which is not in options")
        return self


class Flow(Strict):
    """Details to collect before a handoff to these queues reaches a person."""
    queues: list[str] = Field(min_length=1)
    steps: list[FlowStep] = Field(min_length=1)
    max_tries: int = Field(2, ge=1, le=5)


class Precedence(Strict):
    vip_priority_steps: int = Field(1, ge=0, le=3)
    vip_escalates_offers: bool = True
    free_softens: list[Priority] = ["medium"]
    free_never_softens: list[str] = ["human_request"]


class Drafts(Strict):
    """Bot intents whose drafts are pre-approved (a configured retention offer, say): not a risky_draft."""
    approved_intents: list[str] = []


class Analytics(Strict):
    """Targets the dashboard and the weekly report measure against. The seeds give two bands for the share of
    conversations escalated: 5-10 % for a mature bot, 20-35 % early on; below the band customers may be trapped
    with the bot, above it the bot is not doing its part."""
    escalation_rate: tuple[float, float] = (0.05, 0.35)
    time_to_human_s: int = Field(120, gt=0)       # p50 target from escalation to a person claiming it
    recontact_window_s: int = Field(48 * 3600, gt=0)

    @field_validator("escalation_rate")
    @classmethod
    def band(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= value[0] <= value[1] <= 1:
            raise ValueError("escalation_rate is [low, high] with 0 <= low <= high <= 1")
        return value


class Semantic(Strict):
    """Sentence-embedding similarity to exemplars, for phrasings the lexicons miss."""
    enabled: bool = True
    threshold: float = Field(0.58, gt=0, le=1)
    margin: float = Field(0.06, ge=0, le=1)
    thresholds: dict[str, float] = {}
    exemplars: dict[str, list[str]] = {}
    routine: list[str] = []
    tone_model: str = "builtin"   # the anger probability model: builtin, off, or a file from `warmline train-tone`
    # trigger -> probability at which its linear probe fires
    probes: dict[str, Annotated[float, Field(gt=0, lt=1)]] = {}
    # where the probes come from: builtin, exemplars (fitted on the exemplars above at load), or a file from
    # `warmline train-probes`; a trigger the model has no probe for is fitted on its exemplars
    probe_model: str = "builtin"


class Policy(Strict):
    version: int
    name: str = "policy"
    thresholds: Thresholds = Thresholds()
    segments: Segments = Segments()
    lexicons: dict[str, Lexicon]
    rules: list[Rule] = Field(min_length=1)
    precedence: Precedence = Precedence()
    drafts: Drafts = Drafts()
    semantic: Semantic = Semantic()
    analytics: Analytics = Analytics()
    routes: Route
    queues: dict[str, Queue] = Field(min_length=1)
    calendars: dict[str, Calendar] = Field(min_length=1)
    flows: dict[str, Flow] = {}
    messages: dict[str, str]

    @field_validator("version")
    @classmethod
    def supported(cls, version: int) -> int:
        if version not in SUPPORTED_VERSIONS:
            raise ValueError(f"unsupported policy version {version}; this Warmline reads version "
                             f"{', '.join(map(str, SUPPORTED_VERSIONS))}")
        return version
