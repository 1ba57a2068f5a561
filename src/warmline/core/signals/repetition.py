"""repeated_question: the customer asks the same thing again. Messages are compared on their content words;
two messages that differ in their numbers (another order id, another quantity) are different questions."""
from __future__ import annotations

from rapidfuzz import fuzz

from ..model import Signal, Span
from ..state import Question
from . import Found, Measures, Turn

STOPWORDS = frozenset(
    "a an the i me my we our you your it its is are was were be been am do does did to of in on for with at by "
    "from and or but so if this that these those there here can could would should will please pls hi hello hey "
    "thanks thank ok okay just again still what why how when where which who again not no yes".split()
)


def question_of(words: list[str]) -> Question | None:
    content = [w for w in words if w not in STOPWORDS]
    if not content:
        return None
    ids = frozenset(w for w in content if any(c.isdigit() for c in w))
    return Question(" ".join(sorted(set(content))), ids)


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    question = question_of(turn.scan.text.words)
    measures["question"] = question
    if question is None or not turn.state.questions:
        measures["repeats"] = 1 if question else 0
        return
    similarity = turn.policy.thresholds.repeat_similarity * 100
    same = [q for q in turn.state.questions
            if (not q.ids or not question.ids or q.ids == question.ids)
            and fuzz.token_sort_ratio(q.key, question.key, score_cutoff=similarity)]
    count = len(same) + 1
    measures["repeats"] = count
    limit = turn.policy.thresholds.repeated_question
    if count >= limit:
        text = turn.message.text
        found["repeated_question"] = Signal("repeated_question", count=count, evidence=Span(0, len(text), text[:160]),
                                            detail=f"asked {count} times (limit {limit})")
