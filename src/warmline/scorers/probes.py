"""The probe model: for each trigger, a logistic regression over the sentence embedding that reads a message as
that trigger, trained offline on labelled utterances by `warmline train-probes`.

A policy's exemplars are a few dozen phrasings per trigger; probes fitted on them alone (`probe_model: exemplars`)
learn what those phrasings share, and on fresh cases written before each change they missed incidents told as
plain facts and leaving without naming what is left. Trained on thousands of labelled phrasings in many registers
and on tens of thousands of routine requests, a probe learns the intent rather than the wording. The built-in
model is trained on the default policy's exemplars and routine requests, Warmline's own labelled cases
(`tests/data/own_cases*.jsonl`), the CLINC150 and GoEmotions train splits of the dev data, and Bitext's
customer-service requests as routine rows only: trained on Bitext's narrow phrasing of the triggers, probes lost
fresh paraphrases (README, "The semantic layer"). Each model file records what it was trained on.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ..core.policy import SemanticSpec
from . import linear
from .provenance import TrainedOn
from .tone import DIMENSIONS, MODEL, embed_all

FORMAT = "warmline-probes/1"
ROUTINE = "routine"
NEAR_MISS_WEIGHT = 5.0   # measured: at 1, 20 of our 502 routine cases stayed above a bar; at 5, 4 (README)


class ProbeModelError(linear.ModelFileError):
    pass


@dataclass(frozen=True)
class ProbeModel:
    heads: Mapping[str, tuple[np.ndarray, float]]   # trigger -> (weights (384,), bias)
    meta: dict[str, Any]

    @property
    def trained_on(self) -> TrainedOn:
        data = self.meta.get("trained_on", {})
        return TrainedOn(tuple(data.get("sources", ())), tuple(data.get("negatives_only", ())))

    def to_json(self) -> str:
        heads = {t: {"bias": round(float(b), 6), "weights": [round(float(x), 6) for x in w]}
                 for t, (w, b) in self.heads.items()}
        document = {"format": FORMAT, "model": MODEL, "dimensions": DIMENSIONS, **self.meta, "probes": heads}
        return json.dumps(document, indent=1) + "\n"


def builtin_path() -> Path:
    return Path(str(resources.files("warmline.scorers") / "probe_model.json"))


def load(path: Path | None = None) -> ProbeModel:
    """The probe model at `path` (the built-in one without); a file that is not one is refused with the reason."""
    path = path or builtin_path()
    try:
        document = linear.read_document(path, FORMAT, MODEL, "probe model", "warmline train-probes")
    except linear.ModelFileError as exc:
        raise ProbeModelError(str(exc)) from None
    probes = document.get("probes")
    if not isinstance(probes, dict) or not probes:
        raise ProbeModelError(f"{path}: no probes in the file")
    heads = {}
    for trigger, value in probes.items():
        found = linear.head(value.get("weights"), value.get("bias"), DIMENSIONS) if isinstance(value, dict) else None
        if found is None:
            raise ProbeModelError(f"{path}: probes.{trigger}: expected {DIMENSIONS} weights and a bias, all finite "
                                  "numbers")
        heads[trigger] = found
    meta = {k: v for k, v in document.items() if k not in ("format", "model", "dimensions", "probes")}
    return ProbeModel(heads, meta)


def policy_rows(spec: SemanticSpec) -> tuple[list[str], list[str]]:
    """A policy's exemplars labelled with their trigger, then its routine requests labelled ROUTINE: what probes
    fitted at load learn from, and training rows of a probe model."""
    texts, labels = [], []
    for trigger, exemplars in spec.exemplars.items():
        texts += exemplars
        labels += [trigger] * len(exemplars)
    return texts + list(spec.routine), labels + [ROUTINE] * len(spec.routine)


def training_rows(rows: Iterable[Mapping[str, Any]], sources: Sequence[str], negatives_only: Sequence[str] = (),
                  near_misses: Sequence[str] = ()) -> tuple[list[str], list[str], list[float]]:
    """Texts, their labels (the category of a positive row, `routine` for every other non-ambiguous row) and their
    weights, from the rows whose source starts with one of `sources` or `negatives_only` (every row when both are
    empty: `TrainedOn.chosen`). The rows of `negatives_only` sources count only as routine: their positive rows are
    left out. The routine rows of `near_misses` sources are requests written on purpose to look like a trigger
    ("how do I add my colleague as an admin"); each weighs NEAR_MISS_WEIGHT ordinary routine rows."""
    rows = list(rows)
    chosen = TrainedOn.chosen(rows, sources, negatives_only)
    texts, labels, weights = [], [], []
    for row in rows:
        strength = row.get("strength", "positive")
        if strength == "ambiguous" or not chosen.covers(row):
            continue
        positive = strength == "positive" and row["category"] != "none"
        texts.append(row["text"])
        labels.append(row["category"] if positive else ROUTINE)
        near_miss = not positive and str(row.get("source") or "").startswith(tuple(near_misses))
        weights.append(NEAR_MISS_WEIGHT if near_miss else 1.0)
    return texts, labels, weights


def train(embed: Callable[[list[str]], np.ndarray], texts: list[str], labels: list[str], weights: list[float],
          triggers: Sequence[str], l2: float, provenance: dict[str, Any]) -> ProbeModel:
    """One probe per trigger: its rows against every other row, each class weighing the same in total."""
    missing = [t for t in triggers if t not in labels]
    if not triggers or missing:
        raise ProbeModelError(f"no positive rows for {', '.join(missing) or 'any trigger'}")
    if ROUTINE not in labels:
        raise ProbeModelError("no routine rows to learn what is not a trigger")
    embeddings = embed_all(embed, texts)
    truth = np.asarray(labels)
    heads = {t: linear.fit(embeddings, truth == t, l2, balanced=True, weights=np.asarray(weights))
             for t in triggers}
    counts = {t: int((truth == t).sum()) for t in triggers}
    meta = {"trained_on": {**provenance, "rows": len(texts), "positives": counts}, "l2": l2}
    return ProbeModel(heads, meta)
