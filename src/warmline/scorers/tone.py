"""The tone model: the probability that a customer message is angry or annoyed, read from its sentence embedding.

Lexicons see words; they cannot tell "the worst guard defender in the league" from "the worst service I have ever
had", nor an angry sentence without any angry word. The tone model is an L2-regularised logistic regression over
the all-MiniLM-L6-v2 embedding (384 numbers in, one probability out), so it adds a dot product to a message that
is embedded anyway. Its probability enters the core as the semantic input `anger`; the sentiment detector uses it
to confirm or overrule tone and words (see `core/signals/sentiment.py`).

The built-in weights (`tone_model.json`) were trained by `warmline train-tone` on the dev data's GoEmotions train
split (anger, annoyance, disgust against every other non-ambiguous label) and CLINC150's train split (routine
requests), and record where they came from; figures on those sources are not held-out figures.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ..core.text import without_mentions
from . import linear
from .provenance import TrainedOn

FORMAT = "warmline-tone/1"
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384


class ToneModelError(linear.ModelFileError):
    pass


@dataclass(frozen=True)
class ToneModel:
    weights: np.ndarray   # (384,)
    bias: float
    meta: dict[str, Any]

    @property
    def trained_on(self) -> TrainedOn:
        return TrainedOn(tuple(self.meta.get("trained_on", {}).get("sources", ())))

    def probability(self, embeddings: np.ndarray) -> np.ndarray:
        """Anger probability of each row of (n, 384) unit-length embeddings."""
        return linear.probability(embeddings, self.weights, self.bias)

    def to_json(self) -> str:
        document = {"format": FORMAT, "model": MODEL, "dimensions": DIMENSIONS, **self.meta,
                    "bias": round(float(self.bias), 6), "weights": [round(float(w), 6) for w in self.weights]}
        return json.dumps(document, indent=1) + "\n"


def builtin_path() -> Path:
    return Path(str(resources.files("warmline.scorers") / "tone_model.json"))


def load(path: Path | None = None) -> ToneModel:
    """The tone model at `path` (the built-in one without). A file that is not a tone model for this embedding
    model is refused with the reason."""
    path = path or builtin_path()
    try:
        document = linear.read_document(path, FORMAT, MODEL, "tone model", "warmline train-tone")
    except linear.ModelFileError as exc:
        raise ToneModelError(str(exc)) from None
    found = linear.head(document.get("weights"), document.get("bias"), DIMENSIONS)
    if found is None:
        raise ToneModelError(f"{path}: expected {DIMENSIONS} weights and a bias, all finite numbers")
    meta = {k: v for k, v in document.items() if k not in ("format", "model", "dimensions", "weights", "bias")}
    return ToneModel(found[0], found[1], meta)


def training_rows(rows: Iterable[dict[str, Any]], sources: Sequence[str], category: str = "frustration"
                  ) -> tuple[list[str], list[bool]]:
    """Texts and labels from labelled utterances: positives are `category` rows of strength positive, negatives
    every other non-ambiguous row; only rows whose source starts with one of `sources` (all when empty:
    `TrainedOn.chosen`)."""
    rows = list(rows)
    chosen = TrainedOn.chosen(rows, sources)
    texts, labels = [], []
    for row in rows:
        if not chosen.covers(row):
            continue
        strength = row.get("strength", "positive")
        if strength == "ambiguous":
            continue
        texts.append(row["text"])
        labels.append(row["category"] == category and strength == "positive")
    return texts, labels


def embed_all(embed: Callable[[list[str]], np.ndarray], texts: list[str]) -> np.ndarray:
    """Training rows embedded as the scorer embeds a message: without its @mentions, 512 at a time."""
    return np.vstack([embed([without_mentions(t) for t in texts[i:i + 512]]) for i in range(0, len(texts), 512)])


def train(embed, texts: list[str], labels: list[bool], l2: float, provenance: dict[str, Any]) -> ToneModel:
    if not any(labels) or all(labels):
        raise ToneModelError("the training rows need both positives and negatives")
    embeddings = embed_all(embed, texts)
    weights, bias = linear.fit(embeddings, np.asarray(labels), l2)
    meta = {"trained_on": {**provenance, "positives": int(sum(labels)), "negatives": len(labels) - int(sum(labels))},
            "l2": l2}
    return ToneModel(weights, bias, meta)

