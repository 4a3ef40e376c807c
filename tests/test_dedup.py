import json
import random
import shutil

import numpy as np
import polars as pl
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from pipeline.dataset import run_dataset
from pipeline.dedup.clusters import _components, deduplicate, find_clusters
from pipeline.dedup.edges import band_edges, edges_folder, signature_paths
from pipeline.dedup.signatures import SignatureSink, Signer, normalise, shingle_hashes
from pipeline.document import Document
from pipeline.errors import IncompleteRun, WorkerDied
from pipeline.executors import make_executor
from pipeline.layout import RunLayout
from pipeline.recipe import load_recipe, parse_recipe
from tests.conftest import MECHANICS_RECIPE, REPO, article, modules_loaded, write_warc

STORY = ("The river rose slowly through the night, and by morning the lower streets of the old town "
         "were under water. Volunteers filled sandbags while the mayor asked people to stay at home. "
         "The bakery on the corner stayed open and handed out bread to the families who had to leave. ")


def test_normalise_folds_case_punctuation_digits_and_spaces():
    assert normalise("Hello,  World!\n2024 was   GREAT…") == "hello world 0000 was great"


def shingles(words: list[str], n: int = 5) -> set[str]:
    return {" ".join(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}


def test_shingles_are_word_ngrams_and_short_texts_still_get_one():
    hashes = shingle_hashes("a b c d e f a b c d e".split(), 5).tolist()
    assert len(hashes) == 7 and hashes[6] == hashes[0] and len(set(hashes)) == 6   # "a b c d e" twice
    assert shingle_hashes("b c d e f".split(), 5).tolist() == [hashes[1]]          # the same words, the same hash
    assert len(shingle_hashes(["tiny"], 5)) == 1 and len(shingle_hashes([], 5)) == 1
    assert max(hashes) < 2**32


def test_minhash_estimates_the_shingles_jaccard_similarity():
    """The share of equal MinHash values estimates the Jaccard similarity of two texts' shingle
    sets (112 values: within about +-0.1 of it)."""
    signer = Signer()
    vocabulary = [f"w{i}" for i in range(5000)]
    random.seed(7)
    base = random.choices(vocabulary, k=2000)
    for changed in (0, 100, 400, 1000):
        other = list(base)
        for i in random.sample(range(len(base)), changed):
            other[i] = random.choice(vocabulary)
        a, b = shingles(base), shingles(other)
        true = len(a & b) / len(a | b)
        estimate = float(np.mean(signer.minhash(base) == signer.minhash(other)))
        assert abs(estimate - true) < 0.12, (changed, true, estimate)


@pytest.mark.parametrize("seed", [1, 2**32 - 1])
def test_minhash_is_datasketchs_value_for_value(seed):
    """Signer.minhash applies datasketch's permutations itself (importing datasketch costs a worker
    0.5 s): the signature must be the one datasketch computes from the same shingle hashes, for
    empty, short, long (several blocks) and repetitive texts."""
    from datasketch import MinHash

    random.seed(seed % 1000)
    texts = [[], ["one"], STORY.split(), random.choices([f"w{i}" for i in range(300)], k=9000), ["same"] * 50]
    for ngram, bands, rows in ((5, 14, 8), (3, 2, 5)):
        signer = Signer(ngram=ngram, bands=bands, rows=rows, seed=seed)
        for words in texts:
            reference = MinHash(num_perm=bands * rows, seed=seed, scheme="affine32", hashfunc=int)
            reference.update_batch(shingle_hashes(words, ngram).tolist())
            ours = signer.minhash(words)
            assert ours.dtype == reference.hashvalues.dtype and ours.tolist() == reference.hashvalues.tolist()


def test_near_copies_share_a_band_and_different_texts_do_not():
    signer = Signer()
    original = signer.sign(STORY * 4)
    near = signer.sign(STORY * 4 + " Updated at 9 am.")
    other = signer.sign("A completely different text about the football season, the league table and "
                        "the new coach who arrived from abroad in the summer with big plans. " * 4)
    bands = [k for k in original if k.startswith("band_")]
    assert len(bands) == 14
    assert any(original[b] == near[b] for b in bands)
    assert not any(original[b] == other[b] for b in bands)
    assert signer.sign(STORY.upper() + "  ")["exact"] == signer.sign(STORY)["exact"]


FRENCH_PAGE = ("<html><body><article>" + "<p>Le conseil municipal a approuvé le nouveau budget de la "
               "bibliothèque après un long débat, et les habitants ont salué cette décision.</p>" * 8
               + "</article></body></html>").encode()


def write_signatures(tmp_path, shards: list[list[tuple]]):
    """Signature files from (doc_id, text) or (doc_id, text, url) per document, per shard."""
    paths = []
    for shard, docs in enumerate(shards):
        path = tmp_path / f"part-{shard:05d}.parquet"
        with SignatureSink(path, shard, {}) as sink:
            for row, (doc_id, text, *url) in enumerate(docs):
                sink.add(Document(id=doc_id, url=url[0] if url else "", warc="w", offset=0, text=text), row)
        paths.append(str(path))
    return paths


def test_clusters_keep_the_first_copy_in_input_order_and_say_how_it_matched(tmp_path):
    near = (STORY * 4).replace("bakery", "baker's shop")
    unrelated = "Completely unrelated words about gardening, roses, soil and the spring frost in April. " * 5
    paths = write_signatures(tmp_path, [
        [("a", STORY * 4), ("b", unrelated)],
        [("c", STORY * 4), ("d", near)],
    ])
    clusters = find_clusters(paths, bands=14)
    rows = {r["doc_id"]: r for r in clusters.iter_rows(named=True)}
    assert set(rows) == {"a", "c", "d"}                       # b has no copy
    assert rows["a"]["kept"] and rows["a"]["cluster_size"] == 3
    assert (rows["c"]["kept"], rows["c"]["match"], rows["c"]["cluster"]) == (False, "exact", "a")
    assert (rows["d"]["kept"], rows["d"]["match"]) == (False, "minhash")


def test_the_plainest_url_is_kept_whatever_comes_first(tmp_path):
    paths = write_signatures(tmp_path, [[("copy", STORY * 4, "https://news.test/story?utm_source=feed")],
                                        [("canonical", STORY * 4, "https://news.test/story")]])
    rows = {r["doc_id"]: r for r in find_clusters(paths, bands=14).iter_rows(named=True)}
    assert rows["canonical"]["kept"] and not rows["copy"]["kept"]
    assert rows["copy"]["cluster"] == "canonical"


def test_clusters_are_transitive(tmp_path):
    """a~b (one band) and b~c (another band) make one cluster although a and c share nothing."""
    signer = Signer(bands=3, rows=2)
    rows = [{"doc_id": d, "url": "", "shard": 0, "row": i, "exact": i, "band_00": b0, "band_01": b1, "band_02": i + 100}
            for i, (d, b0, b1) in enumerate([("a", 1, 10), ("b", 1, 20), ("c", 2, 20), ("d", 3, 30)])]
    path = tmp_path / "part-00000.parquet"
    pl.from_dicts(rows, schema=pl.Schema(signer.schema())).write_parquet(path)
    clusters = find_clusters([str(path)], bands=3)
    assert clusters["doc_id"].to_list() == ["a", "b", "c"]
    assert clusters["cluster"].unique().to_list() == ["a"]
    assert clusters["cluster_size"].to_list() == [3, 3, 3]


def test_no_signatures_gives_an_empty_table():
    assert find_clusters([], bands=14).height == 0


def test_merging_edges_one_column_at_a_time_finds_the_components_of_all_edges_at_once():
    rng = np.random.default_rng(0)
    n = 3000
    batches = [(rng.integers(0, n, 400), rng.integers(0, n, 400)) for _ in range(6)]
    labels = _components(n, batches)
    src, dst = (np.concatenate(ends) for ends in zip(*batches))
    _, expected = connected_components(coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n)), directed=False)
    assert 1 < len(set(expected)) < n - 1000                 # many merges, not one giant cluster
    assert len(set(zip(labels, expected))) == len(set(labels)) == len(set(expected))   # the same partition


def test_band_tasks_on_two_local_workers_give_the_clusters_of_one_process(tmp_path):
    """`refinery dataset` runs dedup's band tasks on its executor (local, 2 workers): clusters.parquet
    equals the clusters computed in one process from the same signatures, and the edge files are
    gone once it is written."""
    (tmp_path / "in").mkdir()
    story, tides = article("floods", 14), article("tides", 14)
    write_warc(tmp_path / "in" / "a.warc.gz", [{"url": "https://a.test/story", "body": story},
                                               {"url": "https://a.test/tides", "body": tides}])
    write_warc(tmp_path / "in" / "b.warc.gz", [{"url": "https://mirror.test/story", "body": story},
                                               {"url": "https://b.test/tides?print=1",
                                                "body": tides.replace(b"Paragraph 3 adds", b"Paragraph three adds")}])
    write_warc(tmp_path / "in" / "c.warc.gz", [{"url": "https://c.test/archive/2024/story", "body": story},
                                               {"url": "https://c.test/budget", "body": FRENCH_PAGE}])
    recipe = parse_recipe(MECHANICS_RECIPE.replace('["extract", "language"]', '["extract", "language", "dedup"]'))
    run = run_dataset([str(tmp_path / "in")], str(tmp_path / "run"), recipe, workers=2)
    clusters = pl.read_parquet(run.clusters)
    assert clusters.equals(find_clusters(signature_paths(run), bands=14))
    assert sorted(clusters["match"]) == ["", "", "exact", "exact", "minhash"]
    assert sorted(clusters.filter(pl.col("kept"))["cluster_size"]) == [2, 3]
    assert run.is_done("dedup") and not edges_folder(run.root).exists()


def test_a_rerun_keeps_finished_edge_files_and_clears_what_killed_tasks_left(tmp_path):
    run = RunLayout(tmp_path / "run")
    write_signatures(run.root / "minhash", [[("a", STORY * 4), ("b", STORY * 4)], [("c", STORY * 4 + " The end.")]])
    finished = band_edges(str(run.root), "exact")
    written = (tmp_path / "run" / "dedup" / "edges" / "exact.npy").stat()
    stale = edges_folder(run.root) / ".band_00.npy.4242.tmp"
    stale.write_bytes(b"half an array")
    assert band_edges(str(run.root), "exact") == finished
    assert (tmp_path / "run" / "dedup" / "edges" / "exact.npy").stat().st_mtime_ns == written.st_mtime_ns
    clusters = deduplicate(run, 14, make_executor("local", 1))
    assert not stale.exists() and not edges_folder(run.root).exists()
    assert clusters.equals(find_clusters(signature_paths(run), bands=14))
    assert clusters["match"].to_list() == ["", "exact", "minhash"]


def test_a_worker_makes_edges_without_loading_the_drivers_clustering_libraries():
    """The edge tasks run on every worker at once as dedup starts: importing scipy and Polars
    there (~0.3 s of CPU each) kept every core busy while the run had nothing else to do."""
    assert modules_loaded("import pipeline.tasks, pipeline.dedup.edges", ("polars", "scipy")) == []


def test_a_band_task_that_keeps_dying_fails_dedup_naming_its_column(tmp_path):
    class DyingWorkers:          # an executor whose workers die on every attempt (killed, out of memory)
        def run(self, fn, tasks, label, **_):
            return [WorkerDied("its worker process died 3 times") if t["column"] == "band_03" else fn(**t)
                    for t in tasks]

    run = RunLayout(tmp_path / "run")
    write_signatures(run.root / "minhash", [[("a", STORY * 4), ("b", STORY * 4)]])
    with pytest.raises(IncompleteRun, match="band_03: its worker process died 3 times"):
        deduplicate(run, 14, DyingWorkers())
    assert not run.clusters.exists() and (edges_folder(run.root) / "band_02.npy").exists()


@pytest.fixture(scope="module")
def fineweb_run(tmp_path_factory, corpus) -> RunLayout:
    """The make_corpus corpus through recipes/fineweb.toml with the local executor and 2 workers."""
    return run_dataset([str(corpus / "*.warc.gz")], str(tmp_path_factory.mktemp("fineweb") / "run"),
                       load_recipe(REPO / "recipes" / "fineweb.toml"), workers=2)


@pytest.mark.slow
def test_band_split_clusters_of_a_real_corpus_run_equal_one_process(fineweb_run):
    clusters = pl.read_parquet(fineweb_run.clusters)
    assert clusters.equals(find_clusters(signature_paths(fineweb_run), bands=14))
    assert {"exact", "minhash"} <= set(clusters["match"]) and clusters["shard"].n_unique() > 1


@pytest.mark.slow
def test_band_tasks_on_ray_write_the_same_clusters_file(fineweb_run, tmp_path):
    run = RunLayout(tmp_path / "run")
    shutil.copytree(fineweb_run.root / "minhash", run.root / "minhash")
    pool = make_executor("ray", 2)
    try:
        deduplicate(run, 14, pool)
    finally:
        pool.close()
    assert run.clusters.read_bytes() == fineweb_run.clusters.read_bytes()


@pytest.mark.slow
def test_fineweb_recipe_finds_the_corpus_copies(fineweb_run, corpus):
    """On a make_corpus corpus, among documents that reached dedup: recall of exact copies >= 0.95
    and of near copies >= 0.90. Precision: at least 97% of dropped documents are copies of the one
    kept, by the corpus's truth or by measured 5-gram Jaccard >= 0.7 (the source data itself holds
    some pages twice, under two truth clusters)."""
    import itertools

    from pipeline.document import doc_id_for

    run = fineweb_run
    truth = {doc_id_for(t["record_id"], t["warc"], 0): t for t in map(json.loads, open(corpus / "truth.jsonl"))}
    reached = set(pl.read_parquet(run.root / "minhash" / "*.parquet")["doc_id"])
    clusters = pl.read_parquet(run.clusters)
    predicted = {}
    for r in clusters.iter_rows(named=True):
        predicted.setdefault(r["cluster"], []).append(r["doc_id"])
    true_groups = {}
    for doc_id, t in truth.items():
        if doc_id in reached and t["cluster"] is not None:
            true_groups.setdefault(t["cluster"], []).append(doc_id)

    def pairs(groups):
        return {frozenset(p) for g in groups.values() for p in itertools.combinations(g, 2)}
    true_pairs, found = pairs(true_groups), pairs(predicted)
    for kind, minimum in (("exact-dup", 0.95), ("near-dup", 0.90)):
        wanted = {p for p in true_pairs if kind in {truth[d]["kind"] for d in p}}
        assert len(wanted) >= 10
        assert len(wanted & found) / len(wanted) >= minimum, kind

    texts = dict(pl.read_parquet(run.root / "docs" / "*.parquet").select("id", "text").iter_rows())
    dropped = clusters.filter(~pl.col("kept"))
    assert dropped.height >= 20

    def jaccard(a, b):
        sa, sb = (shingles(normalise(texts[d]).split()) for d in (a, b))
        return len(sa & sb) / len(sa | sb)
    correct = sum(truth[r["doc_id"]]["cluster"] == truth[r["cluster"]]["cluster"]
                  or jaccard(r["doc_id"], r["cluster"]) >= 0.7 for r in dropped.iter_rows(named=True))
    assert correct / dropped.height >= 0.97
