"""The MiniLM encoder as an ONNX graph, run by onnxruntime.

The same weights and the same arithmetic as the numpy forward pass in `minilm` (GELU in its tanh form, layer norm
over the features, the padding masked by a large negative bias), built in memory from the verified weights when
the model loads (under a second): no model file is downloaded or written. onnxruntime's kernels for the small
matrices of one short message are faster than numpy's BLAS: on this machine a 20-word message took 5.5 ms against
16 ms (README, "Measured"). Without onnxruntime the numpy forward pass runs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

if TYPE_CHECKING:
    from .minilm import NumpyEncoder

OPSET = 20   # LayerNormalization (17) and Gelu with approximate="tanh" (20)


class _Graph:
    """Nodes and weights, added in order."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.weights: list[onnx.TensorProto] = []

    def weight(self, name: str, array: np.ndarray) -> str:
        self.weights.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, kind: str, inputs: list[str], outputs: list[str] | None = None, **attributes) -> str:
        outputs = outputs or [f"{kind.lower()}{len(self.nodes)}"]
        self.nodes.append(helper.make_node(kind, inputs, outputs, **attributes))
        return outputs[0]

    def dense(self, x: str, name: str, weight: np.ndarray, bias: np.ndarray) -> str:
        product = self.op("MatMul", [x, self.weight(name + ".w", weight)])
        return self.op("Add", [product, self.weight(name + ".b", bias)])

    def layer_norm(self, x: str, name: str, norm: tuple[np.ndarray, np.ndarray], eps: float) -> str:
        return self.op("LayerNormalization", [x, self.weight(name + ".w", norm[0]), self.weight(name + ".b", norm[1])],
                       axis=-1, epsilon=eps)


def encoder_model(weights: NumpyEncoder) -> onnx.ModelProto:
    """Inputs: `ids` (batch, tokens) word-piece ids, `positions` (tokens) 0..n-1, `padding` (batch, 1, 1, tokens)
    0 for a token and -1e9 for padding. Output: `hidden` (batch, tokens, 384), before pooling."""
    d = weights.dim
    heads, size = weights.heads, weights.dim // weights.heads
    g = _Graph()
    g.weight("heads_shape", np.array([0, 0, heads, size], dtype=np.int64))
    g.weight("features_shape", np.array([0, 0, d], dtype=np.int64))
    g.weight("qkv_split", np.array([d, d, d], dtype=np.int64))
    g.weight("scale", np.array(1.0 / np.sqrt(size), dtype=np.float32))
    x = g.op("Gather", [g.weight("word", weights.word), "ids"])
    x = g.op("Add", [x, g.op("Gather", [g.weight("position", weights.position), "positions"])])
    x = g.op("Add", [x, g.weight("token_type", weights.token_type)])
    x = g.layer_norm(x, "embeddings", weights.embed_ln, weights.eps)
    for i, (qkv, qkv_b, wo, bo, ln1, wi, bi, wo2, bo2, ln2) in enumerate(weights.blocks):
        name = f"layer{i}"
        q, k, v = (f"{name}.{part}" for part in "qkv")
        g.op("Split", [g.dense(x, name + ".qkv", qkv, qkv_b), "qkv_split"], [q, k, v], axis=-1)
        q = g.op("Transpose", [g.op("Reshape", [q, "heads_shape"])], perm=[0, 2, 1, 3])
        k = g.op("Transpose", [g.op("Reshape", [k, "heads_shape"])], perm=[0, 2, 3, 1])
        v = g.op("Transpose", [g.op("Reshape", [v, "heads_shape"])], perm=[0, 2, 1, 3])
        scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), "scale"]), "padding"])
        context = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        context = g.op("Reshape", [g.op("Transpose", [context], perm=[0, 2, 1, 3]), "features_shape"])
        x = g.layer_norm(g.op("Add", [x, g.dense(context, name + ".out", wo, bo)]), name + ".norm1", ln1, weights.eps)
        inner = g.op("Gelu", [g.dense(x, name + ".inner", wi, bi)], approximate="tanh")
        x = g.layer_norm(g.op("Add", [x, g.dense(inner, name + ".outer", wo2, bo2)]), name + ".norm2", ln2, weights.eps)
    g.op("Identity", [x], ["hidden"])
    graph = helper.make_graph(
        g.nodes, "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("positions", TensorProto.INT64, ["tokens"]),
         helper.make_tensor_value_info("padding", TensorProto.FLOAT, ["batch", 1, 1, "tokens"])],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "tokens", d])], g.weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


class Encoder:
    """The encoder in an onnxruntime session on the CPU (onnxruntime's own thread pool, one thread per core). Its
    threads do not spin waiting for the next message: on this machine that took the same time per message and a
    third more CPU, which a service needs for everything else it does between messages."""

    def __init__(self, weights: NumpyEncoder):
        options = onnxruntime.SessionOptions()
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(encoder_model(weights).SerializeToString(), options,
                                                    providers=["CPUExecutionProvider"])

    def __call__(self, ids: np.ndarray, padding: np.ndarray) -> np.ndarray:
        positions = np.arange(ids.shape[1], dtype=np.int64)
        return self.session.run(["hidden"], {"ids": ids, "positions": positions, "padding": padding})[0]
