"""The `warmline` command end to end, as a support lead runs it."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "transcripts.jsonl"


def warmline(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "warmline", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_replay_writes_one_decision_per_customer_turn_and_a_summary():
    result = warmline("replay", EXAMPLES)
    assert result.returncode == 0, result.stderr
    decisions = [json.loads(line) for line in result.stdout.splitlines()]
    conversations = [json.loads(line) for line in EXAMPLES.read_text().splitlines()]
    customer_turns = sum(1 for c in conversations for m in c["messages"] if m["role"] == "customer")
    assert len(decisions) == customer_turns
    assert set(decisions[0]) == {"conversation_id", "turn", "action", "triggers", "reasons", "sentiment",
                                 "handoff", "reply"}
    escalated = sum(d["action"] == "escalate" for d in decisions)
    assert f"({escalated})" in result.stderr and "escalation rate" in result.stderr
    assert "by queue" in result.stderr or "queue" in result.stderr


def test_replay_explain_adds_the_trace():
    result = warmline("replay", EXAMPLES, "--explain")
    first = json.loads(result.stdout.splitlines()[0])
    assert {"signals", "rules", "precedence", "measures"} <= set(first["trace"])


def test_malformed_line_stops_the_run_with_its_line_number(tmp_path):
    good = EXAMPLES.read_text().splitlines()[0]
    path = tmp_path / "t.jsonl"
    path.write_text(good + "\n" + '{"id": "x", "messages": [' + "\n" + good + "\n")
    result = warmline("replay", path)
    assert result.returncode == 2
    assert "line 2: malformed JSON" in result.stderr
    assert "--skip-invalid" in result.stderr


def test_skip_invalid_counts_and_continues(tmp_path):
    good = EXAMPLES.read_text().splitlines()[0]
    path = tmp_path / "t.jsonl"
    path.write_bytes((good + "\n").encode() + b"\xff\xfe\x00binary\n" + b'{"id": 1, "messages": [{"role": "x"}]}\n'
                     + (good + "\n").encode())
    result = warmline("replay", path, "--skip-invalid")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 4  # two conversations of two customer turns
    assert "invalid lines skipped" in result.stderr and "│ 2" in result.stderr


def test_hostile_lines_are_refused_precisely(tmp_path):
    good = EXAMPLES.read_text().splitlines()[0]
    path = tmp_path / "t.jsonl"
    huge = json.dumps({"id": "big", "messages": [{"role": "customer", "text": "x" * 200_000}]})
    path.write_text("\n".join([good, "[" * 100_000, huge, good]) + "\n")
    result = warmline("replay", path)
    assert result.returncode == 2 and "line 2: JSON nested too deeply" in result.stderr
    result = warmline("replay", path, "--skip-invalid")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 4 and "invalid lines skipped" in result.stderr


def test_unknown_field_names_the_field(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": "x", "messages": [{"role": "customer", "txt": "hi"}]}\n')
    result = warmline("replay", path)
    assert result.returncode == 2 and "unknown field 'txt'" in result.stderr


def test_replay_with_a_config_and_text_format(tmp_path):
    from warmline.config import default_text
    config = tmp_path / "p.yaml"
    config.write_text(default_text().replace("amount: 100 ", "amount: 1000 "))
    result = warmline("replay", EXAMPLES, "--config", config, "--format", "text")
    assert result.returncode == 0
    assert "billing-dispute-over-100" not in result.stdout and "escalate to" in result.stdout


def test_check_config_ok_and_bad(tmp_path):
    from warmline.config import default_text
    good = tmp_path / "good.yaml"
    good.write_text(default_text())
    ok = warmline("check-config", good)
    assert ok.returncode == 0 and "OK" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(default_text().replace("    on: human_request\n", "    on: asked_for_humans\n", 1))
    result = warmline("check-config", bad)
    assert result.returncode == 1
    line = default_text()[:default_text().index("    on: human_request")].count("\n") + 1
    assert (f"rules[0].on (line {line}): unknown trigger 'asked_for_humans' (did you mean 'human_request'?)"
            in result.stderr)


def test_replay_refuses_a_bad_config(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\n")
    result = warmline("replay", EXAMPLES, "--config", bad)
    assert result.returncode == 2 and "refused whole" in result.stderr


def test_routes_prints_the_tree_and_where_a_turn_lands():
    result = warmline("routes", "--trigger", "billing", "--strong", "--customer", "plan=pro")
    assert result.returncode == 0, result.stderr
    assert "compliance" in result.stdout and "retention" in result.stdout  # the tree
    assert "queue    billing via root/billing" in result.stdout
    vip = warmline("routes", "--trigger", "billing", "--customer", "plan=enterprise")
    assert "queue    vip via root/vip" in vip.stdout


def test_routes_rejects_unknown_triggers():
    result = warmline("routes", "--trigger", "biling")
    assert result.returncode == 2 and "unknown trigger 'biling'" in result.stderr


@pytest.mark.parametrize("args", [["replay", "/nonexistent.jsonl"], ["replay", EXAMPLES, "--format", "xml"]])
def test_usage_errors(args):
    assert warmline(*args).returncode == 2


def test_replay_reads_a_yaml_list_of_conversations(tmp_path):
    import yaml
    conversations = [json.loads(line) for line in EXAMPLES.read_text().splitlines()[:3]]
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(conversations))
    result = warmline("replay", path)
    assert result.returncode == 0, result.stderr
    assert {json.loads(line)["conversation_id"] for line in result.stdout.splitlines()} == {
        c["id"] for c in conversations}
