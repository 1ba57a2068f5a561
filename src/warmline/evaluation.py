"""`warmline eval`: how well the policy detects what it should, on labelled data.

Two kinds of file:
- labelled utterances, JSONL `{"text", "category", "strength"}` (category: a trigger family or `none`; strength:
  positive / ambiguous / negative). Each utterance is decided as the first turn of a conversation.
- dialogues with per-turn satisfaction (the User Satisfaction Simulation format: `ROLE \\t text \\t action \\t
  ratings` lines, a blank line between dialogues, `USER \\t OVERALL` closing each). Every user turn is decided in
  its conversation; a turn rated 2 or lower on average is dissatisfied.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from .core.engine import decide
from .core.model import Customer, Decision, Message
from .core.state import ConversationState, after_other_message
from .engine import Engine
from .errors import TranscriptError
from .scorers.provenance import TrainedOn

EVAL_NOW = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)  # a Monday in business hours: no after-hours effects
CATEGORY_TRIGGERS = {
    "human_request": ("human_request",),
    "billing": ("billing", "amount_over_threshold", "refund_beyond_policy"),
    "sales": ("sales",), "privacy": ("privacy",), "security": ("security",), "legal": ("legal",),
    "churn": ("churn",), "crisis": ("crisis",), "sensitive": ("sensitive",), "account_access": ("account_access",),
    "frustration": ("frustration", "negative_sentiment"),
}
NEGATIVE_SIGNALS = ("frustration", "negative_sentiment")


def categories_of(decision: Decision) -> list[str]:
    fired = set(decision.triggers)
    return [c for c, triggers in CATEGORY_TRIGGERS.items() if fired.intersection(triggers)]


# -- utterances ---------------------------------------------------------------------------------------------------
@dataclass
class Example:
    text: str
    category: str
    predicted: list[str]
    action: str
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "category": self.category, "predicted": self.predicted, "action": self.action,
                "explanation": self.explanation}


@dataclass
class UtteranceReport:
    rows: int = 0
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    confusion: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    ambiguous: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    routine: Counter = field(default_factory=Counter)
    routine_by_source: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    misses: list[Example] = field(default_factory=list)
    false_alarms: list[Example] = field(default_factory=list)
    trained_on: TrainedOn | None = None   # the held-out report's: what the trained models learnt from
    held_out: "UtteranceReport | None" = None

    def add(self, row: dict[str, Any], decision: Decision) -> None:
        self.rows += 1
        predicted = categories_of(decision)
        truth, strength = row["category"], row.get("strength", "positive")
        if strength == "ambiguous":
            bucket = self.ambiguous[truth]
            bucket["rows"] += 1
            bucket["detected"] += truth in predicted
            bucket[decision.action] += 1
            return
        example = Example(row["text"], truth, predicted, decision.action, _explain(decision))
        if truth == "none" or strength == "negative":
            self.routine["turns"] += 1
            self.routine[decision.action] += 1
            by_source = self.routine_by_source[str(row.get("source") or "unspecified").split(":")[0]]
            by_source["turns"] += 1
            by_source[decision.action] += 1
            for category in predicted:
                self.counts[category]["fp"] += 1
            if decision.action == "escalate" or predicted:
                self.false_alarms.append(example)
            return
        self.confusion[truth].update(predicted or ["none"])
        for category in CATEGORY_TRIGGERS:
            if category == truth:
                self.counts[category]["tp" if category in predicted else "fn"] += 1
            elif category in predicted:
                self.counts[category]["fp"] += 1
        if truth in CATEGORY_TRIGGERS and truth not in predicted:
            self.misses.append(example)

    def metrics(self) -> dict[str, dict[str, float]]:
        out = {}
        for category in CATEGORY_TRIGGERS:
            c = self.counts[category]
            positives = c["tp"] + c["fn"]
            if not positives and not c["fp"]:
                continue
            precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
            recall = c["tp"] / positives if positives else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            out[category] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                             "positives": positives, "true_positives": c["tp"], "false_positives": c["fp"]}
        return out

    def as_dict(self, examples: int) -> dict[str, Any]:
        routine = self.routine["turns"]
        out = {
            "kind": "utterances", "rows": self.rows, "metrics": self.metrics(),
            "routine": {"turns": routine,
                        "escalated": self.routine["escalate"], "offered": self.routine["offer_escalation"],
                        "false_escalation_rate": round(self.routine["escalate"] / routine, 4) if routine else None,
                        "offer_rate": round(self.routine["offer_escalation"] / routine, 4) if routine else None},
            "routine_by_source": {
                source: {"turns": c["turns"], "escalated": c["escalate"], "offered": c["offer_escalation"],
                         "false_escalation_rate": round(c["escalate"] / c["turns"], 4)}
                for source, c in sorted(self.routine_by_source.items())},
            "confusion": {k: dict(v) for k, v in sorted(self.confusion.items())},
            "ambiguous": {k: dict(v) for k, v in sorted(self.ambiguous.items())},
            "worst_misses": [e.as_dict() for e in _worst(self.misses, examples, miss=True)],
            "worst_false_alarms": [e.as_dict() for e in _worst(self.false_alarms, examples, miss=False)],
        }
        if self.held_out is not None and self.held_out.rows < self.rows:
            held = self.held_out.as_dict(0)
            out["held_out"] = {"trained_on": self.held_out.trained_on.as_dict(), "rows": held["rows"],
                               "metrics": held["metrics"], "routine": held["routine"],
                               "routine_by_source": held["routine_by_source"]}
        return out


_SEVERITY = {"escalate": 3, "offer_escalation": 2, "respond_with_check": 1, "respond": 0, "with_human": 0}


def _worst(examples: list[Example], n: int, miss: bool) -> list[Example]:
    """Misses where nothing at all fired come first; false alarms that escalated come first."""
    if miss:
        key = lambda e: (bool(e.predicted), _SEVERITY[e.action], len(e.text))  # noqa: E731
    else:
        key = lambda e: (-_SEVERITY[e.action], len(e.text))  # noqa: E731
    return sorted(examples, key=key)[:n]


def read_utterances(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise TranscriptError(f"not a JSON object: {exc}", number) from None
            except RecursionError:
                raise TranscriptError("JSON nested too deeply", number) from None
            if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not isinstance(
                    row.get("category"), str):
                raise TranscriptError("each line needs at least text and category strings", number)
            if row.get("strength", "positive") not in ("positive", "ambiguous", "negative"):
                raise TranscriptError(f"strength {row.get('strength')!r} is not positive, ambiguous or negative",
                                      number)
            yield number, row


def evaluate_utterances(engine: Engine, rows: Iterable[dict[str, Any]], plan: str = "pro") -> UtteranceReport:
    """The report on every row; when the trained models in use (tone model, probe model) learnt from some of the
    rows' sources, the report also gives the figures on the rows they never saw (`held_out`: the honest ones)."""
    report = UtteranceReport()
    trained_on = engine.trained_on()
    if trained_on:
        report.held_out = UtteranceReport(trained_on=trained_on)
    customer = Customer(plan=plan)
    for row, scores in _with_scores(engine, rows):
        decision, _ = decide(engine.policy, ConversationState(), conversation_id="eval", index=0,
                             message=Message("customer", row["text"]), draft=None, customer=customer, now=EVAL_NOW,
                             semantic=scores)
        report.add(row, decision)
        if trained_on and not trained_on.covers(row):
            report.held_out.add(row, decision)
    return report


def _with_scores(engine: Engine, rows: Iterable[dict[str, Any]], batch: int = 256):
    """Rows with their semantic scores, embedded a batch at a time (None when the layer is off)."""
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            yield from zip(chunk, engine.semantic_scores([r["text"] for r in chunk]))
            chunk = []
    if chunk:
        yield from zip(chunk, engine.semantic_scores([r["text"] for r in chunk]))


def _explain(decision: Decision) -> str:
    if not decision.reasons:
        fired = ", ".join(decision.triggers) or "nothing fired"
        return f"{fired}; sentiment {decision.sentiment}"
    return "; ".join(f"{r.rule}: {r.evidence or ''} {r.detail}".strip() for r in decision.reasons[:3])


# -- dialogues with satisfaction ------------------------------------------------------------------------------------
@dataclass
class DialogueReport:
    dialogues: int = 0
    turns: Counter = field(default_factory=Counter)     # by satisfaction band
    raised: Counter = field(default_factory=Counter)    # band -> turns with a negative signal or an offer/handoff
    overall: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        def rate(band: str) -> float | None:
            return round(self.raised[band] / self.turns[band], 4) if self.turns[band] else None
        return {
            "kind": "dialogues", "dialogues": self.dialogues,
            "turns": dict(self.turns),
            "raised_rate": {band: rate(band) for band in ("dissatisfied", "neutral", "satisfied")},
            "failed_dialogues": self.overall["failed"],
            "failed_dialogues_offered_or_escalated": self.overall["failed_caught"],
            "good_dialogues": self.overall["good"],
            "good_dialogues_escalated": self.overall["good_escalated"],
        }


def read_dialogues(path: Path) -> Iterator[list[tuple[str, str, float | None]]]:
    """(role, text, mean rating) turns of each dialogue; the OVERALL line's text is 'OVERALL'."""
    dialogue: list[tuple[str, str, float | None]] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if not line.strip():
                if dialogue:
                    yield dialogue
                dialogue = []
                continue
            parts = line.split("\t")
            if len(parts) < 2 or parts[0] not in ("USER", "SYSTEM"):
                raise TranscriptError("expected 'USER|SYSTEM <tab> text <tab> action <tab> ratings'", number)
            ratings = [int(r) for r in parts[3].split(",") if r.strip().isdigit()] if len(parts) > 3 else []
            dialogue.append((parts[0], parts[1], sum(ratings) / len(ratings) if ratings else None))
    if dialogue:
        yield dialogue


def band(rating: float) -> str:
    rounded = round(rating)
    return "dissatisfied" if rounded <= 2 else "neutral" if rounded == 3 else "satisfied"


def evaluate_dialogues(engine: Engine, dialogues: Iterable[list[tuple[str, str, float | None]]],
                       plan: str = "pro") -> DialogueReport:
    report = DialogueReport()
    customer = Customer(plan=plan)
    for dialogue in dialogues:
        report.dialogues += 1
        state, any_offer, any_escalation = ConversationState(), False, False
        turns = [t for t in dialogue if t[1] != "OVERALL"]
        overall = next((r for role, text, r in dialogue if text == "OVERALL"), None)
        user_turns = [i for i, t in enumerate(turns) if t[0] == "USER"]
        scores = dict(zip(user_turns, engine.semantic_scores([turns[i][1] for i in user_turns])))
        for i, (role, text, rating) in enumerate(turns):
            if role == "SYSTEM":
                state = after_other_message(state, Message("bot", text))
                continue
            nxt = turns[i + 1] if i + 1 < len(turns) and turns[i + 1][0] == "SYSTEM" else None
            draft = Message("bot", nxt[1]) if nxt else None
            decision, state = decide(engine.policy, state, conversation_id=f"d{report.dialogues}", index=i,
                                     message=Message("customer", text), draft=draft, customer=customer,
                                     now=EVAL_NOW, semantic=scores[i])
            if decision.action == "escalate":  # keep scoring every turn as if the bot still had the conversation
                state = replace(state, with_human=False)
            raised = decision.action in ("offer_escalation", "escalate") or bool(
                set(decision.triggers) & set(NEGATIVE_SIGNALS))
            any_offer |= decision.action == "offer_escalation"
            any_escalation |= decision.action == "escalate"
            if rating is not None:
                b = band(rating)
                report.turns[b] += 1
                report.raised[b] += raised
        if overall is not None:
            if round(overall) <= 2:
                report.overall["failed"] += 1
                report.overall["failed_caught"] += any_offer or any_escalation
            else:
                report.overall["good"] += 1
                report.overall["good_escalated"] += any_escalation
    return report


def looks_like_dialogues(path: Path) -> bool:
    with path.open(encoding="utf-8", errors="replace") as handle:
        first = next((line for line in handle if line.strip()), "")
    return first.startswith(("USER\t", "SYSTEM\t"))
