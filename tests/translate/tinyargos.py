"""A tiny Argos Translate package built on the spot: nothing downloaded, nothing trained long.

- SentencePiece: a character model trained on the test texts (well under a second).
- CTranslate2: a one-layer Transformer whose weights are set by hand rather than
  learned. Decoder step t attends to source position t and emits that source
  token (optionally swapped for another), and the source's end-of-sentence ends
  the output. So the real argostranslate path -- sentencepiece, CTranslate2 beam
  search, detokenizing -- runs and its output is predictable: a "translation" is
  the input, with `swap` applied character by character.

How the weights do it (d = 2V + 4K dimensions, V = vocabulary size):
- source token j is +1 in dimension j and -1 in dimension V+j (zero mean, fixed
  norm, so every layer norm is only a uniform scale);
- positions are [cos, sin, -cos, -sin] of K frequencies in the last 4K dimensions,
  whose dot product peaks where two positions are equal;
- self-attention and feed-forward blocks are zero (the residual passes through);
- the cross-attention query and key keep only the position dimensions, the value
  and output keep only the token dimensions: the decoder copies source token t;
- the output projection maps token dimensions to logits, through `swap`.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import sentencepiece as spm
from ctranslate2.specs import transformer_spec

FREQUENCIES = 32  # K
POSITIONS = 512  # longest sentence in tokens, plus room
FFN = 8
QUERY_GAIN = 40.0  # sharp attention
LOGIT_GAIN = 20.0  # decisive output

Swap = Callable[[str], str]


def train_sentencepiece(lines: Iterable[str], path: Path) -> list[str]:
    """Train a character SentencePiece model on `lines`; return its pieces in id order."""
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(lines)),
        model_writer=model,
        model_type="char",
        vocab_size=400,
        hard_vocab_limit=False,
        character_coverage=1.0,
        normalization_rule_name="identity",  # keep full-width spaces and punctuation as they are
        add_dummy_prefix=False,
        remove_extra_whitespaces=False,
        minloglevel=2,
    )
    path.write_bytes(model.getvalue())
    sp = spm.SentencePieceProcessor(model_proto=model.getvalue())
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def build_copy_model(vocab: list[str], out_dir: Path, swap: Swap | None = None) -> Path:
    """Write a CTranslate2 model that copies its input, mapping each piece through `swap`."""
    f32 = np.float32
    v = len(vocab)
    tok = np.arange(v)
    pos_dims = np.arange(2 * v, 2 * v + 4 * FREQUENCIES)
    d = 2 * v + 4 * FREQUENCIES

    embeddings = np.zeros((v, d), f32)
    embeddings[tok, tok] = 1.0
    embeddings[tok, v + tok] = -1.0
    angle = (
        np.arange(POSITIONS)[:, None]
        * (2 * math.pi / POSITIONS)
        * np.arange(1, FREQUENCIES + 1)[None, :]
    )
    positions = np.zeros((POSITIONS, d), f32)
    positions[:, pos_dims] = np.concatenate(
        [np.cos(angle), np.sin(angle), -np.cos(angle), -np.sin(angle)], axis=1
    )
    keep_tokens = np.zeros((d, d), f32)
    keep_tokens[np.arange(2 * v), np.arange(2 * v)] = 1.0
    keep_positions = np.zeros((d, d), f32)
    keep_positions[pos_dims, pos_dims] = 1.0
    index = {piece: i for i, piece in enumerate(vocab)}
    projection = np.zeros((v, d), f32)
    for i, piece in enumerate(vocab):
        out = index.get(swap(piece), i) if swap else i
        projection[out, i] = LOGIT_GAIN
        projection[out, v + i] = -LOGIT_GAIN

    def norm(spec: object) -> None:
        spec.gamma = np.ones(d, f32)  # type: ignore[attr-defined]
        spec.beta = np.zeros(d, f32)  # type: ignore[attr-defined]

    def linear(spec: object, weight: np.ndarray) -> None:
        spec.weight = weight.astype(f32)  # type: ignore[attr-defined]
        spec.bias = np.zeros(weight.shape[0], f32)  # type: ignore[attr-defined]

    def pass_through(layer: object) -> None:
        attention, ffn = layer.self_attention, layer.ffn  # type: ignore[attr-defined]
        norm(attention.layer_norm)
        linear(attention.linear[0], np.zeros((3 * d, d)))
        linear(attention.linear[1], np.zeros((d, d)))
        norm(ffn.layer_norm)
        linear(ffn.linear_0, np.zeros((FFN, d)))
        linear(ffn.linear_1, np.zeros((d, FFN)))

    spec = transformer_spec.TransformerSpec.from_config(num_layers=1, num_heads=1)
    encoder, decoder = spec.encoder, spec.decoder
    encoder.embeddings[0].weight = embeddings
    encoder.scale_embeddings = False
    encoder.position_encodings.encodings = positions
    norm(encoder.layer_norm)
    pass_through(encoder.layer[0])

    decoder.embeddings.weight = np.zeros((v, d), f32)  # position alone drives the decoder
    decoder.scale_embeddings = False
    decoder.position_encodings.encodings = positions
    norm(decoder.layer_norm)
    pass_through(decoder.layer[0])
    cross = decoder.layer[0].attention
    norm(cross.layer_norm)
    linear(cross.linear[0], keep_positions * QUERY_GAIN)  # query: where am I
    linear(cross.linear[1], np.concatenate([keep_positions, keep_tokens]))  # key, value
    linear(cross.linear[2], keep_tokens)
    linear(decoder.projection, projection)

    spec.config.add_source_eos = True  # the copied </s> ends the output
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    spec.optimize(quantization=None)
    out_dir.mkdir(parents=True)
    spec.save(str(out_dir))
    return out_dir


def make_package(
    out: Path, from_code: str, to_code: str, model_dir: Path, sentencepiece_model: Path
) -> Path:
    """Zip an `.argosmodel`: one folder holding metadata.json, model/ and sentencepiece.model.

    No stanza/ or minisbd/ folder: argostranslate then splits sentences with
    MiniSBD, whose model download the tests replace.
    """
    folder = f"translate-{from_code}_{to_code}"
    metadata = {
        "package_version": "1.0",
        "argos_version": "1.9",
        "from_code": from_code,
        "from_name": from_code.upper(),
        "to_code": to_code,
        "to_name": to_code.upper(),
        "type": "translate",
        "links": [],
    }
    path = out / f"{folder}.argosmodel"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{folder}/metadata.json", json.dumps(metadata))
        zf.write(sentencepiece_model, f"{folder}/sentencepiece.model")
        for file in sorted(model_dir.iterdir()):
            zf.write(file, f"{folder}/model/{file.name}")
    return path
