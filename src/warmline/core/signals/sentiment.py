"""frustration and negative_sentiment.

VADER's compound score is the base; our own features cover what VADER misses in support chats: a message in
CAPITALS (VADER gives no boost when every word is capitalised), runs of "!!!", profanity (masked forms included),
the words people use about bad service, a wish to complain, and sarcasm or giving up ("whatever", "forget it").
The composite score is what the decision reports as `sentiment`. With the semantic layer on, the tone model's
anger probability (the semantic input `anger`) decides whether words of frustration are about us.
"""
from __future__ import annotations

import re
import string

from ..model import Signal, Span
from . import Found, Measures, Turn, evidence_of

ANGER = "anger"  # the semantic input with the tone model's probability that the message is angry or annoyed
_POSITIVE = 0.3   # above this VADER score a message is positive: strong words and curses in it are not anger
_EXCLAMATIONS = re.compile(r"[!?]*![!?]*")
_COMPLAINT = re.compile(r"\b(?:not|no|never|nothing|nobody|why|where|still|again|yet|can'?t|won'?t|don'?t|"
                        r"doesn'?t|didn'?t|isn'?t|aren'?t|wasn'?t)\b", re.IGNORECASE)


Evidence = tuple[str, Span | None]   # (what, where in the message)


def _apart(scan, one: str, other: str) -> bool:
    """Hits of both lexicons in different words of the message (one phrase does not count twice)."""
    return any(a.last < b.first or b.last < a.first
               for a in scan.hits.get(one, ()) for b in scan.hits.get(other, ()))


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
    # one word of a complaint in capitals, the rest not: "left it in the rain AGAIN"
    stressed = None if shouting else next((tok for tok in words if tok.upper and len(tok.norm) > 2
                                           and _COMPLAINT.fullmatch(tok.norm)), None)
    run = max((len(m.group(0)) - m.group(0).count("?") for m in _EXCLAMATIONS.finditer(text)), default=0)
    vader = vader_compound(turn.policy.sentiment, text[:2000]) if words else 0.0
    scan = turn.scan
    features = {
        "vader": round(vader, 3), "caps_share": round(upper / max(1, len(words)), 2), "shouting": shouting,
        "exclamation_run": run, "stressed": turn.message.text[stressed.start:stressed.end] if stressed else None,
        "profanity": scan.has("profanity"),
        "frustration_words": scan.has("frustration_words"), "complaint": scan.has("complaint"),
        "dismissal": "strong" if scan.has_strong("dismissal") else scan.has("dismissal"),
    }
    score = vader
    score -= 0.3 * shouting + 0.3 * features["profanity"] + 0.25 * features["frustration_words"]
    score -= 0.2 * bool(features["dismissal"]) + (0.2 if run >= t.exclamation_run and vader <= 0 else 0)
    score = max(-1.0, min(1.0, score))
    measures["sentiment_features"] = features
    return round(score, 3)


def detect(turn: Turn, found: Found, measures: Measures) -> None:
    """Three kinds of evidence. Explicit evidence is frustration whatever the tone. The customer's words need the
    tone model to read some anger (or any other evidence beside them), else they are only negative sentiment:
    "the worst defender in the league" is not about us. Tone markers are frustration two at a time."""
    score = composite(turn, measures)
    measures["sentiment"] = score
    f = measures["sentiment_features"]
    t = turn.policy.thresholds.sentiment
    tone = turn.semantic.get(ANGER) if turn.semantic else None
    angry = tone[0] if tone else None
    if angry is not None:
        f["tone"] = angry
    # Without the model nothing is held back by it; nor when the message is about our product or service, or
    # once the bot has answered: then the negativity is about us, whatever the tone model (trained on
    # emotional text at large) makes of the sentence alone.
    about_us = turn.state.customer_turns > 0 or turn.scan.has("service_context")
    gated = angry is None or angry >= t.tone_gate or about_us
    explicit: list[Evidence] = []   # a wish to complain, an insult aimed at us, strong words, giving up
    words: list[Evidence] = []      # ordinary words of frustration, swearing in a negative message
    markers: list[Evidence] = []    # tone: capitals, "!!!", sarcasm, a very negative score, the tone model
    scan = turn.scan
    if scan.has_strong("profanity") and f["vader"] <= _POSITIVE:   # not "damn it, that was quick, thanks!"
        explicit.append(("profanity", evidence_of(scan, "profanity")))
    elif f["profanity"] and f["vader"] <= t.markers:
        words.append(("profanity", evidence_of(scan, "profanity")))
    elif f["profanity"] and f["vader"] < 0.5:          # "where is my damn parcel"; "f*cking delicious" is not anger
        markers.append(("profanity", evidence_of(scan, "profanity")))
    if f["shouting"] and score <= t.markers:
        # shouting a complaint ("WHY IS MY ORDER STILL NOT HERE") or back at the bot after its answer is
        # explicit; capitals in a first message without a complaint are tone (joy shouts too)
        text, cue = turn.message.text, _COMPLAINT.search(turn.message.text)
        capitals = f"{f['caps_share']:.0%} of words in capitals"
        if cue or turn.state.customer_turns:
            explicit.append((capitals, _span(cue) if cue else Span(0, len(text), text)))
        else:
            markers.append((capitals, None))
    if f["dismissal"] == "strong":                     # "forget it", "whatever.": giving up on us
        explicit.append(("sarcasm or giving up", evidence_of(scan, "dismissal")))
    elif f["dismissal"] and f["vader"] <= t.markers:   # "seriously?"
        markers.append(("sarcasm", None))
    if scan.has_strong("frustration_words") and f["vader"] <= _POSITIVE:
        explicit.append(("words of frustration", evidence_of(scan, "frustration_words")))
    elif f["frustration_words"] and score <= t.words:
        words.append(("words of frustration", evidence_of(scan, "frustration_words")))
    if f["complaint"]:
        explicit.append(("wants to complain", evidence_of(scan, "complaint")))
    if _apart(scan, "persistence", "let_down"):   # "four emails and not a single reply"
        words.append(("a problem that goes on although we were asked", evidence_of(scan, "let_down")))
    if f["stressed"] and scan.has("service_context"):   # about our service: "your app crashed and I lost my
        words.append((f"'{f['stressed']}' in capitals", None))   # basket, AGAIN" (elsewhere it is tone)
    elif f["stressed"] and score <= t.markers:
        markers.append((f"'{f['stressed']}' in capitals", None))
    if f["exclamation_run"] >= t.exclamation_run and score <= t.negative:
        markers.append((f"'{'!' * f['exclamation_run']}'", None))
    if score <= t.frustration and gated:               # sadness and fear score as low as anger
        markers.append((f"sentiment {score:.2f} <= {t.frustration}", None))
    if angry is not None and angry >= t.tone_frustration:
        markers.append((f"angry tone {angry:.2f}", None))
    evidence = explicit + words + markers
    why = ", ".join(w for w, _ in evidence)
    if explicit or len(markers) >= 2 or (words and (gated or len(words) + len(markers) >= 2)):
        spans = [(w, s) for w, s in evidence if s is not None]
        # the customer's own words as evidence before a shouted sentence
        span = next((s for w, s in spans if "capitals" not in w), next((s for _, s in spans), None))
        found["frustration"] = Signal("frustration", score=min(1.0, -score) if score < 0 else 0.5, evidence=span,
                                      detail=f"sentiment {score:.2f}: {why}")
        return
    if evidence:
        detail = f"sentiment {score:.2f}: {why}"
    elif score <= t.negative and gated:
        detail = f"sentiment {score:.2f} <= {t.negative}"
    elif angry is not None and angry >= t.tone_negative:
        detail = f"sentiment {score:.2f}: angry tone {angry:.2f} >= {t.tone_negative}"
    else:
        return
    found["negative_sentiment"] = Signal("negative_sentiment", score=max(-score, 0.35), detail=detail)
