"""Text from a trained model: the sample a run writes when it ends, and `refinery sample RUN`."""
from __future__ import annotations

from pathlib import Path

import torch
from tokenizers import Tokenizer

from pipeline.errors import RefineryError

from .checkpoint import load_checkpoint
from .model import GPT, GPTConfig


def load_model(run: Path, device: torch.device) -> GPT:
    """The weights of RUN's last checkpoint, on `device`, ready to generate."""
    path = Path(run) / "model" / "ckpt.pt"
    if not path.exists():
        raise RefineryError(f"{path} does not exist: run `refinery train {run}` first")
    ckpt = load_checkpoint(path)
    model = GPT(GPTConfig(**ckpt["model_config"]))
    model.load_state_dict(ckpt["model"])
    return model.to(device).eval()


def generate_text(model: GPT, tokenizer: Tokenizer, bos_id: int, prompt: str = "", max_new_tokens: int = 200,
                  temperature: float = 0.8, top_k: int = 50, seed: int = 0) -> str:
    """The prompt and the model's continuation of it. The prompt follows a BOS, as every
    document did in training; an empty prompt is the start of a document."""
    if model.cfg.vocab_size != tokenizer.get_vocab_size():
        raise RefineryError(f"the model has a vocabulary of {model.cfg.vocab_size} ids, the tokenizer "
                            f"{tokenizer.get_vocab_size()}: the tokenizer step ran again since it trained")
    device = model.embed.weight.device
    ids = [bos_id] + tokenizer.encode(prompt).ids
    generator = torch.Generator(device=device).manual_seed(seed)
    model.eval()
    out = model.generate(torch.tensor([ids], device=device), max_new_tokens, temperature=temperature, top_k=top_k,
                         generator=generator)
    return tokenizer.decode(out[0, 1:].tolist())
