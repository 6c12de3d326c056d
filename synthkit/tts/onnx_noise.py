"""Seeded noise for ONNX models that sample: their random nodes become inputs synthkit fills.

VITS samples twice while it renders (the duration predictor's noise, scaled by ``noise_w``, and the
prior's, scaled by ``noise_scale``); exported to ONNX these are ``RandomNormalLike`` nodes. onnxruntime
seeds such a node once, when the session is built, from a process-wide seed, and its generator then
advances with every run: a clip would depend on what the session rendered before it. So before the
session is built each ``RandomNormalLike(x)`` is replaced by a slice of a graph input ``N`` (a vector
of standard-normal values that the caller draws from the row's seed, :func:`noise_feeds`), shaped
like ``x``::

    Reshape(Slice(Tile(N, ceil(numel(x) / len(N))), 0, numel(x)), shape(x))

The values are those of ``numpy.random.default_rng(seed)`` (PCG64, the same on every platform); a
tensor larger than :data:`NOISE_SIZE` values repeats the vector (a VITS prior of 192 channels reaches
that after about a minute of audio).

The model file is edited in memory, at the protobuf wire level (no ``onnx`` package needed): the
random nodes are swapped for the nodes above, the constants are added as initializers, the noise
vectors as graph inputs. Nothing else in the file changes.
"""

from __future__ import annotations

import numpy as np

from ..errors import SynthkitError

#: Length of each noise vector (float32 values).
NOISE_SIZE = 1 << 20
RANDOM_OPS = ("RandomNormalLike", "RandomNormal", "RandomUniformLike", "RandomUniform", "Multinomial",
              "Bernoulli")
_PREFIX = "synthkit_noise"

# field numbers of onnx.proto
_MODEL_GRAPH = 7
_GRAPH_NODE, _GRAPH_INITIALIZER, _GRAPH_INPUT = 1, 5, 11
_NODE_INPUT, _NODE_OUTPUT, _NODE_NAME, _NODE_OP, _NODE_ATTR = 1, 2, 3, 4, 5
_ATTR_NAME, _ATTR_I, _ATTR_TYPE = 1, 3, 20
_FLOAT, _INT64 = 1, 7


def _varint(b: bytes, i: int) -> tuple[int, int]:
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def _fields(b: bytes):
    """(field number, wire type, value, raw bytes of the whole field) of one message."""
    i = 0
    while i < len(b):
        start = i
        key, i = _varint(b, i)
        f, t = key >> 3, key & 7
        if t == 0:
            v, i = _varint(b, i)
        elif t == 1:
            v, i = b[i:i + 8], i + 8
        elif t == 5:
            v, i = b[i:i + 4], i + 4
        elif t == 2:
            n, i = _varint(b, i)
            v, i = b[i:i + n], i + n
        else:
            raise SynthkitError(f"cannot read the ONNX model (wire type {t})")
        yield f, t, v, b[start:i]


def _enc_varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        c = n & 0x7F
        n >>= 7
        if n:
            out.append(c | 0x80)
        else:
            out.append(c)
            return bytes(out)


def _ld(field: int, payload: bytes) -> bytes:
    return _enc_varint(field << 3 | 2) + _enc_varint(len(payload)) + payload


def _int(field: int, value: int) -> bytes:
    return _enc_varint(field << 3) + _enc_varint(value)


def _str(field: int, s: str) -> bytes:
    return _ld(field, s.encode("utf-8"))


def _node(op: str, inputs: list[str], outputs: list[str], name: str) -> bytes:
    body = b"".join(_str(_NODE_INPUT, x) for x in inputs) + b"".join(_str(_NODE_OUTPUT, x) for x in outputs)
    return _ld(_GRAPH_NODE, body + _str(_NODE_NAME, name) + _str(_NODE_OP, op))


def _int64_initializer(name: str, values: list[int]) -> bytes:
    packed = b"".join(_enc_varint(v) for v in values)
    # TensorProto: dims=1, data_type=2, int64_data=7 (packed), name=8
    body = _int(1, len(values)) + _int(2, _INT64) + _ld(7, packed) + _str(8, name)
    return _ld(_GRAPH_INITIALIZER, body)


def _float_vector_input(name: str) -> bytes:
    # ValueInfoProto{name=1, type=2: TypeProto{tensor_type=1: {elem_type=1, shape=2: {dim=1: {dim_param=2}}}}}
    dim = _ld(1, _str(2, f"{name}_len"))
    tensor = _int(1, _FLOAT) + _ld(2, dim)
    return _ld(_GRAPH_INPUT, _str(1, name) + _ld(2, _ld(1, tensor)))


def _replacement(k: int, x: str, out: str) -> bytes:
    """Nodes computing ``out`` = noise input ``k`` shaped like ``x`` (see module doc)."""
    n, p = f"{_PREFIX}_{k}", f"{_PREFIX}_{k}_"
    one, zero = f"{_PREFIX}_one", f"{_PREFIX}_zero"
    return b"".join([
        _node("Shape", [x], [p + "shape"], p + "Shape"),
        _node("ReduceProd", [p + "shape"], [p + "numel"], p + "ReduceProd"),
        _node("Shape", [n], [p + "len"], p + "ShapeNoise"),
        _node("Sub", [p + "numel", one], [p + "numel_1"], p + "Sub"),
        _node("Div", [p + "numel_1", p + "len"], [p + "reps_1"], p + "Div"),
        _node("Add", [p + "reps_1", one], [p + "reps"], p + "Add"),
        _node("Tile", [n, p + "reps"], [p + "tiled"], p + "Tile"),
        _node("Slice", [p + "tiled", zero, p + "numel"], [p + "flat"], p + "Slice"),
        _node("Reshape", [p + "flat", p + "shape"], [out], p + "Reshape"),
    ])


def seed_random_nodes(model: bytes) -> tuple[bytes, list[str]]:
    """The model with its ``RandomNormalLike`` nodes fed from noise inputs; (model bytes, input names)."""
    graph_field = None
    parts = []
    for f, t, v, raw in _fields(model):
        if f == _MODEL_GRAPH and t == 2:
            graph_field = v
            parts.append(None)
        else:
            parts.append(raw)
    if graph_field is None:
        raise SynthkitError("the ONNX model has no graph")
    names: list[str] = []
    graph = bytearray()
    for f, t, v, raw in _fields(graph_field):
        if f != _GRAPH_NODE:
            graph += raw
            continue
        node: dict[int, list] = {}
        for nf, _nt, nv, _ in _fields(v):
            node.setdefault(nf, []).append(nv)
        op = node.get(_NODE_OP, [b""])[0].decode()
        if op not in RANDOM_OPS:
            graph += raw
            continue
        attrs = {}
        for a in node.get(_NODE_ATTR, []):
            ad = {af: av for af, _at, av, _ in _fields(a)}
            attrs[ad.get(_ATTR_NAME, b"").decode()] = ad
        dtype = attrs.get("dtype", {}).get(_ATTR_I, _FLOAT)
        if op != "RandomNormalLike" or set(attrs) - {"dtype"} or dtype != _FLOAT:
            raise SynthkitError(f"the ONNX model samples with {op} ({', '.join(sorted(attrs)) or 'no attributes'}); "
                                "synthkit can seed only standard-normal float RandomNormalLike nodes")
        k = len(names)
        names.append(f"{_PREFIX}_{k}")
        graph += _replacement(k, node[_NODE_INPUT][0].decode(), node[_NODE_OUTPUT][0].decode())
    if names:
        graph += _int64_initializer(f"{_PREFIX}_one", [1]) + _int64_initializer(f"{_PREFIX}_zero", [0])
        graph += b"".join(_float_vector_input(n) for n in names)
    out = b"".join(p if p is not None else _ld(_MODEL_GRAPH, bytes(graph)) for p in parts)
    return out, names


def noise_feeds(names: list[str], seed: int, size: int = NOISE_SIZE) -> dict[str, np.ndarray]:
    """The noise inputs for one clip, drawn from ``seed``."""
    rng = np.random.default_rng(int(seed))
    return {n: rng.standard_normal(size, dtype=np.float32) for n in names}
