"""Policy files: the default is valid and complete; every bad file is refused whole with path, line and hint."""
import pytest

from warmline import ConfigError, Engine
from warmline.config import check_text, default_text, load_policy
from warmline.core.policy import BUILTIN_TRIGGERS

BASE = default_text()


def problems(text):
    return [str(p) for p in check_text(text, "policy.yaml")]


def test_default_policy_is_valid_and_covers_every_builtin_trigger():
    assert problems(BASE) == []
    policy = load_policy()
    covered = {r.on for r in policy.rules} | {r.trigger for r in policy.rules}
    assert set(BUILTIN_TRIGGERS) - covered <= {"stalled", "vip", "at_risk"}  # stalled is the service's timer;
    # vip and at_risk act through precedence and routing, not rules of their own


def test_default_hours_match_the_design():
    policy = load_policy()
    business = policy.queues["support"].calendar
    assert business.timezone == "UTC" and business.hours[0][0][0].hour == 9 and business.hours[4][0][1].hour == 18
    assert business.hours[5] == () and business.hours[6] == ()
    assert policy.queues["security"].calendar.always_open


def line_of(text: str, offset: int = 0) -> int:
    """The line of the policy where `text` starts (plus offset), so the tests survive edits of the default."""
    return BASE[:BASE.index(text)].count("\n") + 1 + offset


# (text in the default, its replacement, the exact problem, where the problem points relative to that text)
BAD = [
    ("    on: human_request\n", "    on: asked_for_humans\n",
     "rules[0].on (line {line}): unknown trigger 'asked_for_humans' (did you mean 'human_request'?)", 0),
    ("    priority: medium\n    say: handoff\n", "    priorty: medium\n    say: handoff\n",
     "rules[0].priorty (line {line}): unknown key 'priorty' (did you mean 'priority'?)", 0),
    ("action: escalate", "action: escalte",
     "rules[0].action (line {line}): 'escalte' is not one of respond, respond_with_check, offer_escalation, "
     "escalate (did you mean 'escalate'?)", 0),
    ("when: signals.billing.strong", "when: signal.billing.strong",
     "rules[9].when (line {line}): invalid CEL condition: unknown variable 'signal'; conditions can use "
     "confidence, counts, customer, facts, primary, priority, segment, sentiment, signals, thresholds, triggers "
     "(did you mean 'signals'?)", 0),
    ("when: signals.churn.count < thresholds.persistent_churn_turns",
     "when: signals.churn.count < thresholds.persistent_churn",
     "rules[14].when (line {line}): invalid CEL condition: unknown threshold 'thresholds.persistent_churn'; "
     "thresholds are: amount, confidence, failed_payments, fallback_offer_strike, fallback_strikes, "
     "long_conversation_turns, not_helpful, persistent_churn_turns, refund_window_days, repeat_similarity, "
     "repeated_question, sentiment, stalled_s (see the thresholds section of the policy)", 0),
    ("      queue: compliance", "      queue: complience",
     "routes.routes[1].queue (line {line}): unknown queue 'complience' (did you mean 'compliance'?)", 0),
    ("timezone: UTC", "timezone: Europe/Berlinn",
     "calendars.business.timezone (line {line}): unknown time zone 'Europe/Berlinn' (did you mean "
     "'Europe/Berlin'?)", 0),
    ('mon: ["09:00-18:00"]', 'mon: ["18:00-09:00"]',
     "calendars.business.hours (line {line}): mon: '18:00-09:00' is not an interval like '09:00-12:30' "
     "(start before end)", -1),
    ("check: Did this help?", "check: Did this help {{ custmer.name }}?",
     "messages.check (line {line}): template error: 'custmer' is undefined (variables: alternatives, customer, "
     "follow_up, next_open, queue, team, wait, wait_s)", 0),
    ("say: handoff_care", "say: handof_care",
     "rules[2].say (line {line}): unknown message 'handof_care' (did you mean 'handoff_care'?)", 0),
    ("    overflow: support        #", "    overflow: suport        #",
     "queues.billing.overflow (line {line}): 'suport' is not another queue (did you mean 'support'?)", 0),
    ("version: 1", "version: 2",
     "version (line {line}): unsupported policy version 2; this Warmline reads version 1", 0),
    ("version: 1", "version: 1\n  bad: [",
     "(top level) (line {line}): invalid YAML: mapping values are not allowed here "
     "(check indentation and quoting around this line)", 1),
]


@pytest.mark.parametrize("old,new,expected,offset", BAD, ids=[case[2].split(" (")[0] for case in BAD])
def test_bad_policies_are_reported_exactly(old, new, expected, offset):
    assert old in BASE
    assert problems(BASE.replace(old, new, 1)) == [expected.format(line=line_of(old, offset))]


def test_cel_syntax_errors_give_line_and_column():
    [problem] = problems(BASE.replace("when: signals.billing.strong", "when: signals.billing.strong &&"))
    line = line_of("when: signals.billing.strong")
    assert problem.startswith(f"rules[9].when (line {line}): invalid CEL condition: Syntax error")
    assert "at 1:26" in problem


def test_every_problem_is_reported_at_once():
    shape = BASE.replace("action: escalate", "action: escalte", 1).replace("say: handoff\n", "sey: handoff\n", 1)
    assert len(problems(shape)) == 2
    # references are checked once the shape is valid, again all of them
    references = BASE.replace("queue: compliance", "queue: x").replace("say: handoff_care", "say: y", 1)
    assert len(problems(references)) == 2


def test_a_bad_policy_is_refused_whole(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(BASE.replace("    on: human_request\n", "    on: asked_for_humans\n", 1))
    with pytest.raises(ConfigError) as err:
        Engine(path)
    assert "refused whole" in err.value.message
    assert err.value.as_dict()["error"]["problems"][0]["path"] == "rules[0].on"


def test_yaml_words_on_and_no_stay_strings():
    # YAML 1.1 would read `on:` as True and "no" as False; policies use YAML 1.2 booleans
    policy = load_policy()
    assert policy.rules[0].on == "human_request"
    assert "no" in policy.matcher.specs["negators"].phrases


def test_missing_file_and_non_mapping():
    with pytest.raises(ConfigError, match="file not found"):
        load_policy("/nonexistent/policy.yaml")
    assert problems("- just\n- a list\n") == [
        "(top level) (line 1): the policy must be a mapping with version, lexicons, rules, ... "
        "(start from src/warmline/config/default.yaml)"]


def test_a_config_can_add_its_own_trigger(tmp_path):
    lexicon = "  shipping_damage:\n    phrases: [arrived broken, box was crushed]\n\n"
    text = BASE.replace("  # --- auxiliary lexicons", lexicon + "  # --- auxiliary lexicons").replace(
        "  - id: long-conversation", "  - id: damaged-delivery\n    on: shipping_damage\n    action: escalate\n"
        "    priority: high\n    say: handoff\n\n  - id: long-conversation")
    path = tmp_path / "p.yaml"
    path.write_text(text)
    session = Engine(path).session("c", {"plan": "pro"})
    from conftest import MONDAY_10
    d = session.customer_turn("the lamp arrived broken", now=MONDAY_10)
    assert d.action == "escalate" and d.reasons[0].rule == "damaged-delivery"


def test_known_words_must_be_single_words_and_stop_corrections(tmp_path):
    text = BASE.replace("    phrases: [onboarding, onboard,", "    phrases: [Acme Refundr, onboarding, onboard,")
    found = problems(text)
    assert len(found) == 1 and "lexicons.known_words.phrases[0]" in found[0] and "not one word" in found[0]
    # a product name one edit from "refund" is read as a typo of it until the team lists it
    named = tmp_path / "policy.yaml"
    assert "billing" in Engine(semantic=False).session("a").customer_turn("how do I set up refundr").triggers
    named.write_text(BASE.replace("    phrases: [onboarding, onboard,", "    phrases: [refundr, onboarding, onboard,"))
    assert "billing" not in Engine(load_policy(named), semantic=False).session("a").customer_turn(
        "how do I set up refundr").triggers


def test_the_default_policy_lists_no_phrase_twice():
    """"don't renew" and "do not renew" fold to the same phrase: a second entry only makes the policy longer to
    review and hides which entry a change should touch."""
    import yaml
    from collections import Counter
    from warmline.core.text import normalise_phrase
    lexicons = yaml.safe_load(default_text())["lexicons"]
    repeated = {}
    for name, lexicon in lexicons.items():
        for key in ("phrases", "strong", "alone", "except", "unless", "not_about"):
            counts = Counter(normalise_phrase(str(p)) for p in lexicon.get(key) or [])
            if twice := sorted(p for p, n in counts.items() if n > 1):
                repeated[f"{name}.{key}"] = twice
    assert repeated == {}
