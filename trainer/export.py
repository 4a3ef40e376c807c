"""Write a trained model as a `transformers` Llama model: config.json, model.safetensors and
the run's tokenizer, so `AutoModelForCausalLM.from_pretrained(DIR)` and
`AutoTokenizer.from_pretrained(DIR)` load it, and give the loss refinery measures.

The model learnt every document with a BOS before it (tokenizer/encode.py), so the exported
tokenizer puts one there too: its post-processor adds BOS whenever transformers encodes with
special tokens (its default), and nowhere else. The run's own tokenizer.json has no
post-processor: the shards add BOS themselves, and the manifest vouches for its exact bytes.

Our GPT is Llama's architecture (see trainer/model.py), so the export only renames weights
and splits the fused q/k/v and gate/up matrices back into Llama's separate projections.
The files are written by hand (JSON and safetensors): exporting needs no transformers.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, processors

from .checkpoint import load_checkpoint
from .model import GPTConfig
from .train import BOS_TOKEN


def llama_config(cfg: GPTConfig, bos_id: int) -> dict:
    return {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "vocab_size": cfg.vocab_size, "hidden_size": cfg.n_embd, "intermediate_size": cfg.mlp_hidden,
        "num_hidden_layers": cfg.n_layer, "num_attention_heads": cfg.n_head,
        "num_key_value_heads": cfg.n_head, "head_dim": cfg.n_embd // cfg.n_head,
        "max_position_embeddings": cfg.context, "rms_norm_eps": cfg.norm_eps,
        "rope_theta": cfg.rope_theta, "rope_parameters": {"rope_type": "default", "rope_theta": cfg.rope_theta},
        "hidden_act": "silu", "attention_bias": False, "mlp_bias": False,
        "tie_word_embeddings": cfg.tie_embeddings, "bos_token_id": bos_id, "eos_token_id": bos_id,
        "torch_dtype": "float32",
    }


def llama_weights(state: dict[str, torch.Tensor], cfg: GPTConfig) -> dict[str, torch.Tensor]:
    out = {"model.embed_tokens.weight": state["embed.weight"], "model.norm.weight": state["norm.weight"]}
    if not cfg.tie_embeddings:
        out["lm_head.weight"] = state["head.weight"]
    for i in range(cfg.n_layer):
        ours, theirs = f"blocks.{i}.", f"model.layers.{i}."
        q, k, v = state[ours + "attn.qkv.weight"].chunk(3, dim=0)
        gate, up = state[ours + "mlp.gate_up.weight"].chunk(2, dim=0)
        out.update({
            theirs + "self_attn.q_proj.weight": q, theirs + "self_attn.k_proj.weight": k,
            theirs + "self_attn.v_proj.weight": v, theirs + "self_attn.o_proj.weight": state[ours + "attn.proj.weight"],
            theirs + "mlp.gate_proj.weight": gate, theirs + "mlp.up_proj.weight": up,
            theirs + "mlp.down_proj.weight": state[ours + "mlp.down.weight"],
            theirs + "input_layernorm.weight": state[ours + "attn_norm.weight"],
            theirs + "post_attention_layernorm.weight": state[ours + "mlp_norm.weight"],
        })
    # safetensors refuses tensors that share memory (chunk views): give each its own copy.
    return {name: t.contiguous().clone() for name, t in out.items()}


def tokenizer_with_bos(tokenizer_json: Path) -> Tokenizer:
    """The run's tokenizer, adding BOS before a text (and before each text of a pair)."""
    tokenizer = Tokenizer.from_file(str(tokenizer_json))
    bos_id = tokenizer.token_to_id(BOS_TOKEN)
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{BOS_TOKEN} $A", pair=f"{BOS_TOKEN} $A {BOS_TOKEN} $B:1", special_tokens=[(BOS_TOKEN, bos_id)])
    return tokenizer


def export_hf(run: Path, out_dir: Path) -> None:
    run, out_dir = Path(run), Path(out_dir)
    ckpt = load_checkpoint(run / "model" / "ckpt.pt")
    cfg = GPTConfig(**ckpt["model_config"])
    tokenizer = tokenizer_with_bos(run / "tokenizer" / "tokenizer.json")
    bos_id = tokenizer.token_to_id(BOS_TOKEN)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "config.json").write_text(json.dumps(llama_config(cfg, bos_id), indent=2))
    save_file(llama_weights(ckpt["model"], cfg), out_dir / "model.safetensors", metadata={"format": "pt"})
    tokenizer.save(str(out_dir / "tokenizer.json"))
    (out_dir / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": BOS_TOKEN, "eos_token": BOS_TOKEN,
        "model_max_length": cfg.context,
        # A literal "<|endoftext|>" inside a text is text, as when the shards were encoded
        # (tokenizer/encoders.py); only the post-processor's BOS is the special token.
        "split_special_tokens": True,
    }, indent=2))
