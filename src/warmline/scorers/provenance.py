"""What the trained models in use learnt from, so that `warmline eval` can report the rows they never saw apart.
The same value chooses a model's training rows (`covers`), so what a model records is what it learnt from."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence


@dataclass(frozen=True)
class TrainedOn:
    sources: tuple[str, ...] = ()          # source prefixes whose rows were training rows
    negatives_only: tuple[str, ...] = ()   # ... whose rows taught only what is not a trigger (their positives unseen)

    @classmethod
    def chosen(cls, rows: Iterable[Mapping[str, Any]], sources: Sequence[str],
               negatives_only: Sequence[str] = ()) -> "TrainedOn":
        """The rows a model trains on, chosen by source prefixes; with none given, every source the rows have (a
        row without a source then makes every row count as seen: nothing can be called held out)."""
        if sources or negatives_only:
            return cls(tuple(sources), tuple(negatives_only))
        return cls(tuple(sorted({str(row.get("source") or "") for row in rows})))

    def __bool__(self) -> bool:
        return bool(self.sources or self.negatives_only)

    def __or__(self, other: "TrainedOn") -> "TrainedOn":
        sources = tuple(dict.fromkeys(self.sources + other.sources))
        return TrainedOn(sources, tuple(s for s in dict.fromkeys(self.negatives_only + other.negatives_only)
                                        if not s.startswith(sources)))

    def covers(self, row: Mapping[str, Any]) -> bool:
        """Whether a labelled row was (or could have been) a training row."""
        source = str(row.get("source") or "")
        negative = row.get("category") == "none" or row.get("strength") == "negative"
        return source.startswith(self.sources) or (negative and source.startswith(self.negatives_only))

    def as_dict(self) -> dict[str, list[str]]:
        return {"sources": list(self.sources), "negatives_only": list(self.negatives_only)}
