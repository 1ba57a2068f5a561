"""VADER, with negation that stays inside its clause.

VADER negates a sentiment word when one of the three words before it is a negation, punctuation or not: "nothing
works, terrible app" and "never again, terrible service" come out positive (+0.37), "I can't, it's horrible" +0.43.
A customer's negation belongs to its own clause ("nothing works"); it does not turn the verdict after the comma
around. Here a negation counts only when no clause punctuation (, ; : . ! ? or a dash) lies between it and the word.
"""
from __future__ import annotations

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer, negated

_CLOSERS = "\"')]}»”’"
_BREAKS = ",;:.!?"
_DASHES = {"-", "--", "–", "—"}


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
    def sentiment_valence(self, valence, sentitext, item, i, sentiments):
        words = sentitext.words_and_emoticons
        if not isinstance(words, _Words):
            words = _Words(words)
            words.clause = clause_of_each_word(sentitext.text)
            sentitext.words_and_emoticons = words
        return super().sentiment_valence(valence, sentitext, item, i, sentiments)

    def _negation_check(self, valence, words_and_emoticons, start_i, i):
        clause = getattr(words_and_emoticons, "clause", None)
        before = i - (start_i + 1)
        if (clause is not None and len(clause) == len(words_and_emoticons) and clause[before] != clause[i]
                and negated([str(words_and_emoticons[before]).lower()])):
            return valence
        return SentimentIntensityAnalyzer._negation_check(valence, words_and_emoticons, start_i, i)
