"""The tone model and how the sentiment detector weighs it: ordinary words of frustration need an angry tone to
escalate, tone alone is an offer, a negative score that the tone model does not read as anger is not a signal, and
a wish to complain, an insult aimed at us or strong words ("useless", "fed up") escalate whatever the tone."""
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from warmline import Engine
from warmline.config import load_policy
from warmline.config.load import check_text, default_text
from warmline.core.engine import decide
from warmline.core.model import Customer, Message
from warmline.core.state import ConversationState, after_other_message
from warmline.scorers import linear, tone
from conftest import MONDAY_10, split_labelled
from test_semantic import needs_model

ROOT = Path(__file__).resolve().parents[1]


def turn(policy, text: str, anger: float | None, state: ConversationState | None = None):
    semantic = {"anger": (anger, "tone model"), "routine": (0.1, "hello")} if anger is not None else None
    decision, _ = decide(policy, state or ConversationState(), conversation_id="t", index=0,
                         message=Message("customer", text), draft=None, customer=Customer(plan="pro"),
                         now=MONDAY_10, semantic=semantic)
    return decision


@pytest.fixture(scope="module")
def policy():
    return load_policy()


def test_ordinary_words_of_frustration_escalate_only_in_an_angry_tone(policy):
    text = "that was the worst trade of the season, an awful decision"
    calm = turn(policy, text, anger=0.05)
    assert calm.action == "offer_escalation" and list(calm.triggers) == ["negative_sentiment"]
    assert "words of frustration" in calm.trace["signals"]["negative_sentiment"]["detail"]
    angry = turn(policy, text, anger=0.6)
    assert angry.action == "escalate" and "frustration" in angry.triggers
    # without the model the words decide on their own, as before
    assert "frustration" in turn(policy, text, anger=None).triggers


def test_an_angry_tone_without_any_angry_word_is_an_offer(policy):
    text = "I have asked you for the same thing every day this week"
    assert turn(policy, text, anger=0.1).action == "respond"
    d = turn(policy, text, anger=0.75)
    assert d.action == "offer_escalation" and list(d.triggers) == ["negative_sentiment"]
    assert "angry tone 0.75" in d.trace["signals"]["negative_sentiment"]["detail"]
    assert d.trace["measures"]["sentiment_features"]["tone"] == 0.75


def test_sadness_is_not_read_as_anger(policy):
    text = "I failed my exam again and I feel so sad and lonely"
    assert list(turn(policy, text, anger=None).triggers) == ["negative_sentiment"]   # VADER alone: very negative
    assert "negative_sentiment" not in turn(policy, text, anger=0.05).triggers
    assert "negative_sentiment" in turn(policy, text, anger=0.4).triggers


@pytest.mark.parametrize("text", ["I was told it would be fixed by Monday and here we are on Thursday",
                                  "I've been transferred five times and every person tells me something different",
                                  "three emails and not a single reply"])
def test_a_problem_that_goes_on_although_we_were_asked_is_a_grievance(policy, text):
    d = turn(policy, text, anger=0.02)
    assert {"negative_sentiment", "frustration"} & set(d.triggers)
    assert "a problem that goes on" in d.reasons[0].detail
    # either half alone is an ordinary message
    assert not {"negative_sentiment", "frustration"} & set(turn(policy, "I was told to restart the router",
                                                                 anger=0.02).triggers)
    assert not {"negative_sentiment", "frustration"} & set(turn(policy, "can you send the code again",
                                                                 anger=0.02).triggers)


def test_negativity_about_our_product_or_service_is_about_us(policy):
    # the tone model reads little anger in a plain product complaint; the service context lifts its gate
    for text in ("the blender I ordered broke after two days, really poor quality",
                 "I'm really upset, my order was wrong again"):
        assert {"negative_sentiment", "frustration"} & set(turn(policy, text, anger=0.04).triggers), text
    assert "frustration" in turn(policy, "I'm really upset, my order was wrong again", anger=0.04).triggers


def test_after_the_bot_has_answered_negativity_is_about_the_conversation(policy):
    _, state = decide(policy, ConversationState(), conversation_id="t", index=0,
                      message=Message("customer", "where is my parcel?"), draft=None, customer=Customer(plan="pro"),
                      now=MONDAY_10)
    state = after_other_message(state, Message("bot", "It is on its way and should arrive this week."))
    reply = "that is so sad, I needed it for my daughter's birthday and now she will cry"
    assert not {"negative_sentiment", "frustration"} & set(turn(policy, reply, anger=0.05).triggers)
    assert {"negative_sentiment", "frustration"} & set(turn(policy, reply, anger=0.05, state=state).triggers)


@pytest.mark.parametrize("text", ["I want to file a complaint against your company",
                                  "how do I lodge a formal complaint?",
                                  "where can I make a consumer reclamation against your business",
                                  "you are useless idiots", "Honestly, your bot is useless",
                                  "I'm fed up, nobody cares about my order"])
def test_a_complaint_an_insult_or_strong_words_escalate_whatever_the_tone(policy, text):
    d = turn(policy, text, anger=0.01)
    assert d.action == "escalate" and "frustration" in d.triggers


@pytest.mark.parametrize("text", ["where do I check what damn shipping options I have?",
                                  "I need help with my fucking invoice from last month"])
def test_swearing_in_an_ordinary_request_is_offered_a_person(policy, text):
    d = turn(policy, text, anger=0.05)
    assert d.action == "offer_escalation" and "negative_sentiment" in d.triggers
    assert turn(policy, "these tacos are fucking delicious", anger=0.01).action == "respond"


@pytest.mark.parametrize("text", ["I have no complaints, it works well now", "how do I file a claim on my insurance",
                                  "can I claim a refund for a late delivery?"])
def test_what_only_looks_like_a_complaint_is_not_one(policy, text):
    assert "frustration" not in turn(policy, text, anger=0.05).triggers


def test_fit_learns_a_boundary_that_holds_on_unseen_rows():
    rng = np.random.default_rng(7)
    direction = rng.normal(size=384)

    def rows(n):
        x = rng.normal(size=(n, 384)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        return x, x @ direction > 1.0   # about 1 row in 6 is positive, as with anger in chat text

    x, y = rows(4000)
    weights, bias = linear.fit(x, y, l2=10.0)
    model = tone.ToneModel(weights, bias, {})
    unseen, truth = rows(2000)
    predicted = model.probability(unseen) >= 0.5
    assert 0.05 < truth.mean() < 0.3 and (predicted == truth).mean() > 0.93
    assert (predicted & truth).sum() / truth.sum() > 0.6


def test_balanced_fit_finds_a_rare_class_that_a_plain_fit_gives_up_on():
    """A probe learns from a trigger's few dozen exemplars against hundreds of others: weighted to balance, it
    still finds the rare class; unweighted, it mostly predicts the majority."""
    rng = np.random.default_rng(11)
    direction = rng.normal(size=384)

    def rows(n):
        x = rng.normal(size=(n, 384)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        return x, x @ direction > 2.0   # about 1 row in 50 is positive

    x, y = rows(3000)
    unseen, truth = rows(4000)
    recall = {}
    for balanced in (False, True):
        weights, bias = linear.fit(x, y, l2=10.0, balanced=balanced)
        predicted = linear.probability(unseen, weights, bias) >= 0.5
        recall[balanced] = (predicted & truth).sum() / truth.sum()
    assert 0.01 < truth.mean() < 0.04
    assert recall[False] < 0.1 and recall[True] > 0.35, recall


def test_a_tone_model_round_trips_and_bad_files_are_refused(tmp_path):
    model = tone.ToneModel(np.linspace(-1, 1, 384, dtype=np.float32), -2.5,
                           {"trained_on": {"sources": ["mine:train"]}, "l2": 1.0})
    path = tmp_path / "tone.json"
    path.write_text(model.to_json())
    again = tone.load(path)
    assert again.trained_on.sources == ("mine:train",) and abs(again.bias + 2.5) < 1e-6
    assert np.allclose(again.weights, model.weights, atol=1e-6)
    for content, words in ((b"{", "cannot read"), (b'{"format": "other"}', "not a tone model"),
                           (json.dumps({**json.loads(path.read_text()), "weights": [0.1] * 10}).encode(),
                            "384 weights")):
        path.write_bytes(content)
        with pytest.raises(tone.ToneModelError, match=words):
            tone.load(path)


def test_the_builtin_model_says_where_it_was_trained():
    model = tone.load()
    assert model.weights.shape == (384,)
    assert model.trained_on and all(":" in s for s in model.trained_on.sources)
    assert model.meta["trained_on"]["positives"] > 1000


def test_the_policy_names_a_tone_model_file_or_turns_it_off(tmp_path):
    text = default_text().replace("tone_model: builtin ", "tone_model: none.json ")
    problems = check_text(text, str(tmp_path / "policy.yaml"))
    assert [p.path for p in problems] == ["semantic.tone_model"]
    assert "cannot read" in problems[0].message and "train-tone" in problems[0].hint
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(default_text().replace("tone_model: builtin ", "tone_model: off "))
    assert load_policy(policy_file).semantic.tone_model is None


@needs_model
def test_the_engine_feeds_the_tone_model_into_decisions(tmp_path):
    engine = Engine(semantic=True)
    assert "tone model built-in" in engine.semantic_status
    [scores] = engine.semantic_scores(["this is the third time I am asking and nobody ever answers me"])
    assert 0.0 <= scores["anger"][0] <= 1.0
    calm = engine.semantic_scores(["could you tell me what time the store opens on saturday"])[0]["anger"][0]
    assert scores["anger"][0] > calm
    off = tmp_path / "policy.yaml"
    off.write_text(default_text().replace("tone_model: builtin ", "tone_model: off "))
    quiet = Engine(load_policy(off), semantic=True)
    assert "tone model off" in quiet.semantic_status
    assert "anger" not in quiet.semantic_scores(["this is the third time I am asking, nobody answers"])[0]


@needs_model
def test_train_tone_writes_a_model_the_policy_can_use(tmp_path):
    import subprocess
    import sys
    data = tmp_path / "labelled.jsonl"
    rows = split_labelled(ROOT / "tests" / "data" / "own_cases.jsonl", data, 3)
    out = tmp_path / "models" / "tone.json"
    out.parent.mkdir()
    run = subprocess.run([sys.executable, "-m", "warmline", "train-tone", str(data), "-o", str(out),
                          "-s", "ours:train"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    trained = tone.load(out)
    positives = sum(1 for i, row in enumerate(rows)
                    if i % 3 and row["category"] == "frustration" and row["strength"] == "positive")
    assert trained.meta["trained_on"]["positives"] == positives and trained.trained_on.sources == ("ours:train",)
    assert trained.meta["trained_on"]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    # the policy names it relative to itself; eval then reports the rows it was not trained on apart
    policy = tmp_path / "policy.yaml"
    policy.write_text(default_text().replace("tone_model: builtin ", "tone_model: models/tone.json "))
    engine = Engine(load_policy(policy), semantic=True)
    assert "ours:train" in engine.trained_on().sources and str(out) in engine.semantic_status
    report = subprocess.run([sys.executable, "-m", "warmline", "eval", str(data), "-c", str(policy), "--format",
                             "json"], capture_output=True, text=True, timeout=300)
    held = json.loads(report.stdout)["held_out"]
    assert held["rows"] == sum(1 for i in range(len(rows)) if i % 3 == 0)
    # bad input is refused with the reason, and nothing is written
    bad = subprocess.run([sys.executable, "-m", "warmline", "train-tone", str(data), "-o", str(tmp_path / "x.json"),
                          "-s", "nothing:"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "positives and negatives" in bad.stderr
    assert not (tmp_path / "x.json").exists()
