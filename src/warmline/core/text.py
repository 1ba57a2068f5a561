"""Text normalisation shared by every detector.

A message becomes a list of tokens that remember where they came from in the original text, so that evidence
can quote the customer's own words. Normalisation folds case, apostrophes, hyphens, runs of spaces and
stretched letters ("pleeease"); masked profanity ("f*ck", "sh!t") is unmasked against the profanity list.
An emoji is a token of its own ("😡" says as much as "furious"); an @mention ("@AcmeHelp", how messages from
social channels begin) addresses someone and is not part of what the customer says, so it makes no token.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_EMOJI = "\U0001F300-\U0001FAFF\u2600-\u27BF"   # pictographs, emoticons, symbols and dingbats
_TOKEN = re.compile(rf"[^\W_]+(?:['’][^\W_]+)*(?:[*!$@#]+[^\W_]+)*[*$@#]*|[{_EMOJI}]")
# an @handle with a letter in it, not the domain of an email address nor a time ("@11:30")
_MENTION = re.compile(r"(?<![\w@.])@\w*[^\W\d]\w*(?:['’]s\b)?")
_STRETCH = re.compile(r"(\w)\1{2,}")
_MASK = re.compile(r"[*!$@#]")
_WORDISH = re.compile(r"[a-z]")
# where a sentence ends: after . ! ? or … before a space ("$14.99" is no end), and at a line break (chat and email put
# one thought to a line)
SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|\s*\n\s*")


_SUFFIXES = {"nt": "not", "ll": "will", "re": "are", "ve": "have", "m": "am", "d": "would", "s": ""}
_IRREGULAR = {"won't": ["will", "not"], "can't": ["can", "not"], "cannot": ["can", "not"], "shan't": ["shall", "not"],
              "ain't": ["is", "not"]}
# Contractions typed without the apostrophe; only forms that are not English words themselves.
_BARE = {
    "dont": ["do", "not"], "doesnt": ["does", "not"], "didnt": ["did", "not"], "cant": ["can", "not"],
    "wont": ["will", "not"], "isnt": ["is", "not"], "arent": ["are", "not"], "wasnt": ["was", "not"],
    "werent": ["were", "not"], "havent": ["have", "not"], "hasnt": ["has", "not"], "hadnt": ["had", "not"],
    "couldnt": ["could", "not"], "wouldnt": ["would", "not"], "shouldnt": ["should", "not"], "im": ["i", "am"],
    "ive": ["i", "have"], "youre": ["you", "are"], "youve": ["you", "have"], "theyre": ["they", "are"],
    "thats": ["that", "is"], "whats": ["what", "is"], "theres": ["there", "is"], "weve": ["we", "have"],
    "itll": ["it", "will"], "youll": ["you", "will"], "idk": ["i", "do", "not", "know"], "pls": ["please"],
    "plz": ["please"], "u": ["you"], "ur": ["your"], "r": ["are"], "thx": ["thanks"], "ty": ["thank", "you"],
    "acct": ["account"], "accts": ["accounts"],
}


def expand(token: str) -> list[str]:
    """Contractions become their words, so phrases match however the customer typed them."""
    if token in _IRREGULAR:
        return _IRREGULAR[token]
    if "'" in token:
        base, _, suffix = token.partition("'")
        if suffix == "t" and base.endswith("n"):
            return [base[:-1], "not"]
        extra = _SUFFIXES.get(suffix)
        if extra is None:
            return [base + suffix]
        return [base, extra] if extra else [base]
    return _BARE.get(token, [token])


@dataclass(frozen=True, slots=True)
class Token:
    norm: str
    start: int
    end: int
    upper: bool
    clause_start: bool = False  # punctuation (",.;:!?") stands between this token and the previous one


@dataclass(frozen=True, slots=True)
class NormalText:
    original: str
    tokens: tuple[Token, ...]

    @property
    def words(self) -> list[str]:
        return [t.norm for t in self.tokens]

    def quote(self, first: int, last: int) -> tuple[int, int, str]:
        """Original text spanning tokens first..last inclusive."""
        start, end = self.tokens[first].start, self.tokens[last].end
        return start, end, self.original[start:end]


def sentences(text: str) -> list[str]:
    """The sentences of a text, stripped, without empty ones."""
    return [s.strip() for s in SENTENCE_BREAK.split(text) if s.strip()]


def fold(text: str) -> str:
    """Case- and accent-fold a phrase or token the same way message text is folded."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text


def without_mentions(text: str) -> str:
    """The message without its @mentions: what the customer says, for a reader that sees raw text."""
    return " ".join(_MENTION.sub(" ", text).split()) if "@" in text else text


def normalise_phrase(phrase: str) -> str:
    """A lexicon phrase in the same shape as the message's words joined by single spaces."""
    return " ".join(w for m in _TOKEN.finditer(fold(phrase)) for w in expand(_fold_token(m.group(0))) if w)


def _fold_token(raw: str) -> str:
    return _STRETCH.sub(r"\1\1", raw.replace("’", "'"))


def unmask(token: str, masked_words: dict[int, list[str]]) -> str:
    """'f*ck' -> 'fuck' when a listed word fits the visible letters; otherwise the letters alone."""
    if not _MASK.search(token):
        return token
    for word in masked_words.get(len(token), ()):
        if all(c == w or _MASK.match(c) for c, w in zip(token, word)):
            return word
    return _MASK.sub("", token)


def tokenize(text: str, masked_words: dict[int, list[str]] | None = None) -> NormalText:
    folded = text.lower() if text.isascii() else fold(text)
    if len(folded) != len(text):  # folding changed offsets (rare ligatures): quote from the folded text
        text = folded
    stretched = _STRETCH.search(folded) is not None   # checked once per message, not per token
    masked = _MASK.search(folded) is not None
    mixed_case = text != folded
    mentions = [m.span() for m in _MENTION.finditer(folded)] if "@" in folded else ()
    tokens: list[Token] = []
    append = tokens.append
    previous_end = 0
    for m in _TOKEN.finditer(folded):
        start, end = m.span()
        if mentions and any(a <= start < b for a, b in mentions):
            continue
        norm = m.group(0)
        if "’" in norm:
            norm = norm.replace("’", "'")
        if stretched:
            norm = _STRETCH.sub(r"\1\1", norm)
        if masked and _MASK.search(norm):
            norm = unmask(norm, masked_words) if masked_words is not None else _MASK.sub("", norm)
            norm = _MASK.sub("", norm)
        upper = mixed_case and end - start > 1 and text[start:end].isupper() and bool(_WORDISH.search(norm))
        gap = folded[previous_end:start]
        boundary = bool(tokens) and gap != " " and any(c in ",.;:!?()" for c in gap)
        previous_end = end
        words = _BARE.get(norm) or (expand(norm) if "'" in norm or norm in _IRREGULAR else None)
        if words is None:
            append(Token(norm, start, end, upper, boundary))
            continue
        for i, word in enumerate(words):
            if word:
                append(Token(word, start, end, upper, boundary and i == 0))
    return NormalText(text, tuple(tokens))
