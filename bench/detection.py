"""Detection quality on labelled utterances (the dev data's format: text, category, strength, source).

    .venv/bin/python bench/detection.py ../shared/data/dev/utterances.jsonl [--per-category 3000]

Each utterance is decided as the first turn of a conversation with no draft, a 'pro' customer, in business
hours. Prints per-category precision, recall and F1 (positives only; ambiguous rows are left out), and how many
routine requests (category none) were escalated or offered a person, by source. A first measurement until
`warmline eval` exists; the data is read from where it lies, never shipped.
"""
from __future__ import annotations

import argparse
import collections
import json
import random
from datetime import datetime, timezone

from warmline import Engine
from warmline.core.engine import decide
from warmline.core.model import Customer, Message
from warmline.core.state import ConversationState

CATEGORY_TRIGGERS = {
    "human_request": {"human_request"}, "billing": {"billing", "amount_over_threshold", "refund_beyond_policy"},
    "security": {"security"}, "churn": {"churn"}, "sales": {"sales"}, "privacy": {"privacy"}, "legal": {"legal"},
    "crisis": {"crisis"}, "frustration": {"frustration", "negative_sentiment"},
}
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--per-category", type=int, default=3000, help="sample size per (category, source)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = [json.loads(line) for line in open(args.file, encoding="utf-8")]
    rng = random.Random(args.seed)
    groups = collections.defaultdict(list)
    for r in rows:
        groups[(r["category"], r["strength"], r["source"].split(":")[0])].append(r)
    sample = [r for g in groups.values() for r in rng.sample(g, min(len(g), args.per_category))]
    engine = Engine()
    tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
    routine = collections.Counter()
    for r in sample:
        if r["strength"] == "ambiguous":
            continue
        d, _ = decide(engine.policy, ConversationState(), conversation_id="eval", index=0,
                      message=Message("customer", r["text"]), draft=None, customer=Customer(plan="pro"), now=NOW)
        fired = set(d.triggers)
        for category, triggers in CATEGORY_TRIGGERS.items():
            hit = bool(fired & triggers)
            if r["category"] == category:
                tp[category] += hit
                fn[category] += not hit
            elif hit:
                fp[category] += 1
        if r["category"] == "none":
            source = r["source"].split(":")[0]
            routine[source, "turns"] += 1
            routine[source, d.action] += 1
    print(f"{'category':15} {'precision':>9} {'recall':>7} {'F1':>6} {'positives':>9}")
    for category in CATEGORY_TRIGGERS:
        positives = tp[category] + fn[category]
        if not positives:
            continue
        p = tp[category] / max(1, tp[category] + fp[category])
        rec = tp[category] / positives
        f1 = 2 * p * rec / max(1e-9, p + rec)
        print(f"{category:15} {p:9.2f} {rec:7.2f} {f1:6.2f} {positives:9}")
    print("\nroutine requests (category none):")
    for source in sorted({s for s, _ in routine}):
        n = routine[source, "turns"]
        print(f"  {source:12} {n:6} turns  escalated {routine[source, 'escalate'] / n:6.1%}  "
              f"offered {routine[source, 'offer_escalation'] / n:6.1%}")


if __name__ == "__main__":
    main()
