"""Golden transcripts: the example conversations' decisions and traces are pinned. A change in behaviour shows
up as a diff here; regenerate on purpose with WARMLINE_UPDATE_GOLDEN=1 and review the diff."""
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "examples.jsonl"


def test_examples_match_their_golden_decisions_and_traces(engine):
    from warmline.transcripts import read
    produced = []
    for _line, conversation in read(ROOT / "examples" / "transcripts.jsonl"):
        produced += [json.loads(json.dumps(d.as_dict(explain=True), default=str))
                     for d in engine.evaluate(conversation)]
    if os.environ.get("WARMLINE_UPDATE_GOLDEN"):
        GOLDEN.write_text("".join(json.dumps(d, sort_keys=True) + "\n" for d in produced))
    expected = [json.loads(line) for line in GOLDEN.read_text().splitlines()]
    assert len(produced) == len(expected)
    for got, want in zip(produced, expected):
        assert got == want, f"{got['conversation_id']} turn {got['turn']} changed"


def test_golden_examples_cover_the_default_policy():
    decisions = [json.loads(line) for line in GOLDEN.read_text().splitlines()]
    actions = {d["action"] for d in decisions}
    assert actions == {"respond", "respond_with_check", "offer_escalation", "escalate", "with_human"}
    queues = {d["handoff"]["queue"] for d in decisions if d["handoff"]}
    assert {"support", "billing", "sales", "retention", "security", "vip"} <= queues
    assert any(d["handoff"] and d["handoff"]["after_hours"] for d in decisions)


BRIEFINGS = Path(__file__).parent / "golden" / "briefings.md"


def test_briefings_of_the_escalated_examples_are_pinned(engine):
    """The Markdown briefing (what a helpdesk note shows) of every example conversation that escalated."""
    from warmline.core.briefing import build, to_markdown
    from warmline.transcripts import read
    produced = []
    for _line, conversation in read(ROOT / "examples" / "transcripts.jsonl"):
        decided = [json.loads(json.dumps(d.as_dict(explain=True), default=str)) for d in engine.evaluate(conversation)]
        escalation = next((d for d in decided if d["action"] == "escalate"), None)
        if escalation is None:
            continue
        briefing = build(conversation.id, conversation.messages, decided, conversation.customer,
                         escalation["handoff"], escalation["trace"]["measures"]["segment"])
        produced.append(f"## {conversation.id}\n\n{to_markdown(briefing)}")
    text = "\n".join(produced)
    if os.environ.get("WARMLINE_UPDATE_GOLDEN"):
        BRIEFINGS.write_text(text)
    assert len(produced) >= 10
    assert text == BRIEFINGS.read_text(), "a briefing changed: regenerate with WARMLINE_UPDATE_GOLDEN=1, review the diff"
