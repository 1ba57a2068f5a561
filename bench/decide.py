"""Benchmark: the full default decision pipeline against a keyword + VADER baseline, in the same run.

    .venv/bin/python bench/decide.py [--conversations 3000] [--seed 7]

Generates realistic multi-turn support conversations (routine questions, paraphrased triggers, bot drafts with
confidences and fallbacks, profiles from free to enterprise), then measures on one core:
  - replay throughput: JSONL in -> decisions as JSONL out, exactly what `warmline replay` does;
  - per-turn latency percentiles of the core decision;
  - the baseline: substring matching of the seeds' keyword lists plus VADER on every customer message.
Machines here are noisy, so the figure that matters is the ratio printed at the end.
"""
from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from warmline import Engine
from warmline.core.engine import decide
from warmline.core.state import ConversationState, after_other_message
from warmline.transcripts import read

ROUTINE = [
    "how do I reset my password", "where can I download my invoice for {month}", "can I change my shipping address",
    "what are your opening hours", "how do I add a teammate to my workspace", "is there a dark mode",
    "my order {order} has not arrived yet, where is it", "how do I export my data to csv",
    "can I pay with paypal", "what is your refund policy?", "how long does delivery take to {city}",
    "cancel the order I just placed please", "how do I update my card details", "where do I find the API key",
]
TRIGGERS = [
    "I want to talk to a real person", "is there an actual human I can speak with?", "agent",
    "I was charged ${amount} twice this month", "you took money from my card two times",
    "I think my account was hacked, someone logged in from {city}", "please delete all my data, GDPR request",
    "my lawyer will be in touch about this", "I want to cancel my subscription, it's too expensive",
    "do you offer enterprise pricing for 200 seats?", "this is RIDICULOUS, NOTHING WORKS!!!",
    "whatever, forget it", "this is f*cking useless", "I'm locked out and lost my 2FA phone",
    "it's an emergency, my account is blocking payroll", "I want a refund for order {order} from {date}",
]
DRAFTS = [
    ("Sure, here's how: open Settings and follow the steps.", 0.93, False),
    ("I think this is under Billing > Invoices.", 0.72, False),
    ("You might find it in the help center.", 0.52, False),
    ("I'm not sure about that.", 0.31, False),
    ("Sorry, I didn't understand. Try: Orders, Billing, Account.", 0.1, True),
    ("Good news, I have issued a full refund to your card.", 0.88, False),
]
PLANS = ["free", "trial", "pro", "pro", "business", "enterprise"]
CITIES = ["Lisbon", "Denver", "Osaka", "Nairobi", "Leeds"]


def fill(template: str, rng: random.Random) -> str:
    return template.format(month=rng.choice(["March", "June", "October"]), order=rng.randint(100000, 999999),
                           city=rng.choice(CITIES), amount=rng.choice([40, 90, 150, 420]),
                           date=rng.choice(["2026-01-10", "2026-10-30"]))


def corpus(n: int, seed: int, unique: bool = False) -> list[dict]:
    """`unique`: every customer message differs (a reference number), so no embedding comes from the cache."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 2, 7, 0, tzinfo=timezone.utc)
    conversations = []
    for i in range(n):
        at = start + timedelta(minutes=rng.randint(0, 60 * 24 * 6))
        messages = []
        for _turn in range(rng.randint(1, 6)):
            pool = TRIGGERS if rng.random() < 0.25 else ROUTINE
            text = fill(rng.choice(pool), rng)
            if unique:
                text += f" (ref {len(conversations)}-{len(messages)})"
            messages.append({"role": "customer", "text": text, "at": at.isoformat()})
            text, confidence, fallback = rng.choice(DRAFTS)
            if rng.random() < 0.5:  # generated drafts vary; canned answers repeat (and are memoised)
                text = f"{text} Your reference is {rng.randint(10_000, 99_999)}, {rng.choice(CITIES)} team."
            at += timedelta(seconds=rng.randint(2, 90))
            messages.append({"role": "bot", "text": text, "confidence": confidence, "fallback": fallback,
                             "at": at.isoformat()})
        customer = {"id": f"u-{i}", "plan": rng.choice(PLANS), "tags": ["at_risk"] if rng.random() < 0.05 else []}
        conversations.append({"id": f"c-{i}", "customer": customer, "messages": messages})
    return conversations


SEED_KEYWORDS = [
    "enterprise pricing", "custom quote", "bulk discount", "demo", "upgrade my plan", "overcharged", "double billed",
    "incorrect invoice", "payment failed", "gdpr", "ccpa", "data deletion", "opt-out", "privacy rights", "hacked",
    "breach", "unauthorized access", "security incident", "phishing", "lawsuit", "attorney", "litigation", "suing",
    "legal action", "cancel subscription", "close account", "terminate service", "stop auto-renewal",
    "considering competitors", "switching to", "too expensive", "poor roi", "frustrated", "useless",
    "waste of time", "ridiculous", "nothing works", "emergency", "urgent", "asap", "dying", "immediate help",
    "talk to a human", "speak to someone", "real person", "agent", "representative", "manager", "human",
]


def baseline(path: Path) -> tuple[int, float]:
    analyzer = SentimentIntensityAnalyzer()
    turns, t0 = 0, time.perf_counter()
    out = io.StringIO()
    with path.open() as handle:
        for line in handle:
            conversation = json.loads(line)
            for m in conversation["messages"]:
                if m["role"] != "customer":
                    continue
                text = m["text"].lower()
                hits = [k for k in SEED_KEYWORDS if k in text]
                score = analyzer.polarity_scores(m["text"])["compound"]
                action = "escalate" if hits or score < -0.5 else "respond"
                out.write(json.dumps({"turn": turns, "action": action, "triggers": hits}) + "\n")
                turns += 1
    return turns, time.perf_counter() - t0


def replay(engine: Engine, path: Path) -> tuple[int, float]:
    turns, t0 = 0, time.perf_counter()
    out = io.StringIO()
    for _line, _conversation, decisions in engine.iter_many(read(path)):
        turns += len(decisions)
        out.write("".join(json.dumps(d.as_dict(), ensure_ascii=False, default=str) + "\n" for d in decisions))
    return turns, time.perf_counter() - t0


def latencies(engine: Engine, path: Path, limit: int | None = None) -> list[float]:
    """Per customer turn, one at a time as a live bot calls it: semantic scoring (when on) plus the decision."""
    samples = []
    for _line, conv in read(path):
        if limit is not None and len(samples) >= limit:
            break
        state = ConversationState()
        for i, message in enumerate(conv.messages):
            if message.role != "customer":
                state = after_other_message(state, message)
                continue
            nxt = conv.messages[i + 1] if i + 1 < len(conv.messages) else None
            draft = nxt if nxt is not None and nxt.role == "bot" else None
            t0 = time.perf_counter_ns()
            [scores] = engine.semantic_scores([message.text])
            _, state = decide(engine.policy, state, conversation_id=conv.id, index=i, message=message, draft=draft,
                              customer=conv.customer, now=message.at, semantic=scores)
            samples.append((time.perf_counter_ns() - t0) / 1e6)
    return samples


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--semantic", action="store_true",
                        help="with the semantic layer (default: lexicons only, the core's own speed)")
    args = parser.parse_args()
    engine = Engine(semantic=args.semantic)
    if args.semantic and engine.scorer is None:
        raise SystemExit(f"the semantic layer is {engine.semantic_status}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.jsonl"
        path.write_text("".join(json.dumps(c) + "\n" for c in corpus(args.conversations, args.seed, args.semantic)))
        if not args.semantic:
            replay(engine, path)  # warm caches (typo corrections, holiday tables) as a long-running replay would
        base, full = [], []
        for _ in range(args.rounds if not args.semantic else 1):  # interleaved: both see the same machine noise
            turns, seconds = baseline(path)
            base.append(turns / seconds)
            turns, seconds = replay(engine, path)
            full.append(turns / seconds)
        if args.semantic:  # the same texts again would come from the cache: measure on a fresh corpus
            path.write_text("".join(json.dumps(c) + "\n" for c in corpus(args.conversations, args.seed + 1, True)))
        lat = latencies(engine, path, limit=1000 if args.semantic else None)
    b, f = statistics.median(base), statistics.median(full)
    print(f"corpus: {args.conversations} conversations, {turns} customer turns (seed {args.seed})")
    print(f"baseline (seed keywords + VADER):  {b:10,.0f} turns/s")
    mode = f"with the semantic layer, {engine.scorer.model.backend}" if args.semantic else "lexicons only"
    print(f"warmline replay ({mode}): {f:10,.0f} turns/s")
    print(f"ratio warmline / baseline:         {f / b:10.2f}")
    print(f"per-turn decision latency: p50 {percentile(lat, .5):.3f} ms  p90 {percentile(lat, .9):.3f} ms  "
          f"p99 {percentile(lat, .99):.3f} ms  max {max(lat):.3f} ms")
    if args.semantic:
        print(f"targets with the semantic layer: >= 300 turns/s batched: {'met' if f >= 300 else 'NOT met'}; "
              f"p50 <= 15 ms per turn: {'met' if percentile(lat, .5) <= 15 else 'NOT met'}")
    else:
        print(f"targets: >= 5,000 turns/s: {'met' if f >= 5000 else 'NOT met'}; "
              f"p99 < 1 ms: {'met' if percentile(lat, .99) < 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
