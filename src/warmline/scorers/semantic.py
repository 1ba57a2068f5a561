"""The semantic scorer: similarity of customer messages to each trigger's exemplars and to routine requests.

Loading the model and embedding the exemplars takes about a second, so one scorer is built per policy and kept;
messages are embedded in batches (a whole conversation, or many conversations at once in replay and eval).
"""
from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

from ..core.policy import SemanticSpec
from ..core.signals.sentiment import ANGER
from . import tone
from .minilm import MiniLM, ModelUnavailable

Scores = Mapping[str, tuple[float, str]]
_MODEL: MiniLM | None = None


def shared_model() -> MiniLM:
    """One model per process (90 MB of weights)."""
    global _MODEL
    if _MODEL is None:
        _MODEL = MiniLM()
    return _MODEL


class SemanticScorer:
    def __init__(self, spec: SemanticSpec, model: MiniLM | None = None, cache_size: int = 50_000):
        self.model = model or shared_model()
        texts, labels = [], []
        for trigger, exemplars in spec.exemplars.items():
            texts += exemplars
            labels += [trigger] * len(exemplars)
        texts += spec.routine
        labels += ["routine"] * len(spec.routine)
        self.texts = texts
        self.labels = np.array(labels)
        self.groups = {label: np.flatnonzero(self.labels == label) for label in dict.fromkeys(labels)}
        self.matrix = self.model.embed(texts).T.copy()  # (384, exemplars)
        self.tone = None if spec.tone_model is None else tone.load(
            None if spec.tone_model == "builtin" else Path(spec.tone_model))
        self._cache: OrderedDict[str, Scores] = OrderedDict()
        self._cache_size = cache_size

    def score(self, texts: Iterable[str]) -> list[Scores]:
        texts = list(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            embeddings = self.model.embed(missing)
            angry = self.tone.probability(embeddings) if self.tone is not None else None
            for i, (text, row) in enumerate(zip(missing, embeddings @ self.matrix)):
                scores = self._by_trigger(row)
                if angry is not None:
                    scores[ANGER] = (round(float(angry[i]), 4), "tone model")
                self._remember(text, scores)
        return [self._cache[t] for t in texts]

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
    except tone.ToneModelError as exc:
        return None, f"off: {exc}"
    if scorer.tone is None:
        return scorer, "on: all-MiniLM-L6-v2 (numpy), weights verified; tone model off"
    source = "built-in" if spec.tone_model == "builtin" else spec.tone_model
    return scorer, f"on: all-MiniLM-L6-v2 (numpy), weights verified; tone model {source}"
