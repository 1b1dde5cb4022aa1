#!/usr/bin/env python3
"""Writes a tiny randomly initialised llama-architecture GGUF model (2 layers, 64 dims, a
SentencePiece-style vocabulary of the 256 byte tokens plus a few hundred word pieces) with
the `gguf` package from PyPI. llama.cpp loads it like any llama model; its text is noise.
Used by scripts/llm-server-ci.sh to run a real OpenAI-compatible server in CI.

usage: python3 scripts/tiny-gguf.py OUT.gguf
"""
import sys

import gguf
import numpy as np

N_EMBD, N_HEAD, N_LAYER, N_FF, N_CTX = 64, 4, 2, 128, 8192

WORDS = """the a of and to in is was for on that with as by at from it an be this are
which or has had have were not but its they their been one new after also more first
two who other about over city year years said people would when time state company
report court board plan policy model release training data users free tier paid""".split()


def vocab():
    tokens, scores, types = ["<unk>", "<s>", "</s>"], [0.0, 0.0, 0.0], [2, 3, 3]
    for b in range(256):
        tokens.append(f"<0x{b:02X}>")
        scores.append(0.0)
        types.append(6)  # byte
    pieces = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    pieces += ["\u2581" + w for w in WORDS] + ["\u2581"] + [w for w in WORDS]
    seen = set(tokens)
    for i, p in enumerate(pieces):
        if p in seen:
            continue
        seen.add(p)
        tokens.append(p)
        scores.append(-1.0 - i * 0.01 if len(p) > 1 else -100.0)
        types.append(1)  # normal
    return tokens, scores, types


def main(out):
    rng = np.random.default_rng(1234)
    tokens, scores, types = vocab()
    n_vocab = len(tokens)
    w = gguf.GGUFWriter(out, "llama")
    w.add_name("factpress-tiny-random")
    w.add_context_length(N_CTX)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(N_EMBD // N_HEAD)
    w.add_vocab_size(n_vocab)
    w.add_file_type(0)  # all f32
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_chat_template(
        "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
    )

    def t(name, *shape, ones=False):
        a = np.ones(shape, np.float32) if ones else rng.normal(0, 0.02, shape).astype(np.float32)
        w.add_tensor(name, a)

    t("token_embd.weight", n_vocab, N_EMBD)
    for i in range(N_LAYER):
        p = f"blk.{i}."
        t(p + "attn_norm.weight", N_EMBD, ones=True)
        t(p + "attn_q.weight", N_EMBD, N_EMBD)
        t(p + "attn_k.weight", N_EMBD, N_EMBD)
        t(p + "attn_v.weight", N_EMBD, N_EMBD)
        t(p + "attn_output.weight", N_EMBD, N_EMBD)
        t(p + "ffn_norm.weight", N_EMBD, ones=True)
        t(p + "ffn_gate.weight", N_FF, N_EMBD)
        t(p + "ffn_up.weight", N_FF, N_EMBD)
        t(p + "ffn_down.weight", N_EMBD, N_FF)
    t("output_norm.weight", N_EMBD, ones=True)
    t("output.weight", n_vocab, N_EMBD)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
