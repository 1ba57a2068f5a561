"""The probe model: probes trained offline on labelled phrasings read incidents and requests that the policy's
exemplars alone do not; model files are checked when the policy loads; `warmline train-probes` writes one that a
policy can use, and `warmline eval` then reports the rows it never saw apart."""
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from warmline import Engine
from warmline.config import load_policy
from warmline.config.load import check_text, default_text
from warmline.scorers import linear, probes
from conftest import MONDAY_10, split_labelled
from test_semantic import needs_model

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
FITTED_ON_EXEMPLARS = default_text().replace("probe_model: builtin", "probe_model: exemplars")


def policy_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


# Written for this test, in no training file: an account used by a stranger told as a plain fact, and a request
# for a person that names a team rather than a person.
@needs_model
@pytest.mark.parametrize("text, trigger", [("somebody has been booking rides on my account at night", "security"),
                                           ("could a member of your claims team phone me today", "human_request")])
def test_the_builtin_probes_read_what_probes_fitted_on_exemplars_miss(tmp_path, text, trigger):
    fitted = Engine(load_policy(policy_file(tmp_path, FITTED_ON_EXEMPLARS)), semantic=True)
    assert "fitted on the exemplars" in fitted.semantic_status
    before = fitted.session("p", {"plan": "pro"}).customer_turn(text, now=MONDAY_10)
    assert before.action == "respond" and trigger not in before.triggers
    engine = Engine(semantic=True)
    assert "built-in probe model" in engine.semantic_status
    after = engine.session("p", {"plan": "pro"}).customer_turn(text, now=MONDAY_10)
    assert after.action == "escalate" and trigger in after.triggers
    assert after.trace["signals"][trigger]["detail"].startswith(f"reads as {trigger} (probe ")
    assert after.trace["measures"]["semantic"][f"probe:{trigger}"] >= engine.policy.semantic.probes[trigger]


@needs_model
@pytest.mark.parametrize("text", ["how do I add my colleague as an admin", "can I get a copy of my last invoice",
                                  "how do I change my delivery address", "when does my contract end"])
def test_routine_requests_that_look_like_a_trigger_stay_routine(engine, text):
    assert engine.session("r", {"plan": "pro"}).customer_turn(text, now=MONDAY_10).action == "respond"


def test_the_builtin_model_says_what_it_learnt_from():
    model = probes.load()
    assert set(load_policy().semantic.probes) <= set(model.heads)
    assert all(w.shape == (384,) for w, _ in model.heads.values())
    trained = model.trained_on
    assert "warmline-own" in trained.sources and trained.negatives_only == ("bitext",)
    assert trained.covers({"source": "bitext", "category": "none", "strength": "negative"})
    assert not trained.covers({"source": "bitext", "category": "churn", "strength": "positive"})
    assert not trained.covers({"source": "clinc150:val", "category": "none", "strength": "negative"})
    assert min(model.meta["trained_on"]["positives"].values()) > 150


def test_a_probe_model_round_trips_and_bad_files_are_refused(tmp_path):
    model = probes.ProbeModel({"churn": (np.linspace(-1, 1, 384, dtype=np.float32), -2.5)},
                              {"trained_on": {"sources": ["mine:train"], "negatives_only": ["theirs"]}})
    path = tmp_path / "probes.json"
    path.write_text(model.to_json())
    again = probes.load(path)
    assert again.trained_on.sources == ("mine:train",) and again.trained_on.negatives_only == ("theirs",)
    assert np.allclose(again.heads["churn"][0], model.heads["churn"][0], atol=1e-6)
    good = json.loads(path.read_text())
    for content, words in (("{", "cannot read"), (json.dumps({**good, "format": "warmline-tone/1"}),
                                                  "not a probe model"),
                           (json.dumps({**good, "probes": {}}), "no probes"),
                           (json.dumps({**good, "probes": {"churn": {"bias": 1, "weights": [0.1] * 10}}}),
                            "probes.churn: expected 384 weights"),
                           (json.dumps({**good, "probes": {"churn": {"bias": 1, "weights": [float("nan")] * 384}}}),
                            "probes.churn: expected 384 weights")):
        path.write_text(content)
        with pytest.raises(probes.ProbeModelError, match=words):
            probes.load(path)


def test_the_policy_names_a_probe_model_and_each_probe_needs_a_source(tmp_path):
    problems = check_text(default_text().replace("probe_model: builtin", "probe_model: none.json"),
                          str(tmp_path / "policy.yaml"))
    assert [p.path for p in problems] == ["semantic.probe_model"]
    assert "cannot read" in problems[0].message and "train-probes" in problems[0].hint
    # a probe for a trigger with neither exemplars nor a probe in the model
    problems = check_text(FITTED_ON_EXEMPLARS.replace("  probes: {human_request: 0.98,",
                                                      "  probes: {refunds: 0.9, human_request: 0.98,"), "policy.yaml")
    assert any(p.path == "semantic.probes.refunds" and "no probe for it" in p.message for p in problems), problems
    assert load_policy(policy_file(tmp_path, FITTED_ON_EXEMPLARS)).semantic.probe_model == "exemplars"


def test_training_rows_leave_out_the_positives_of_routine_only_sources_and_weigh_near_misses():
    rows = [{"text": "charged twice", "category": "billing", "strength": "positive", "source": "ours"},
            {"text": "add an admin", "category": "none", "strength": "negative", "source": "ours"},
            {"text": "refund me", "category": "billing", "strength": "positive", "source": "narrow"},
            {"text": "track my order", "category": "none", "strength": "negative", "source": "narrow"},
            {"text": "maybe a refund", "category": "billing", "strength": "ambiguous", "source": "ours"},
            {"text": "nice weather", "category": "none", "strength": "negative", "source": "elsewhere"}]
    texts, labels, weights = probes.training_rows(rows, ["ours"], ["narrow"], ["ours"])
    assert texts == ["charged twice", "add an admin", "track my order"]
    assert labels == ["billing", "routine", "routine"]
    assert weights == [1.0, probes.NEAR_MISS_WEIGHT, 1.0]
    assert len(probes.training_rows(rows, [], [])[0]) == 5   # every row but the ambiguous one


def test_without_a_source_filter_a_model_records_every_source_it_learnt_from():
    """Trained on every row of a file, a model must not let eval call those rows held out."""
    rows = [{"text": "charged twice", "category": "billing", "strength": "positive", "source": "ours:train"},
            {"text": "add an admin", "category": "none", "strength": "negative", "source": "shop"}]
    chosen = probes.TrainedOn.chosen(rows, [])
    assert chosen.sources == ("ours:train", "shop") and all(chosen.covers(row) for row in rows)
    assert not chosen.covers({"text": "x", "category": "none", "source": "elsewhere"})
    # a row without a source: nothing can be called held out
    assert probes.TrainedOn.chosen(rows + [{"text": "y", "category": "none"}], []).covers({"source": "anything"})
    assert probes.TrainedOn.chosen(rows, ["shop"], ["narrow"]).as_dict() == {"sources": ["shop"],
                                                                            "negatives_only": ["narrow"]}


def test_a_heavier_row_moves_the_boundary_towards_it():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 2))
    y = x[:, 0] > 0
    near = np.flatnonzero((~y) & (x[:, 0] > -0.3))   # negatives close to the boundary
    heavier = np.ones(len(y))
    heavier[near] = 20.0
    probe = np.array([[-0.1, 0.0]])
    plain = linear.probability(probe, *linear.fit(x, y, 10.0, balanced=True))
    weighed = linear.probability(probe, *linear.fit(x, y, 10.0, balanced=True, weights=heavier))
    assert weighed[0] < plain[0]


@needs_model
def test_train_probes_writes_a_model_the_policy_can_use(tmp_path):
    data = tmp_path / "labelled.jsonl"
    rows = split_labelled(DATA / "own_cases_fresh.jsonl", data, 4)
    out = tmp_path / "models" / "probes.json"
    out.parent.mkdir()
    run = subprocess.run([sys.executable, "-m", "warmline", "train-probes", str(data), "-o", str(out),
                          "-s", "ours:train", "-n", "ours:", "-t", "churn", "-t", "security"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    trained = probes.load(out)
    assert set(trained.heads) == {"churn", "security"}
    exemplars = len(load_policy().semantic.exemplars["churn"])
    churn_rows = sum(1 for i, row in enumerate(rows) if i % 4 and row["category"] == "churn"
                     and row["strength"] == "positive")
    assert trained.meta["trained_on"]["positives"]["churn"] == churn_rows + exemplars
    assert trained.meta["trained_on"]["files"][0]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    # the policy names it relative to itself; triggers it has no probe for are fitted on the exemplars
    policy = policy_file(tmp_path, default_text().replace("probe_model: builtin", "probe_model: models/probes.json"))
    engine = Engine(load_policy(policy), semantic=True)
    assert str(out) in engine.semantic_status and "human_request, sales, billing fitted on the exemplars" in \
        engine.semantic_status
    assert "ours:train" in engine.trained_on().sources
    report = subprocess.run([sys.executable, "-m", "warmline", "eval", str(data), "-c", str(policy), "--format",
                             "json"], capture_output=True, text=True, timeout=600)
    held = json.loads(report.stdout)["held_out"]
    assert held["rows"] == sum(1 for i in range(len(rows)) if i % 4 == 0)
    assert "ours:train" in held["trained_on"]["sources"]
    # a trigger without any positive row is refused with the reason, and nothing is written
    bad = subprocess.run([sys.executable, "-m", "warmline", "train-probes", str(data), "-o", str(tmp_path / "x.json"),
                          "-s", "nothing:", "-t", "legal_hold"], capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2 and "no positive rows for legal_hold" in bad.stderr
    assert not (tmp_path / "x.json").exists()
