"""RUN/tokens/manifest.json: the receipt that ties the token shards to the tokenizer that wrote them.

It holds the sha256 of tokenizer.json, the vocabulary size, BOS id and token dtype, and each
shard's name, token count, size and sha256. The tokenizer step deletes it before it changes
any output and writes it last, so its presence says the step finished. The trainer checks the
shards against it before reading a token: shards of another tokenizer, a missing, extra or cut
shard stop the run with one line saying what to rerun, instead of a model trained on ids that
mean something else. It holds no timings, so the same corpus and settings always give the same
bytes; the trainer keeps their hash in its checkpoint to resume on the very same data.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline.errors import RefineryError

from .atomic import write_text_atomic
from .shards import dtype_for_vocab

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(tokens_dir: str | Path, tokenizer_json: str | Path, vocab_size: int, bos_id: int,
                   shards: list[dict]) -> None:
    """`shards`: the entries `write_shard` returned, in the order they were written."""
    manifest = {
        "format": FORMAT_VERSION,
        "tokenizer_sha256": file_sha256(tokenizer_json),
        "vocab_size": vocab_size,
        "bos_id": bos_id,
        "token_dtype": str(dtype_for_vocab(vocab_size)),
        "shards": shards,
    }
    write_text_atomic(Path(tokens_dir) / MANIFEST, json.dumps(manifest, indent=2) + "\n")


def check_shards(tokens_dir: str | Path, tokenizer_json: str | Path) -> str:
    """Raise a RefineryError unless the *.bin shards in `tokens_dir` are exactly those the
    manifest lists, byte for byte, and were written with `tokenizer_json`. Returns the manifest's
    own sha256, which names that tokenizer and those shards. Reads every shard once to hash it
    (about 1.5 GB/s: seconds for a GPT-2-sized run, nothing beside the training)."""
    tokens_dir = Path(tokens_dir)
    path = tokens_dir / MANIFEST
    rerun = f"rerun `refinery tokenizer {tokens_dir.parent}`"
    if not path.exists():
        raise RefineryError(f"{path} is missing: the tokenizer step did not finish (or these shards predate "
                            f"manifests); {rerun}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        listed = {entry["name"]: entry for entry in manifest["shards"]}
        tokenizer_sha256 = manifest["tokenizer_sha256"]
    except (ValueError, KeyError, TypeError) as e:
        raise RefineryError(f"{path} is not a shard manifest ({e!r}); {rerun}") from None
    if file_sha256(tokenizer_json) != tokenizer_sha256:
        raise RefineryError(f"the shards in {tokens_dir} were written with another tokenizer than {tokenizer_json} "
                            f"(sha256 {tokenizer_sha256[:12]}, not {file_sha256(tokenizer_json)[:12]}); {rerun}")
    on_disk = {p.name for p in tokens_dir.glob("*.bin")}
    if missing := sorted(listed.keys() - on_disk):
        raise RefineryError(f"{tokens_dir}: {', '.join(missing)} listed in {MANIFEST} but missing; {rerun}")
    if extra := sorted(on_disk - listed.keys()):
        raise RefineryError(f"{tokens_dir}: {', '.join(extra)} not in {MANIFEST} (left by another run?); {rerun}")
    for name, entry in listed.items():
        shard = tokens_dir / name
        if shard.stat().st_size != entry["bytes"]:
            raise RefineryError(f"{shard} is {shard.stat().st_size:,} bytes, {MANIFEST} says {entry['bytes']:,}: "
                                f"cut or rewritten since the tokenizer wrote it; {rerun}")
        if file_sha256(shard) != entry["sha256"]:
            raise RefineryError(f"{shard} is not the file the tokenizer wrote (its sha256 differs from "
                                f"{MANIFEST}); {rerun}")
    return file_sha256(path)
