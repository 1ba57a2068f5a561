"""VADER, with negation that stays inside its clause.

VADER negates a sentiment word when one of the three words before it is a negation, punctuation or not: "nothing
works, terrible app" and "never again, terrible service" come out positive (+0.37), "I can't, it's horrible" +0.43.
A customer's negation belongs to its own clause ("nothing works"); it does not turn the verdict after the comma
around. Here a negation counts only when no clause punctuation (, ; : . ! ? or a dash) lies between it and the word,
and "can't believe" is no negation: "I cannot believe how bad this has been" is not praise (VADER: +0.43).
"Like" in a request ("I'd like a refund", +0.36 in VADER), a comparison ("it feels like nobody reads these", "you
treat us like dirt") or before a number ("like 20 times") is no praise, and an apology for asking ("I hate to be a
pain, but how do I change my address?", -0.54 in VADER; "sorry to bother you") is no anger.
"""
from __future__ import annotations

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer, negated

_CLOSERS = "\"')]}»”’"
_BREAKS = ",;:.!?"
_DASHES = {"-", "--", "–", "—"}
_CANNOT = {"cannot", "can't", "cant", "couldn't", "couldnt"}


def _cannot_believe(words, negator: int, i: int) -> bool:
    """"can't believe how bad": amazement, not a negation of "bad" ("I don't believe this is good" still is)."""
    if negator + 1 >= i or str(words[negator + 1]).lower() != "believe":
        return False
    word = str(words[negator]).lower()
    return word in _CANNOT or (word == "not" and negator > 0 and str(words[negator - 1]).lower() in ("can", "could"))


_NOT_LIKING = {"would", "i'd", "id", "we'd", "you'd", "he'd", "she'd", "they'd", "feel", "feels", "felt", "look",
               "looks", "looked", "seem", "seems", "seemed", "sound", "sounds", "sounded", "something", "anything",
               "more", "just"}


_COMPARED = {"dirt", "garbage", "rubbish", "trash", "crap", "idiots", "criminals", "children", "kids", "cattle",
             "animals", "numbers"}   # "you treat partners like dirt" ("like a ..." was tried: Reddit's "like a
                                     # freaking pelican!!!" then escalated)


def _like_without_liking(words, i: int) -> bool:
    """"I'd like", "feels like", "like 20 times": no liking. (Counting every "like" not after its subject as none
    was tried: GoEmotions' Reddit comments use "like" as a filler beside their negative words, and VADER's
    positive "like" kept 3 more of them from escalating.)"""
    if str(words[i]).lower() != "like":
        return False
    before = str(words[i - 1]).lower().replace("’", "'") if i > 0 else ""
    after = str(words[i + 1]) if i + 1 < len(words) else ""
    return before in _NOT_LIKING or after[:1].isdigit() or after.lower() in _COMPARED


_ASKING = {"be", "bother", "trouble", "ask", "chase", "disturb", "interrupt", "say", "nag", "pester", "push"}
_IMPOSING = {"pain", "nuisance", "pest", "bother"}


def _pardon_for_asking(words, i: int) -> bool:
    """"I hate to bother you", "sorry to be a pain": courtesy before a request, no feeling about us."""
    word = str(words[i]).lower().strip(_BREAKS)
    if word == "hate":
        return i + 2 < len(words) and str(words[i + 1]).lower() == "to" and \
            str(words[i + 2]).lower().strip(_BREAKS) in _ASKING
    if word not in _ASKING and word not in _IMPOSING:   # nearly every word: no look back
        return False
    before = [str(w).lower() for w in words[max(0, i - 3):i]]
    return (word in _ASKING and before[-1:] == ["to"]) or (word in _IMPOSING and before == ["to", "be", "a"])


class _Words(list):
    """VADER's words of a text, with the clause each word is in."""
    clause: list[int]


def clause_of_each_word(text: str) -> list[int]:
    """The clause number of each whitespace-separated word (VADER's own tokens): a word ending in clause
    punctuation closes its clause, a lone dash stands between two."""
    out, clause = [], 0
    for raw in text.split():
        if raw in _DASHES:
            clause += 1
            out.append(clause)
            clause += 1
            continue
        out.append(clause)
        if raw.rstrip(_CLOSERS)[-1:] in _BREAKS:
            clause += 1
    return out


class ClauseBoundAnalyzer(SentimentIntensityAnalyzer):
    """VADER's analyzer; each text's words carry their clause numbers while it is scored (the words list lives
    on the text being scored, so one analyzer serves many threads)."""

    def sentiment_valence(self, valence, sentitext, item, i, sentiments):
        words = sentitext.words_and_emoticons
        if not isinstance(words, _Words):
            words = _Words(words)
            words.clause = clause_of_each_word(sentitext.text)
            sentitext.words_and_emoticons = words
        if _like_without_liking(words, i) or _pardon_for_asking(words, i):
            sentiments.append(0)
            return sentiments
        return super().sentiment_valence(valence, sentitext, item, i, sentiments)

    def _negation_check(self, valence, words_and_emoticons, start_i, i):
        before = i - (start_i + 1)   # the word that may negate word i
        if _cannot_believe(words_and_emoticons, before, i):
            return valence
        clause = getattr(words_and_emoticons, "clause", None)
        if (clause is not None and len(clause) == len(words_and_emoticons) and clause[before] != clause[i]
                and negated([str(words_and_emoticons[before]).lower()])):
            return valence
        return SentimentIntensityAnalyzer._negation_check(valence, words_and_emoticons, start_i, i)
