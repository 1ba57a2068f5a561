"""frustration and negative_sentiment.

VADER's compound score is the base; our own features cover what VADER misses in support chats: a message in
CAPITALS (VADER gives no boost when every word is capitalised), runs of "!!!", profanity (masked forms included),
the words people use about bad service, and sarcasm or giving up ("whatever", "forget it"). The composite score
is what the decision reports as `sentiment`.
"""
from __future__ import annotations

import re
import string

from ..model import Signal, Span
from . import Found, Measures, Turn, evidence_of

_EXCLAMATIONS = re.compile(r"[!?]*![!?]*")
_COMPLAINT = re.compile(r"\b(?:not|no|never|nothing|nobody|why|where|still|again|yet|can'?t|won'?t|don'?t|"
                        r"doesn'?t|didn'?t|isn'?t|aren'?t|wasn'?t)\b", re.IGNORECASE)


def _span(match: re.Match) -> Span:
    return Span(match.start(), match.end(), match.group(0))


def vader_compound(analyzer, text: str) -> float:
    """VADER's compound score; 0 without running it when no word of the message is in its lexicon (VADER's
    score is a sum over lexicon words, so it would be 0 too). Non-ASCII text always runs: emoji carry meaning."""
    if text.isascii():
        lexicon = analyzer.lexicon
        if not any(w.strip(string.punctuation) in lexicon for w in text.lower().split()):
            return 0.0
    return analyzer.polarity_scores(text)["compound"]


def composite(turn: Turn, measures: Measures) -> float:
    text = turn.message.text
    t = turn.policy.thresholds.sentiment
    # the words as typed ("WON'T" is one word, though it is read as "will not")
    words = list({(tok.start, tok.end): tok for tok in turn.scan.text.tokens
                  if any(c.isalpha() for c in tok.norm) and tok.end - tok.start > 1}.values())
    upper = sum(1 for tok in words if tok.upper)
    shouting = upper >= t.caps_min_words and upper / max(1, len(words)) >= t.caps_share
    run = max((len(m.group(0)) - m.group(0).count("?") for m in _EXCLAMATIONS.finditer(text)), default=0)
    vader = vader_compound(turn.policy.sentiment, text[:2000]) if words else 0.0
    scan = turn.scan
    features = {
        "vader": round(vader, 3), "caps_share": round(upper / max(1, len(words)), 2), "shouting": shouting,
        "exclamation_run": run, "profanity": scan.has("profanity"),
        "frustration_words": scan.has("frustration_words"),
        "dismissal": "strong" if scan.has_strong("dismissal") else scan.has("dismissal"),
    }
    score = vader
    score -= 0.3 * shouting + 0.3 * features["profanity"] + 0.25 * features["frustration_words"]
    score -= 0.2 * bool(features["dismissal"]) + (0.2 if run >= t.exclamation_run and vader <= 0 else 0)
    score = max(-1.0, min(1.0, score))
    measures["sentiment_features"] = features
    return round(score, 3)


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    score = composite(turn, measures)
    measures["sentiment"] = score
    f = measures["sentiment_features"]
    t = turn.policy.thresholds.sentiment
    why = []
    aimed = turn.scan.has_strong("profanity")
    if f["profanity"] and (aimed or f["vader"] <= t.markers):  # "f*cking delicious" is not anger
        why.append(("profanity", evidence_of(turn.scan, "profanity")))
    if f["shouting"] and score <= t.markers:
        # shouting a complaint ("WHY IS MY ORDER STILL NOT HERE") or back at the bot after its answer is
        # evidence; shouting for joy in a first message is not
        cue = _COMPLAINT.search(turn.message.text)
        text = turn.message.text
        evidence = _span(cue) if cue else Span(0, len(text), text) if turn.state.customer_turns else None
        why.append((f"{f['caps_share']:.0%} of words in capitals", evidence))
    if f["dismissal"] == "strong":          # "forget it", "whatever." : giving up on us
        why.append(("sarcasm or giving up", evidence_of(turn.scan, "dismissal")))
    elif f["dismissal"] and f["vader"] <= t.markers:   # "seriously?": a marker of tone, like capitals
        why.append(("sarcasm", None))
    strong_words = turn.scan.has_strong("frustration_words")
    if f["frustration_words"] and (score <= t.words or (strong_words and f["vader"] <= 0.3)):
        why.append(("words of frustration", evidence_of(turn.scan, "frustration_words")))
    if f["exclamation_run"] >= t.exclamation_run and score <= t.negative:
        why.append((f"'{'!' * f['exclamation_run']}'", None))
    if score <= t.frustration:
        why.append((f"sentiment {score:.2f} <= {t.frustration}", None))
    # Words are evidence (profanity, words of frustration, giving up); tone alone is not: capitals, "!!!" or a
    # very negative score by itself is as often excitement, sadness or a remark about someone else as anger at
    # us. A single such marker is negative sentiment (an offer), two of them frustration.
    worded = sum(1 for _, span in why if span is not None)
    if worded or len(why) >= 2:
        # the customer's own words as evidence before a shouted sentence
        span = next((s for w, s in why if s is not None and "capitals" not in w),
                    next((s for _, s in why if s is not None), None))
        found["frustration"] = Signal("frustration", score=min(1.0, -score) if score < 0 else 0.5, evidence=span,
                                      detail=f"sentiment {score:.2f}: " + ", ".join(w for w, _ in why))
    elif why or score <= t.negative:
        detail = ", ".join(w for w, _ in why) if why else f"{score:.2f} <= {t.negative}"
        found["negative_sentiment"] = Signal("negative_sentiment", score=max(-score, 0.35),
                                             detail=f"sentiment {score:.2f}: {detail}" if why else
                                             f"sentiment {detail}")
