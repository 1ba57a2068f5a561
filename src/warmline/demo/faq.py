"""The demo's FAQ bot: the knowledge base question closest to what the customer wrote, with its score as the
draft's confidence."""
from __future__ import annotations

import importlib.resources
from dataclasses import dataclass

import yaml
from rapidfuzz import fuzz, process

FALLBACK = "I'm not sure I understood. Could you say it another way?"


@dataclass(frozen=True)
class Draft:
    text: str
    confidence: float
    intent: str | None
    fallback: bool


class FaqBot:
    def __init__(self, entries: list[dict] | None = None):
        if entries is None:
            entries = yaml.safe_load(importlib.resources.files("warmline.demo").joinpath("faq.yaml").read_text())
        self.questions = [q for e in entries for q in e["questions"]]
        self.entry_of = [e for e in entries for _q in e["questions"]]

    def answer(self, text: str) -> Draft:
        best = process.extractOne(text.lower(), self.questions, scorer=fuzz.token_set_ratio)
        if best is None:
            return Draft(FALLBACK, 0.0, None, True)
        _question, score, index = best
        confidence = round(score / 100, 2)
        if confidence < 0.5:
            return Draft(FALLBACK, confidence, None, True)
        entry = self.entry_of[index]
        return Draft(entry["answer"], confidence, entry["intent"], False)
