"""The tokenizer step end to end on a small run folder of real web text: the files the trainer
reads, shards that decode back to the final documents, the split, the compression report, and
the same shards whatever executor and number of workers encoded them."""
import json
import hashlib
import shutil
from itertools import chain
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from tokenizers import Tokenizer

from pipeline.cli import main
from pipeline.document import DOC_COLUMNS
from pipeline.errors import RefineryError, WorkerDied
from tokenizer.bpe import BOS, split_pattern, train_bpe
from tokenizer.corpus import final_parts, split_documents
from tokenizer.encode import PARTS, encode_part, part_file, write_token_shards
from tokenizer.encoders import hf_encoder, tiktoken_encoder, tiktoken_from_hf
from tokenizer.manifest import check_shards
from tokenizer.shards import open_shard, read_header
from tokenizer.step import build_tokenizer

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
VOCAB = 1024  # small: the corpus below is ~0.5 MB and the test must stay fast


def real_documents(count: int) -> list[dict]:
    """Scrapinghub article bodies then DCLM web texts, as rows of a final part."""
    ground_truth = DATA / "scrapinghub-aeb" / "ground-truth.json"
    dclm = DATA / "dclm" / "majority_data.jsonl"
    if not (ground_truth.exists() and dclm.exists()):
        pytest.skip(f"shared real text not found under {DATA}")
    texts = [(v["url"], v["articleBody"]) for v in json.loads(ground_truth.read_text()).values()]
    texts += [("", json.loads(line)["text"]) for line in dclm.open()]
    return [{"id": hashlib.sha1(text.encode()).hexdigest(), "url": url, "text": text, "lang": "en",
             "lang_score": 1.0, "warc": "test.warc.gz", "offset": i, "date": ""}
            for i, (url, text) in enumerate(texts[:count])]


def write_final(run: Path, documents: list[dict], parts: int) -> None:
    (run / "final").mkdir(parents=True)
    for index in range(parts):
        rows = documents[index::parts]
        pl.DataFrame(rows, schema=DOC_COLUMNS).write_parquet(run / "final" / f"part-{index:05d}.parquet")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A run of 120 documents in 2 parts, built once: (run folder, documents by id, meta)."""
    run = tmp_path_factory.mktemp("run")
    documents = real_documents(120)
    write_final(run, documents, parts=2)
    meta = build_tokenizer(run, vocab_size=VOCAB, shard_tokens=20_000, val_fraction=0.1)
    return run, documents, meta


def read_side(run: Path, side: str) -> np.ndarray:
    paths = sorted((run / "tokens").glob(f"{side}_*.bin"))
    return np.concatenate([open_shard(p) for p in paths])


def test_tokenizer_files_are_what_the_trainer_reads(built):
    run, _, meta = built
    tokenizer = Tokenizer.from_file(str(run / "tokenizer" / "tokenizer.json"))
    assert tokenizer.get_vocab_size() == meta["vocab_size"] == VOCAB
    assert tokenizer.token_to_id(BOS) == meta["bos_id"]
    token_bytes = np.load(run / "tokenizer" / "token_bytes.npy")
    assert token_bytes.dtype == np.int32 and len(token_bytes) == VOCAB
    assert token_bytes[meta["bos_id"]] == 0 and token_bytes.min() == 0 and (token_bytes > 0).sum() == VOCAB - 1
    text = "Zürich, 2024: «naïve» résumé — 東京 🚀"
    ids = tokenizer.encode(text).ids
    assert token_bytes[ids].sum() == len(text.encode("utf-8"))  # bits per byte divides by this


def test_transformers_loads_the_tokenizer(built):
    transformers = pytest.importorskip("transformers")
    run, _, meta = built
    hf = transformers.PreTrainedTokenizerFast.from_pretrained(str(run / "tokenizer"))
    assert hf.bos_token_id == meta["bos_id"]
    assert hf.decode(hf.encode("Hello, world!")) == "Hello, world!"


def test_shard_headers_and_sizes_match_the_counts(built):
    run, documents, meta = built
    for side in ("train", "val"):
        paths = sorted((run / "tokens").glob(f"{side}_*.bin"))
        assert len(paths) == meta["shards"][side]["shards"] >= 1
        counts = [read_header(p)[0] for p in paths]  # read_header checks magic, version, file size
        assert all(c == 20_000 for c in counts[:-1]) and 0 < counts[-1] <= 20_000
        assert sum(counts) == meta["shards"][side]["tokens"]
    assert meta["shards"]["train"]["documents"] + meta["shards"]["val"]["documents"] == len(documents)


def test_the_manifest_seals_these_shards_to_this_tokenizer(built):
    run, _, meta = built
    manifest = json.loads((run / "tokens" / "manifest.json").read_text())
    tokenizer_json = (run / "tokenizer" / "tokenizer.json").read_bytes()
    assert manifest["tokenizer_sha256"] == hashlib.sha256(tokenizer_json).hexdigest()
    assert (manifest["vocab_size"], manifest["bos_id"], manifest["token_dtype"]) == (VOCAB, meta["bos_id"], "uint16")
    on_disk = sorted((run / "tokens").glob("*.bin"))
    assert [s["name"] for s in manifest["shards"]] == [p.name for p in on_disk]   # train_* then val_*
    for entry, path in zip(manifest["shards"], on_disk):
        assert entry["tokens"] == read_header(path)[0]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    check_shards(run / "tokens", run / "tokenizer" / "tokenizer.json")   # what the trainer runs first
    assert not list(run.rglob("*.tmp"))


def test_decoding_the_shards_gives_back_the_final_documents(built):
    run, documents, meta = built
    tokenizer = Tokenizer.from_file(str(run / "tokenizer" / "tokenizer.json"))
    val_ids = split_documents(final_parts(run), 0.1).val_ids
    # the shards follow the parts' order: part 0 holds documents 0, 2, 4, ..., part 1 the odd ones
    in_order = documents[0::2] + documents[1::2]
    for side in ("train", "val"):
        tokens = read_side(run, side)
        starts = np.flatnonzero(tokens == meta["bos_id"])
        assert starts[0] == 0
        decoded = [tokenizer.decode(doc.tolist()) for doc in np.split(tokens, starts[1:])]
        expected = [d["text"] for d in in_order if (d["id"] in val_ids) == (side == "val")]
        assert decoded == expected


def test_the_shards_are_the_documents_encoded_one_after_another(built):
    """What the step did before it encoded in parallel, in a few lines: every document of every
    part in turn, BOS first, on its side. The parallel step must write exactly this stream."""
    run, documents, meta = built
    tokenizer = Tokenizer.from_file(str(run / "tokenizer" / "tokenizer.json"))
    val_ids = split_documents(final_parts(run), 0.1).val_ids
    in_order = documents[0::2] + documents[1::2]
    for side in ("train", "val"):
        docs = [d["text"] for d in in_order if (d["id"] in val_ids) == (side == "val")]
        stream = list(chain.from_iterable([meta["bos_id"], *ids] for ids in hf_encoder(tokenizer)(docs)))
        assert read_side(run, side).tolist() == stream
    assert not (run / "tokens" / PARTS).exists()                    # the per-part arrays are gone


def copy_trained(run: Path, folder: Path) -> Path:
    """The run's final parts and its trained tokenizer: a rerun reuses the training, and only encodes."""
    for sub in ("final", "tokenizer"):
        shutil.copytree(run / sub, folder / sub)
    return folder


@pytest.mark.parametrize("executor, workers", [
    ("local", 1),                                   # one worker encodes both parts, one after the other
    ("local", 2),
    pytest.param("ray", 2, marks=pytest.mark.slow),  # a local Ray instance
])
def test_every_executor_and_number_of_workers_writes_the_same_shards(built, tmp_path, capsys, executor, workers):
    run = built[0]
    again = copy_trained(run, tmp_path / "run")
    assert main(["tokenizer", str(again), "--vocab-size", str(VOCAB), "--shard-tokens", "20000",
                 "--val-fraction", "0.1", "--executor", executor, "--workers", str(workers)]) == 0
    assert "reused, an earlier run trained it" in capsys.readouterr().out
    expected = {p.name: p.read_bytes() for p in (run / "tokens").iterdir()}
    assert {p.name: p.read_bytes() for p in (again / "tokens").iterdir()} == expected   # no .parts left either
    meta = json.loads((again / "tokenizer" / "meta.json").read_text())
    assert (meta["encoding"]["executor"], meta["encoding"]["workers"]) == (executor, workers)


def test_either_encoder_writes_the_same_part_arrays(built, tmp_path):
    """The driver picks HF or tiktoken once; a task builds the one it was told, with the same ids,
    and puts each of its part's documents on the side the split gave it."""
    run, _, meta = built
    part, tokenizer_json = final_parts(run)[0], str(run / "tokenizer" / "tokenizer.json")
    val_ids = split_documents(final_parts(run), 0.1).part_val_ids[0]
    assert 0 < len(val_ids) < 60
    arrays = {}
    for encoder in ("hf", "tiktoken"):
        (tmp_path / encoder).mkdir()
        assert encode_part(str(part), tokenizer_json, encoder, val_ids, 1, str(tmp_path / encoder)) == 60
        arrays[encoder] = [np.load(part_file(tmp_path / encoder, part, side)) for side in ("train", "val")]
    assert all(np.array_equal(h, t) for h, t in zip(arrays["hf"], arrays["tiktoken"]))
    assert [(side == meta["bos_id"]).sum() for side in arrays["hf"]] == [60 - len(val_ids), len(val_ids)]


class FirstPartDies:
    """An executor whose worker dies on the first part, past its retries; the others run here."""

    def run(self, fn, tasks, label, count="docs", total=None):
        return [WorkerDied("its worker process died 3 times")] + [fn(**kwargs) for kwargs in tasks[1:]]


def test_a_part_that_could_not_be_encoded_stops_the_step_before_any_shard(built, tmp_path):
    run = copy_trained(built[0], tmp_path / "run")
    parts = final_parts(run)
    with pytest.raises(RefineryError, match=r"could not encode.*\n  part-00000.parquet: its worker process died"):
        write_token_shards(parts, split_documents(parts, 0.1), run / "tokenizer" / "tokenizer.json", "tiktoken",
                           VOCAB, run / "tokens", 20_000, FirstPartDies(), 1)
    assert not list((run / "tokens").glob("*.bin"))


def test_split_is_by_id_and_never_leaves_validation_empty(tmp_path):
    documents = real_documents(60)
    write_final(tmp_path / "one", documents, parts=1)
    write_final(tmp_path / "three", documents, parts=3)
    one, three = (split_documents(final_parts(tmp_path / name), 0.2) for name in ("one", "three"))
    assert one.val_ids == three.val_ids
    # each encoding task is told the validation ids of its own part
    for index, held_out in enumerate(three.part_val_ids):
        assert set(held_out) == one.val_ids & {d["id"] for d in documents[index::3]}
    assert 0 < len(one.val_ids) < 60
    assert one.documents == 60
    assert one.total_bytes == sum(len(d["text"].encode()) for d in documents)
    write_final(tmp_path / "two", documents[:2], parts=1)
    assert len(split_documents(final_parts(tmp_path / "two"), 0.0).val_ids) == 1
    assert len(split_documents(final_parts(tmp_path / "two"), 0.99).val_ids) == 1
    # a small corpus gives a tenth of its documents to validation, whatever the fraction asks
    assert len(split_documents(final_parts(tmp_path / "one"), 0.0).val_ids) == 6


def test_tiktoken_from_our_merges_gives_hf_ids(built):
    run, documents, _ = built
    tokenizer = Tokenizer.from_file(str(run / "tokenizer" / "tokenizer.json"))
    texts = [d["text"] for d in documents] + [
        "a literal <|endoftext|> inside a page is text", "Numbers 1234567 and 3.14159; émoji 🚀🚀 and 日本語のテキスト",
        "  leading spaces\n\n\ttabs\r\nand CRLF  ", ""]
    hf_ids = hf_encoder(tokenizer)(texts)
    assert hf_ids == tiktoken_encoder(tiktoken_from_hf(tokenizer))(texts)
    assert tokenizer.token_to_id(BOS) not in hf_ids[-4]


def test_digit_groups_follow_the_pattern():
    from tokenizers import Regex, pre_tokenizers
    pieces = {d: [p for p, _ in pre_tokenizers.Split(Regex(split_pattern(d)), "isolated").pre_tokenize_str("x 1234567")]
              for d in (1, 3)}
    assert pieces[1] == ["x", " ", "1", "2", "3", "4", "5", "6", "7"]
    assert pieces[3] == ["x", " ", "123", "456", "7"]


def test_report_compares_ours_with_cl100k_and_o200k(built):
    run, _, meta = built
    report = pl.read_parquet(run / "reports" / "tokenizer.parquet")
    overall = {r["tokenizer"]: r for r in report.filter(pl.col("lang") == "all").iter_rows(named=True)}
    assert set(overall) == {"refinery", "cl100k_base", "o200k_base"}
    assert overall["cl100k_base"]["vs_cl100k"] == 1.0
    assert overall["o200k_base"]["vocab_size"] > overall["cl100k_base"]["vocab_size"] > VOCAB
    # same held-out documents for all three; a 1k vocabulary compresses less than GPT-4's 100k
    assert len({(r["documents"], r["bytes"]) for r in overall.values()}) == 1
    assert overall["refinery"]["documents"] == meta["shards"]["val"]["documents"]
    assert 1.5 < overall["refinery"]["bytes_per_token"] < overall["cl100k_base"]["bytes_per_token"]


def test_cli_runs_the_step_and_reports_user_errors(tmp_path, capsys):
    write_final(tmp_path / "run", real_documents(30), parts=1)
    assert main(["tokenizer", str(tmp_path / "run"), "--vocab-size", "512", "--max-chars", "2000"]) == 0
    meta = json.loads((tmp_path / "run" / "tokenizer" / "meta.json").read_text())
    assert meta["max_chars"] == 2000 and meta["training"]["mb"] <= 30 * 2000 * 4 / 1e6
    assert "bytes/token on held-out documents" in capsys.readouterr().out
    assert main(["tokenizer", str(tmp_path / "missing")]) == 2
    assert main(["tokenizer", str(tmp_path / "run"), "--vocab-size", "100"]) == 2


def test_training_is_deterministic():
    texts = [d["text"] for d in real_documents(40)]
    first, second = (train_bpe([texts[:20], texts[20:]], vocab_size=600).to_str() for _ in range(2))
    assert first == second


def test_a_corpus_larger_than_train_bytes_trains_on_a_fixed_sample_of_it(built, tmp_path):
    run, documents, meta = built
    full = meta["training"]["mb"] * 1e6
    sampled = []
    for attempt in range(2):
        copy = tmp_path / f"run{attempt}"
        write_final(copy, documents, parts=2)
        sampled.append(build_tokenizer(copy, vocab_size=VOCAB, shard_tokens=20_000, val_fraction=0.1,
                                       train_bytes=int(full / 3)))
    trained = [m["training"]["mb"] * 1e6 for m in sampled]
    assert trained[0] == trained[1] and full / 6 < trained[0] < full / 1.5     # about a third, every time
    assert (tmp_path / "run0" / "tokenizer" / "tokenizer.json").read_bytes() == \
        (tmp_path / "run1" / "tokenizer" / "tokenizer.json").read_bytes()
    # the sample feeds training only: every document is still encoded into the shards
    assert sum(c["documents"] for c in sampled[0]["shards"].values()) == len(documents)
