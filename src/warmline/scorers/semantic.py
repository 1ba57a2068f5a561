"""The semantic scorer: similarity of customer messages to each trigger's exemplars and to routine requests, and
the probability given by each trigger's probe.

A probe is a logistic regression over the embedding. Where the nearest exemplar must be close in words and topic
("a price for kitting out our 12 clinics" is far from every sales exemplar), the probe learns what a trigger's
phrasings share against the rest (an organisation buying), so it reads paraphrases in other domains. A trigger's
probe comes from the policy's probe model (`semantic.probe_model`: the built-in one, trained offline on thousands
of labelled phrasings, or a file from `warmline train-probes`); a trigger the model has no probe for, or every
trigger with `probe_model: exemplars`, gets one fitted when the scorer loads on the policy's own exemplars: the
trigger's against every other trigger's and the routine requests.

A message longer than the model reads (64 word pieces) is read twice, from its start and from its end (the last
sentences that fit): customers tell the story first and ask last ("… so I'd rather talk it through with one of
your advisers before I sign anything"), and the ask was cut off. The probes give the higher of the two
readings' probabilities, and say when it was the end's; the similarity to exemplars and routine requests and the
tone stay the start's. (Reading each sentence alone was tried and dropped: out of its message a sentence reads
as a trigger too often, "I know it's a hold and not a real charge".)

Loading the model, embedding the exemplars and fitting the probes takes about a second, so one scorer is built
per policy and kept; messages are embedded in batches (a whole conversation, or many conversations at once in
replay and eval).
"""
from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Callable, Iterable, Mapping

import numpy as np

from ..core.policy import SemanticSpec
from ..core.signals.semantic import PROBE, WHOLE
from ..core.signals.sentiment import ANGER
from ..core.text import sentences, without_mentions
from . import linear, probes, tone
from .minilm import MAX_TOKENS, MiniLM, ModelUnavailable
from .provenance import TrainedOn

Scores = Mapping[str, tuple[float, str]]
PROBE_L2 = 10.0   # fits the exemplars closely: they are curated, and a probe only adds to the similarity rule
ENDING_CHARS = 2_000   # far more than 64 word pieces of words
_MODEL: MiniLM | None = None


def ending(text: str, pieces: Callable[[str], int]) -> str | None:
    """The end of a message the model cannot read whole: its last whole sentences that fit, or the last words of
    a run-on last sentence; None when the message fits (or not even its last word does). Only the last few thousand
    characters are looked at (a hostile message of 10,000 need not be split and counted whole)."""
    if len(text) <= ENDING_CHARS and pieces(text) <= MAX_TOKENS:
        return None
    chunks = sentences(text[-ENDING_CHARS:])
    if pieces(chunks[-1]) > MAX_TOKENS:
        chunks = chunks[-1].split()   # no sentence ends near the end: its last words
    kept, used = [], 2   # [CLS] and [SEP]
    for chunk in reversed(chunks):
        used += pieces(chunk) - 2
        if used > MAX_TOKENS:
            break
        kept.append(chunk)
    return " ".join(reversed(kept)) or None


def shared_model() -> MiniLM:
    """One model per process (90 MB of weights)."""
    global _MODEL
    if _MODEL is None:
        _MODEL = MiniLM()
    return _MODEL


class SemanticScorer:
    def __init__(self, spec: SemanticSpec, model: MiniLM | None = None, cache_size: int = 50_000):
        self.model = model or shared_model()
        texts, labels = probes.policy_rows(spec)
        self.texts = texts
        self.labels = np.array(labels)
        self.groups = {label: np.flatnonzero(self.labels == label) for label in dict.fromkeys(labels)}
        self.matrix = self.model.embed(texts).T.copy()  # (384, exemplars)
        self.probe_model = None if spec.probe_model == "exemplars" else probes.load(
            None if spec.probe_model == "builtin" else Path(spec.probe_model))
        trained = self.probe_model.heads if self.probe_model is not None else {}
        self.probed = [t for t in spec.probes if t in trained or t in self.groups]
        fitted = [trained[t] if t in trained else linear.fit(self.matrix.T, self.labels == t, PROBE_L2, balanced=True)
                  for t in self.probed]
        self.fitted_here = [t for t in self.probed if t not in trained]
        self.probe_weights = np.stack([w for w, _ in fitted], axis=1) if fitted else None   # (384, probes)
        self.probe_bias = np.array([b for _, b in fitted], dtype=np.float32)
        self.tone = None if spec.tone_model is None else tone.load(
            None if spec.tone_model == "builtin" else Path(spec.tone_model))
        self.trained_on = ((self.tone.trained_on if self.tone is not None else TrainedOn())
                           | (self.probe_model.trained_on if self.probe_model is not None else TrainedOn()))
        self._cache: OrderedDict[str, Scores] = OrderedDict()
        self._cache_size = cache_size

    def score(self, texts: Iterable[str]) -> list[Scores]:
        texts = list(texts)
        # this call's answers held apart from the bounded cache, which may drop some of them while it fills
        found = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            readings = [without_mentions(t) for t in missing]   # "@AcmeHelp" is no content
            # each message split into word pieces once: the count decides whether its end is read apart, and the
            # same pieces, cut to the model's limit, are what it embeds
            pieces = [self._split(r) for r in readings]
            counted = dict(zip(readings, map(len, pieces)))
            ends = [ending(r, lambda text: counted.get(text) or self._pieces(text)) for r in readings]
            embeddings = self.model.embed_pieces(pieces + [self.model.tokenizer.encode(e) for e in ends if e])
            angry = self.tone.probability(embeddings[:len(missing)]) if self.tone is not None else None
            probes = (linear.probability(embeddings, self.probe_weights, self.probe_bias)
                      if self.probe_weights is not None else None)
            end_row = len(missing)   # the ends' embeddings follow the messages'
            for i, (text, row) in enumerate(zip(missing, embeddings[:len(missing)] @ self.matrix)):
                scores = self._by_trigger(row)
                if angry is not None:
                    scores[ANGER] = (round(float(angry[i]), 4), "tone model")
                if probes is not None:
                    for j, trigger in enumerate(self.probed):
                        p, where = probes[i, j], WHOLE
                        if ends[i] and probes[end_row, j] > p:
                            p, where = probes[end_row, j], ends[i]
                        scores[PROBE + trigger] = (round(float(p), 4), where)
                end_row += bool(ends[i])
                found[text] = scores
                self._remember(text, scores)
        return [found[t] for t in texts]

    def _split(self, text: str) -> list[int]:
        """The text's word pieces, up to ten times as many as the model reads (enough to count them)."""
        return self.model.tokenizer.encode(text, max_tokens=10 * MAX_TOKENS)

    def _pieces(self, text: str) -> int:
        """How many word pieces the model would read of the text, were there no limit."""
        return len(self._split(text))

    def _by_trigger(self, row: np.ndarray) -> Scores:
        out = {}
        for label, columns in self.groups.items():
            best = columns[int(np.argmax(row[columns]))]
            out[label] = (round(float(row[best]), 4), self.texts[best])
        return out

    def _remember(self, text: str, scores: Scores) -> None:
        self._cache[text] = scores
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def load_scorer(spec: SemanticSpec) -> tuple[SemanticScorer | None, str]:
    """(scorer, status). The status says why there is none: disabled, not installed, or failed verification."""
    if not spec.enabled:
        return None, "off: the policy disables the semantic layer"
    try:
        scorer = SemanticScorer(spec)
    except ModelUnavailable as exc:
        return None, f"off: {exc}; running on lexicons only"
    except linear.ModelFileError as exc:
        return None, f"off: {exc}"
    tone_status = "off" if scorer.tone is None else "built-in" if spec.tone_model == "builtin" else spec.tone_model
    return scorer, (f"on: all-MiniLM-L6-v2 ({scorer.model.backend}), weights verified; tone model {tone_status}; "
                    f"probes: {_probes_status(scorer, spec.probe_model)}")


def _probes_status(scorer: SemanticScorer, probe_model: str) -> str:
    """"human_request, churn (built-in probe model; churn fitted on the exemplars)" or "none"."""
    if not scorer.probed:
        return "none"
    source = {"builtin": "built-in probe model", "exemplars": "fitted on the exemplars"}.get(probe_model, probe_model)
    mixed = scorer.fitted_here if probe_model != "exemplars" else []
    return (f"{', '.join(scorer.probed)} ({source}" + (f"; {', '.join(mixed)} fitted on the exemplars" if mixed else "")
            + ")")
