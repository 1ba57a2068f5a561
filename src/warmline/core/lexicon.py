"""Phrase lexicons compiled into one Aho-Corasick automaton.

Every lexicon (a trigger's phrases, the profanity list, negators, ...) lives in the same automaton, so a message
is scanned once. Matching runs over `" " + tokens + " "`, which gives word boundaries for free. On top of plain
phrases a lexicon can have:

- `strong` phrases: the stronger form of the topic (an enterprise quote rather than a pricing question);
- `near` pairs: a cue and a target within a few tokens ("talk ... real person"), for requests phrased freely;
- `alone` words that count only when they are (nearly) the whole message ("agent!");
- `except` phrases that cancel any hit they overlap ("refund policy", "insurance agent", "cancel my order"), and
  keep the semantic layer from reading the message as the lexicon's trigger (the word is used in another sense);
- `unless` phrases that, anywhere in the message, cancel the ordinary (not strong) hits;
- `not_about` phrases that, anywhere in the message, cancel every hit, strong ones too (the message is about
  something else: cancelling a newsletter subscription is not churn);
- `negatable`: a hit right after a negator ("I don't want to cancel") does not count;
- `factual`: the trigger is something that happened (a charge, a break-in), so a hit inside a supposition does not
  count: after one of the `hypotheticals` ("what happens if", "would I be", "if I ever") in the same sentence, with
  no word from there to the hit's end that says it did happen ("has", "was", "already"), and not asked "why" ("why
  would I be charged twice" is a dispute): "what happens if someone else uses my password?" is a question, not an
  incident;
- `deniable`: a hit right after one of the `denials` ("I don't need a human", "no need for a refund", "I have no
  problem with the bill"), in the same clause and at most a word apart, does not count, nor may the semantic layer
  read the message as that trigger. Narrower than `negatable`, because in these lexicons a negation is often the
  trigger itself ("I never authorised this", "nobody has answered me").

Unknown tokens are corrected against the lexicon vocabulary (one edit, two for long words) when they are not
ordinary English words, so "refnud" still reads as "refund" but "changed" never becomes "charged"; a word two
edits from the lexicon but one from an ordinary word is left alone ("suprised" is not "supposed").
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import ahocorasick
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from .text import SENTENCE_BREAK, NormalText, Token, normalise_phrase, tokenize

# scans remembered: bounded in count and length (a scan of 500 characters is about 20 KB: 40 MB at most, a few MB
# for ordinary chat messages); replay needs a chunk's messages and drafts, a few hundred
MEMO_SIZE, MEMO_MAX_CHARS = 2048, 500
HESITATIONS = frozenset("uh uhh um umm er erm hmm".split())   # a voice bot's transcripts: "uh operator"
FILLER = frozenset(
    "please pls plz now i a an the to me with can could you u want need id like just get give talk speak "
    "chat hi hello hey yes ok okay need my im let connect".split()
) | HESITATIONS
# words that only soften or stress what they stand in ("who can I actually speak to", "I can't even log in",
# "cancel it please") or a speaker's hesitation ("how do i um end my contract"): a phrase matches with them left
# out too
SOFTENERS = frozenset(
    "actually really just even literally honestly simply genuinely truly possibly please pls plz kindly".split()
) | HESITATIONS
HYPOTHETICALS = "hypotheticals"   # the lexicon of what opens a supposition, for `factual` lexicons
DENIALS = "denials"               # the lexicon of what says the customer does not want or need it, for `deniable` ones
# between a supposition's opening and the trigger, words that say it did happen ("what if someone has used my card")
_HAPPENED = frozenset("has have had was were did been already got".split())


@dataclass(frozen=True, slots=True)
class Near:
    """A cue, then a target within `window` tokens (or before it too, with `either_order`)."""
    cues: tuple[str, ...]
    targets: tuple[str, ...]
    window: int
    strong: bool = False
    either_order: bool = False


@dataclass(frozen=True, slots=True)
class LexiconSpec:
    """One lexicon as the config states it (phrases already normalised)."""
    name: str
    phrases: tuple[str, ...] = ()
    strong: tuple[str, ...] = ()
    except_: tuple[str, ...] = ()
    near: tuple[Near, ...] = ()
    alone: tuple[str, ...] = ()
    negatable: bool = False
    unless: tuple[str, ...] = ()
    not_about: tuple[str, ...] = ()
    factual: bool = False
    deniable: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    lexicon: str
    strong: bool
    first: int  # token index
    last: int
    phrase: str


def _supposed(normal: NormalText, hit: Hit, supposing: list[tuple[int, int]]) -> bool:
    """Whether a hit is inside a supposition: after its opening begins (an opening may end in the hit's first word:
    "will I get charged extra"), in the same sentence, with no word from the opening's end to the hit's end that
    says it happened ("what if someone has used my card"), and not asked why ("why would I be charged twice"). The
    nearest opening decides (a farther one spans the same words and more), so a hostile message of many openings
    and hits costs a walk back per hit, not every pair."""
    tokens, text, first = normal.tokens, normal.original, hit.first
    for a, b in reversed(supposing):   # in reading order: nearest first
        if a >= first or (a > 0 and tokens[a - 1].norm == "why"):
            continue
        happened = any(tokens[i].norm in _HAPPENED for i in range(b + 1, hit.last + 1))
        return not happened and not any(SENTENCE_BREAK.search(text, tokens[i - 1].end, tokens[i].start)
                                        for i in range(b + 1, first + 1))
    return False


def _denied(tokens: tuple[Token, ...], hit: Hit, denying: list[tuple[int, int]]) -> bool:
    """Whether a hit begins inside a denial or at most one word after it, in the same clause: "I don't need a
    human", "no need for a refund", "I don't have a problem with the bill"."""
    first = hit.first
    return any(a <= first <= b + 2 and not any(tokens[i].clause_start for i in range(b + 1, first + 1))
               for a, b in denying)


def _unless_read_otherwise(hits: list[Hit], otherwise: Callable[[Hit], bool], lexicon: str,
                           vetoed: set[str]) -> list[Hit]:
    """The hits not read otherwise (inside a supposition, after a denial). When one is, the lexicon is vetoed: the
    trigger's words are there in another sense, so nor may the semantic layer read the message as the trigger."""
    kept = [h for h in hits if not otherwise(h)]
    if len(kept) < len(hits):
        vetoed.add(lexicon)
    return kept


@dataclass(slots=True)
class _Raw:
    kind: str  # phrase | strong | except | unless | not_about | cue | target
    first: int
    last: int
    phrase: str
    pair: int = -1


@dataclass
class Scan:
    """What the automaton found in one text, by lexicon, after exceptions and negation."""
    text: NormalText
    hits: dict[str, list[Hit]] = field(default_factory=dict)
    vetoed: set[str] = field(default_factory=set)  # lexicons cancelled by an `unless` guard, an `except`, a negation,
                                                   # a supposition or a denial

    def first(self, lexicon: str) -> Hit | None:
        found = self.hits.get(lexicon)
        if not found:
            return None
        strong = [h for h in found if h.strong]
        # the fullest evidence; a cue-and-target pair over a single phrase of the same length
        return max(strong or found, key=lambda h: (h.last - h.first, "…" in h.phrase))

    def has(self, lexicon: str) -> bool:
        return bool(self.hits.get(lexicon))

    def has_strong(self, lexicon: str) -> bool:
        return any(h.strong for h in self.hits.get(lexicon, ()))


class PhraseMatcher:
    """Compiled lexicons. Built once per config; `scan` is pure apart from a bounded typo cache."""

    def __init__(self, specs: Iterable[LexiconSpec], known_words: frozenset[str] = frozenset(),
                 masked_words: Iterable[str] = (), negators: Iterable[str] = ()):
        self.specs: dict[str, LexiconSpec] = {s.name: s for s in specs}
        self._automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[str, str, int]]] = {}
        vocab: set[str] = set()

        def add(phrase: str, lexicon: str, kind: str, pair: int = -1) -> None:
            key = normalise_phrase(phrase)
            if not key:
                return
            vocab.update(key.split())
            entries.setdefault(f" {key} ", []).append((lexicon, kind, pair))

        for spec in self.specs.values():
            for p in spec.phrases:
                add(p, spec.name, "phrase")
            for p in spec.strong:
                add(p, spec.name, "strong")
            for p in spec.except_:
                add(p, spec.name, "except")
            for p in spec.unless:
                add(p, spec.name, "unless")
            for p in spec.not_about:
                add(p, spec.name, "not_about")
            for i, near in enumerate(spec.near):
                for p in near.cues:
                    add(p, spec.name, "cue", i)
                for p in near.targets:
                    add(p, spec.name, "target", i)
        for key, values in entries.items():
            self._automaton.add_word(key, (key.strip(), tuple(values)))
        if entries:
            self._automaton.make_automaton()
        self._has_entries = bool(entries)
        self._negators = frozenset(normalise_phrase(n) for n in negators)
        self._alone = {s.name: frozenset(normalise_phrase(w) for w in s.alone) for s in self.specs.values()}
        self.vocabulary = frozenset(vocab)
        self._known = known_words | self.vocabulary
        self._typo_targets = sorted(w for w in vocab if len(w) >= 5 and w.isalpha())
        self._known_by_length: dict[int, list[str]] | None = None   # built when a long word first needs it
        self._masked: dict[int, list[str]] = {}
        for word in masked_words:
            w = normalise_phrase(word)
            self._masked.setdefault(len(w), []).append(w)
        self._corrections: dict[str, str] = {}
        self._scans: dict[str, Scan] = {}

    # -- public -------------------------------------------------------------------------------------------------
    def tokenize(self, text: str) -> NormalText:
        return self._correct(tokenize(text, self._masked))

    def scan(self, text: NormalText | str) -> Scan:
        normal = self.tokenize(text) if isinstance(text, str) else text
        scan = Scan(normal)
        if not normal.tokens or not self._has_entries:
            self._alone_hits(scan)
            return scan
        words = normal.words
        raw: dict[str, list[_Raw]] = {}
        self._match(words, range(len(words)), raw)
        kept = [i for i, w in enumerate(words) if w not in SOFTENERS]
        if len(kept) < len(words):   # again without the softeners; a phrase found both ways counts once
            seen = {(lexicon, r.kind, r.first, r.last, r.pair) for lexicon, found in raw.items() for r in found}
            self._match([words[i] for i in kept], kept, raw, seen)
        supposing = sorted((r.first, r.last) for r in raw.get(HYPOTHETICALS, ()) if r.kind == "phrase")
        denying = [(r.first, r.last) for r in raw.get(DENIALS, ()) if r.kind == "phrase"]
        for lexicon, found in raw.items():
            hits = self._resolve(self.specs[lexicon], found, normal, scan.vetoed, supposing, denying)
            if hits:
                scan.hits[lexicon] = hits
        self._alone_hits(scan)
        return scan

    def scan_memoised(self, text: str) -> Scan:
        """`scan`, remembered for the last two thousand or so texts of up to 500 characters (a scan is a pure
        function of the text and is never changed once made): bots repeat canned answers, and a customer message
        is looked at twice, once to decide whether to embed it and once to decide the turn."""
        scan = self._scans.get(text)
        if scan is None:
            scan = self.scan(text)
            if len(text) <= MEMO_MAX_CHARS:
                if len(self._scans) >= MEMO_SIZE:
                    self._scans.clear()
                self._scans[text] = scan
        return scan

    # -- internals ----------------------------------------------------------------------------------------------
    def _match(self, words: list[str], positions: Sequence[int], raw: dict[str, list[_Raw]],
               seen: set[tuple[str, str, int, int, int]] | None = None) -> None:
        """Every phrase found in `words` (at the message's token positions `positions`), but those `seen`."""
        starts, pos = [], 1
        for w in words:
            starts.append(pos)
            pos += len(w) + 1
        for end, (phrase, values) in self._automaton.iter(" " + " ".join(words) + " "):
            begin = end - len(phrase) - 1  # position of the leading space
            first = bisect_right(starts, begin + 1) - 1
            a, b = positions[first], positions[first + phrase.count(" ")]
            for lexicon, kind, pair in values:
                if seen is None or (lexicon, kind, a, b, pair) not in seen:
                    raw.setdefault(lexicon, []).append(_Raw(kind, a, b, phrase, pair))

    def _resolve(self, spec: LexiconSpec, found: list[_Raw], normal: NormalText, vetoed: set[str],
                 supposing: list[tuple[int, int]], denying: list[tuple[int, int]]) -> list[Hit]:
        tokens = normal.tokens
        excepted = [(r.first, r.last) for r in found if r.kind == "except"]

        def kept(r: _Raw, own: frozenset[int] = frozenset()) -> bool:
            """Not inside an exception, and not negated. A negated phrase or cue vetoes the lexicon ("I don't
            want to leave you"); a negated near target only drops out: it is the object, not the intent ("we
            won't be needing your services" does not deny leaving). A negator inside one of the target's own
            cues is part of that cue ("don't want … being your customer"): it does not negate the target."""
            if any(r.first <= b and a <= r.last for a, b in excepted):  # overlaps an exception
                return False
            if spec.negatable and self._negated(tokens, r.first, own):
                if r.kind != "target":
                    vetoed.add(spec.name)
                return False
            return True

        if any(r.kind == "not_about" for r in found):
            vetoed.add(spec.name)
            return []
        guarded = any(r.kind == "unless" for r in found)
        if guarded or any(r.kind == "except" for r in found):   # the trigger's word in another sense: the
            vetoed.add(spec.name)                                 # semantic layer must not read it as the trigger
        hits = [Hit(spec.name, r.kind == "strong", r.first, r.last, r.phrase)
                for r in found if (r.kind == "strong" or (r.kind == "phrase" and not guarded)) and kept(r)]
        for i, near in enumerate(spec.near):
            if guarded and not near.strong:
                continue
            cues = [r for r in found if r.kind == "cue" and r.pair == i and kept(r)]
            in_cues = frozenset(t for c in cues for t in range(c.first, c.last + 1))
            targets = [r for r in found if r.kind == "target" and r.pair == i and kept(r, in_cues)]
            pair = _pair(cues, targets, near.window, near.either_order)
            if pair is not None:
                a, b = pair
                hits.append(Hit(spec.name, near.strong, a.first, b.last, f"{a.phrase} … {b.phrase}"))
        if spec.factual and supposing:
            hits = _unless_read_otherwise(hits, lambda h: _supposed(normal, h, supposing), spec.name, vetoed)
        if spec.deniable and denying:
            hits = _unless_read_otherwise(hits, lambda h: _denied(tokens, h, denying), spec.name, vetoed)
        hits.sort(key=lambda h: h.first)
        return hits

    def _negated(self, tokens: tuple[Token, ...], first: int, ignored: frozenset[int] = frozenset()) -> bool:
        """A negator up to three words before, in the same clause ("No, cancel it" is not negated); softening
        words do not count ("I don't really want to cancel")."""
        words, i = 0, first - 1
        while i >= 0 and words < 3:
            if tokens[i + 1].clause_start:
                return False
            if tokens[i].norm in self._negators and i not in ignored:
                return True
            words += tokens[i].norm not in SOFTENERS
            i -= 1
        return False

    def _alone_hits(self, scan: Scan) -> None:
        words = scan.text.words
        if not words or len(words) > 6:
            return
        content = [w for w in words if w not in FILLER and w[0].isalnum()]   # "agent 😡" is "agent" alone
        for lexicon, alone in self._alone.items():
            if alone and content and all(w in alone for w in content) and not scan.hits.get(lexicon):
                first = words.index(content[0])
                last = len(words) - 1 - words[::-1].index(content[-1])
                scan.hits[lexicon] = [Hit(lexicon, False, first, last, " ".join(content))]

    def _correct(self, normal: NormalText) -> NormalText:
        changed = False
        tokens: list[Token] = []
        for t in normal.tokens:
            fixed = self._correction(t.norm)
            if fixed != t.norm:
                changed = True
                t = Token(fixed, t.start, t.end, t.upper, t.clause_start)
            tokens.append(t)
        return NormalText(normal.original, tuple(tokens)) if changed else normal

    def _correction(self, word: str) -> str:
        if len(word) < 5 or word in self._known or not word.isalpha():
            return word
        cached = self._corrections.get(word)
        if cached is not None:
            return cached
        best, best_distance = word, 3
        limit = 1 if len(word) <= 7 else 2
        for target in self._typo_targets:
            if target[0] != word[0] or abs(len(target) - len(word)) > limit:
                continue
            d = DamerauLevenshtein.distance(word, target, score_cutoff=limit)
            if d <= limit and d < best_distance:
                best, best_distance = target, d
        if best_distance == 2 and self._nearer_word(word):   # "suprised" is "surprised", not "supposed"
            best = word
        if len(self._corrections) > 50_000:
            self._corrections.clear()
        self._corrections[word] = best
        return best

    def _nearer_word(self, word: str) -> bool:
        """An ordinary word one edit away: the customer meant that one, not a lexicon word two edits away."""
        if self._known_by_length is None:
            self._known_by_length = {}
            for w in self._known:
                self._known_by_length.setdefault(len(w), []).append(w)
        candidates = [w for n in (len(word) - 1, len(word), len(word) + 1) for w in self._known_by_length.get(n, ())]
        return process.extractOne(word, candidates, scorer=DamerauLevenshtein.distance, score_cutoff=1) is not None


def _pair(cues: list[_Raw], targets: list[_Raw], window: int, either_order: bool) -> tuple[_Raw, _Raw] | None:
    """The first cue with a target at most `window` tokens after it (or before it), in reading order."""
    for c in cues:
        for t in targets:
            if 0 <= t.first - c.last - 1 <= window:
                return c, t
            if either_order and 0 <= c.first - t.last - 1 <= window:
                return t, c
    return None
