"""The llm.c shard format: headers, sizes, dtypes, and the writer that cuts a token stream into shards."""
import numpy as np
import pytest

from tokenizer.manifest import file_sha256
from tokenizer.shards import HEADER_INTS, ShardWriter, open_shard, read_header, write_shard


@pytest.mark.parametrize("vocab_size, magic, version, dtype", [
    (8192, 20240520, 1, np.uint16),
    (65536, 20240520, 1, np.uint16),
    (100_000, 20240801, 7, np.uint32),
])
def test_header_and_dtype_follow_the_vocabulary(tmp_path, vocab_size, magic, version, dtype):
    tokens = np.array([0, 5, vocab_size - 1, 7], dtype=np.int64)
    path = tmp_path / "train_000000.bin"
    write_shard(path, tokens, vocab_size)
    header = np.fromfile(path, dtype=np.int32, count=HEADER_INTS)
    assert (header[0], header[1], header[2]) == (magic, version, 4)
    assert read_header(path) == (4, np.dtype(dtype))
    assert open_shard(path).tolist() == tokens.tolist()


def test_a_truncated_shard_is_rejected(tmp_path):
    path = tmp_path / "train_000000.bin"
    write_shard(path, np.arange(10), 8192)
    path.write_bytes(path.read_bytes()[:-2])
    with pytest.raises(ValueError, match="header says"):
        read_header(path)


def test_writer_fills_shards_to_size_and_keeps_the_stream(tmp_path):
    writer = ShardWriter(tmp_path, "train", shard_tokens=10, vocab_size=8192)
    stream = np.arange(27)
    for piece in np.split(stream, [3, 4, 19]):  # pieces shorter and longer than a shard
        writer.add(piece)
    shards = writer.close()
    assert [s["name"] for s in shards] == ["train_000000.bin", "train_000001.bin", "train_000002.bin"]
    paths = [tmp_path / s["name"] for s in shards]
    assert [read_header(p)[0] for p in paths] == [s["tokens"] for s in shards] == [10, 10, 7]
    assert np.concatenate([open_shard(p) for p in paths]).tolist() == stream.tolist()
    assert writer.tokens == 27
    # the manifest entries describe the files as written, and no temporary file is left
    assert [(s["bytes"], s["sha256"]) for s in shards] == [(p.stat().st_size, file_sha256(p)) for p in paths]
    assert sorted(f.name for f in tmp_path.iterdir()) == [s["name"] for s in shards]
