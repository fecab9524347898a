"""The bundled model at work: meaning, masking, late chunking, quantization."""

from __future__ import annotations

import json

import numpy as np

from desktop_app.embedding import MINILM, Encoder
from desktop_app.embedding.bundled import MODEL_SHA256, sha256_of
from desktop_app.index.codec import VectorCodec


def test_the_bundled_model_is_unpacked_verified_and_keeps_its_tokenizer_file(model_dir):
    assert sha256_of(model_dir / "onnx" / "model.onnx") == MODEL_SHA256
    shipped = json.loads((model_dir / "tokenizer.json").read_text())
    assert shipped["truncation"] is not None, "the shipped file truncates; we switch it off"


def test_the_tokenizer_neither_pads_nor_truncates(encoder):
    [short, long] = encoder.tokenize(["hello", "word " * 1000])
    assert len(short.ids) == 1
    assert len(long.ids) == 1000


def test_a_query_is_closest_to_the_passage_that_answers_it(encoder):
    passages = ["Volcanoes erupt when magma rises through cracks in the Earth's crust.",
                "The income tax return must be filed by the fifteenth of April.",
                "Plants use sunlight, water and carbon dioxide to make glucose."]
    docs = [[t.ids] for t in encoder.tokenize(passages)]
    vectors = np.stack([v[0] for v in encoder.embed_documents(docs)])
    query = encoder.embed_query("how do green plants produce sugar from light")
    assert int(np.argmax(vectors @ query)) == 2
    query = encoder.embed_query("deadline for paying taxes")
    assert int(np.argmax(vectors @ query)) == 1


def test_padding_in_a_batch_does_not_change_a_vector(encoder):
    short = encoder.tokenize(["A short sentence about cats."])[0].ids
    long = encoder.tokenize(["A much longer sentence " * 30])[0].ids
    alone = encoder.embed_documents([[short]])[0]
    batched = encoder.embed_documents([[short], [long]])[0]
    assert np.allclose(alone, batched, atol=1e-4)


def test_late_chunking_gives_a_chunk_its_files_context(model_dir):
    late = Encoder(model_dir, MINILM.with_framing(standalone_weight=0.0))
    alone = Encoder(model_dir, MINILM.with_framing(standalone_weight=1.0))
    chunks = [t.ids for t in late.tokenize(
        ["Berlin is the capital and largest city of Germany.",
         "Its population is about 3.8 million people."])]
    v_late = late.embed_documents([chunks])[0]
    v_alone = alone.embed_documents([chunks])[0]
    q = late.embed_query("population of Berlin")
    # the second chunk never names the city: read in context it matches the query better
    assert float(v_late[1] @ q) > float(v_alone[1] @ q)
    assert np.allclose(v_alone[1], alone.embed_documents([[chunks[1]]])[0][0], atol=1e-4)


def test_int8_storage_preserves_cosine_and_binary_keeps_the_sign(encoder):
    docs = [[t.ids for t in encoder.tokenize([f"sentence number {i} about topic {i % 7}"
                                               for i in range(50)])]]
    v = encoder.embed_documents(docs)[0]
    int8 = VectorCodec("int8", 384)
    stored = int8.encode(v)
    assert stored.shape == (50, 384) and int8.bytes_per_vector == 384
    back = int8.decode(stored)
    back /= np.linalg.norm(back, axis=1, keepdims=True)
    assert float(np.min(np.sum(back * v, axis=1))) > 0.999
    binary = VectorCodec("binary", 384)
    packed = binary.encode(v)
    assert packed.shape == (50, 48)
    assert np.array_equal(binary.decode(packed) > 0, v > 0)


def test_tanh_output_is_stored_as_the_model_card_says_and_truncation_renormalises():
    x = np.array([[0.5, -0.25, 1.0, -1.0, 0.0, 0.1, -0.9, 0.3, 0.7, -0.7]], np.float32)
    codec = VectorCodec("int8", 8, "tanh_int8")
    assert codec.encode(x).view(np.int8).tolist() == [[64, -32, 127, -127, 0, 13, -114, 38]]
    q = codec.query(x[0])
    assert q.shape == (8,) and abs(float(np.linalg.norm(q)) - 1) < 1e-6

