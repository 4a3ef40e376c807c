"""Refinery against datatrove: the same FineWeb pipeline, the same corpus, the same workers.

    .venv/bin/python bench/vs_datatrove.py [--corpus DIR] [--workers 2] [--pairs 2] [--envs DIR]

1. Builds two side virtualenvs under --envs (once; never dependencies of ours):
   - datatrove 0.10.1 with what its FineWeb example needs, and the trafilatura it requires (1.11);
   - Refinery as installed in .venv, but with trafilatura pinned to that same 1.11, so the
     documents both tools keep can be compared with the extractor's version out of the way.
2. Runs, one after the other and alternating, `--pairs` times each:
   - datatrove's FineWeb example (examples/fineweb.py in its repository): WarcReader, URLFilter,
     Trafilatura(favour_precision), LanguageFilter, the Gopher, C4 and FineWeb filters with an
     exclusion writer each, then its four MinHash stages and PIIFormatter; `--workers` processes,
     one task per WARC file (its MinHash bucket stage: one task per bucket);
   - `refinery dataset` with recipes/fineweb.toml (trafilatura 1.11 and as shipped),
     recipes/fineweb-exact.toml (the reference, no shortcut) and recipes/fineweb-resiliparse.toml.
   Both tools identify languages with the same model file, lid.176.ftz (datatrove would download
   lid.176.bin; the file is put in its download cache instead), and block the same UT1 adult
   domains (the list datatrove ships, given to ours as `ut1:adult`'s source).
3. Prints each command's median wall time, captures (response records) per second per core and the ratio to datatrove; the
   documents kept before dedup by datatrove and by fineweb.toml at trafilatura 1.11, both ways;
   and the final documents of fineweb.toml against fineweb-exact.toml's, both ways.

The script re-runs itself inside the datatrove environment (`--side`) for datatrove's half.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATATROVE_PACKAGES = ["datatrove[processing]==0.10.1", "trafilatura==1.11.0", "spacy==3.8.18", "tldextract==5.4.0",
                      "pyahocorasick==2.3.1", "warcio==1.8.1", "fasteners", "regex", "nltk", "xxhash", "orjson", "faust-cchardet", "python-magic", "lxml_html_clean", "aiohttp",
                      "fasttext-numpy2-wheel"]
DATATROVE_TRAFILATURA = "trafilatura==1.11.0"


# ---------------------------------------------------------------- datatrove's half (side env)

def run_datatrove(corpus: str, out: str, workers: int, lid_model: str) -> None:
    """datatrove's FineWeb example, minus the S3 paths and the Slurm executor."""
    import datatrove.utils.lid as lid
    import tldextract
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (MinhashDedupBuckets, MinhashDedupCluster, MinhashDedupFilter,
                                          MinhashDedupSignature)
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import (C4QualityFilter, FineWebQualityFilter, GopherQualityFilter,
                                            GopherRepetitionFilter, LanguageFilter, URLFilter)
    from datatrove.pipeline.formatters import PIIFormatter
    from datatrove.pipeline.readers import JsonlReader, WarcReader
    from datatrove.pipeline.writers import JsonlWriter
    from datatrove.utils.hashing import HashConfig
    from datatrove.utils.typeshelper import Languages

    _place_lid_model(lid.FT176LID, lid_model)
    files = len(list(Path(corpus).glob("*.warc.gz")))
    url_filter = URLFilter(exclusion_writer=JsonlWriter(f"{out}/removed/url"))
    url_filter.tldextractor = tldextract.TLDExtract(suffix_list_urls=())   # its bundled suffix list, no download

    def removed(step: str) -> JsonlWriter:
        return JsonlWriter(f"{out}/removed/{step}")

    def stage(name: str, pipeline: list, tasks: int) -> None:
        LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=workers,
                              logging_dir=f"{out}/logs/{name}").run()

    stage("base", [
        WarcReader(corpus, glob_pattern="*.warc.gz"),
        url_filter,
        Trafilatura(favour_precision=True),
        LanguageFilter(languages=["en"], exclusion_writer=removed("language")),   # FineWeb: English, as lid.176 labels it (0.10.1 keeps every language by default)
        GopherRepetitionFilter(exclusion_writer=removed("gopher_repetition")),
        GopherQualityFilter(exclusion_writer=removed("gopher_quality")),
        C4QualityFilter(filter_no_terminal_punct=False, exclusion_writer=removed("c4")),
        FineWebQualityFilter(exclusion_writer=removed("fineweb")),
        JsonlWriter(f"{out}/filtered"),
    ], files)
    config = MinhashConfig(hash_config=HashConfig(precision=64), num_buckets=14, hashes_per_bucket=8)
    stage("signatures", [JsonlReader(f"{out}/filtered"),
                         MinhashDedupSignature(f"{out}/signatures", config=config, language=Languages.english)], files)
    stage("buckets", [MinhashDedupBuckets(f"{out}/signatures", f"{out}/buckets", config=config)], config.num_buckets)
    stage("clusters", [MinhashDedupCluster(f"{out}/buckets", f"{out}/remove_ids", config=config)], 1)
    stage("final", [JsonlReader(f"{out}/filtered"),
                    MinhashDedupFilter(f"{out}/remove_ids", exclusion_writer=removed("dedup")),
                    PIIFormatter(), JsonlWriter(f"{out}/final")], files)


def _place_lid_model(model_class, lid_model: str) -> None:
    """Put our lid.176.ftz where datatrove's workers look for the lid.176.bin they would download
    (offline here), marked complete as its own download would be: both tools use one model."""
    import datatrove.io as dio

    folder = dio.cached_assets_path(library_name="datatrove", namespace="lid", subfolder=model_class.MODEL_SUBFOLDER)
    path = os.path.join(folder, dio.strip_protocol(model_class.MODEL_URL).replace("/", "_"))
    shutil.copyfile(lid_model, path)
    Path(f"{path}.completed").touch()


# ---------------------------------------------------------------- environments

def ensure_env(env: Path, packages: list[str], layer_on_ours: bool = False) -> Path:
    """A virtualenv with `packages`. `layer_on_ours`: it sees everything .venv has (Refinery
    included) and its own packages, installed without dependencies, take precedence."""
    python = env / "bin" / "python"
    if (env / ".complete").exists():
        return python
    print(f"building {env} ({', '.join(packages)}) ...", flush=True)
    shutil.rmtree(env, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    if layer_on_ours:
        ours = subprocess.run([str(REPO / ".venv" / "bin" / "python"), "-c", "import site; print(site.getsitepackages()[0])"],
                              check=True, capture_output=True, text=True).stdout.strip()
        site = subprocess.run([str(python), "-c", "import site; print(site.getsitepackages()[0])"],
                              check=True, capture_output=True, text=True).stdout.strip()
        Path(site, "refinery_layer.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", *(["--no-deps"] if layer_on_ours else []), *packages],
                   check=True)
    (env / ".complete").touch()
    return python


def lid_model_path() -> str:
    sys.path.insert(0, str(REPO))
    from pipeline.language import default_model_path

    return default_model_path()


# ---------------------------------------------------------------- the runs

def datatrove_ut1_list(datatrove: Path, folder: Path) -> Path:
    """The UT1 adult domains datatrove ships (its URL filter blocks them), as a plain list our
    URL filter reads for `ut1:adult` (REFINERY_UT1_BASE_URL): both tools block the same domains,
    and no download is needed."""
    assets = subprocess.run([str(datatrove), "-c", "from datatrove.utils._import_utils import ASSETS_PATH; print(ASSETS_PATH)"],
                            check=True, capture_output=True, text=True).stdout.strip()
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(os.path.join(assets, "url_filterblacklistsv0_3_0.tar.gz")) as tar:
        (folder / "adult").write_bytes(tar.extractfile("domains").read())
    return folder


def timed(command: list[str], out: Path, log: Path, env: dict) -> float:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    with open(log, "a") as sink:
        result = subprocess.run(command, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT, env=env)
    seconds = time.perf_counter() - started
    if result.returncode:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}); its output is in {log}")
    return seconds


def ours(python: Path, corpus: Path, out: Path, recipe: str, workers: int) -> list[str]:
    return [str(python), "-m", "pipeline.cli", "dataset", "--input", str(corpus / "*.warc.gz"), "--out", str(out),
            "--recipe", str(REPO / "recipes" / recipe), "--workers", str(workers)]


def datatrove_ids(folder: Path) -> set[str]:
    """Document ids of a datatrove output folder, as ours writes them (the record's UUID, bare)."""
    ids = set()
    for path in folder.glob("*.jsonl.gz"):
        with gzip.open(path, "rt") as lines:
            for line in lines:
                ids.add(json.loads(line)["id"].strip("<>").removeprefix("urn:uuid:").replace("-", "").lower())
    return ids


def refinery_ids(folder: Path) -> set[str]:
    import polars as pl

    return set(pl.read_parquet(folder / "*.parquet", columns=["id"])["id"].to_list())


def captures(run: Path) -> int:
    """The response records of the corpus (requests, metadata and warcinfo records aside)."""
    import polars as pl

    reads = pl.read_parquet(run / "ledger" / "*.parquet", columns=["stage", "reason"]).filter(pl.col("stage") == "read")
    return reads.filter(pl.col("reason").is_null() | ~pl.col("reason").str.ends_with("_record")).height


def agreement(label: str, a_name: str, a: set, b_name: str, b: set) -> None:
    both = len(a & b)
    print(f"{label}: {a_name} {len(a):,}, {b_name} {len(b):,}; {both / max(len(a), 1):.2%} of {a_name}'s "
          f"kept by {b_name}, {both / max(len(b), 1):.2%} of {b_name}'s kept by {a_name}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", help="a make_corpus folder (default: build a held-out one, seed 9)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=2, help="runs of each command, alternating (default: %(default)s)")
    ap.add_argument("--envs", type=Path, default=Path(tempfile.gettempdir()) / "refinery-vs-datatrove",
                    help="where the side environments are kept between runs (default: %(default)s)")
    ap.add_argument("--side", nargs=4, metavar=("CORPUS", "OUT", "WORKERS", "LID_MODEL"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.side:
        corpus, out, workers, model = args.side
        run_datatrove(corpus, out, int(workers), model)
        return 0

    sys.path.insert(0, str(REPO))
    from bench.shared_corpus import corpus_folder

    args.envs.mkdir(parents=True, exist_ok=True)
    datatrove = ensure_env(args.envs / "datatrove", DATATROVE_PACKAGES)
    ours_111 = ensure_env(args.envs / "refinery-trafilatura-1.11", [DATATROVE_TRAFILATURA], layer_on_ours=True)
    shipped = REPO / ".venv" / "bin" / "python"
    with tempfile.TemporaryDirectory() as tmp:
        corpus = corpus_folder(args.corpus, tmp, seed=9).resolve()
        work, log = Path(tmp), Path(tmp) / "runs.log"
        env = {**os.environ, "REFINERY_UT1_BASE_URL": str(datatrove_ut1_list(datatrove, work / "ut1")),
               "REFINERY_CACHE": str(work / "cache")}
        # Build the list's cache before the clock runs (a first load hashes 4.6M domains).
        subprocess.run([str(shipped), "-c", "from pipeline.recipe import load_recipe; load_recipe('recipes/fineweb.toml')"],
                       cwd=REPO, env=env, check=True)
        commands = {
            "datatrove 0.10.1 (trafilatura 1.11)": (
                [str(datatrove), __file__, "--side", str(corpus), str(work / "datatrove"), str(args.workers),
                 lid_model_path()], work / "datatrove"),
            "fineweb.toml (trafilatura 1.11)": (ours(ours_111, corpus, work / "fineweb-111", "fineweb.toml", args.workers),
                                                work / "fineweb-111"),
            "fineweb.toml": (ours(shipped, corpus, work / "fineweb", "fineweb.toml", args.workers), work / "fineweb"),
            "fineweb-exact.toml": (ours(shipped, corpus, work / "exact", "fineweb-exact.toml", args.workers),
                                   work / "exact"),
            "fineweb-resiliparse.toml": (ours(shipped, corpus, work / "resiliparse", "fineweb-resiliparse.toml",
                                              args.workers), work / "resiliparse"),
        }
        seconds: dict[str, list[float]] = {name: [] for name in commands}
        for pair in range(args.pairs):
            order = list(commands) if pair % 2 == 0 else list(reversed(commands))
            for name in order:
                command, out = commands[name]
                seconds[name].append(timed(command, out, log, env))
                print(f"  pair {pair + 1}: {name}: {seconds[name][-1]:.1f} s", flush=True)

        responses = captures(work / "fineweb")
        base = statistics.median(seconds["datatrove 0.10.1 (trafilatura 1.11)"])
        print(f"\n{corpus}: {responses:,} captures (response records), {args.workers} workers, median of {args.pairs} runs each\n")
        print(f"{'command':<40}{'wall s':>8}{'captures/s/core':>17}{'vs datatrove':>14}")
        for name, runs in seconds.items():
            wall = statistics.median(runs)
            print(f"{name:<40}{wall:>8.1f}{responses / wall / args.workers:>17.1f}{base / wall:>13.2f}x")
        print()
        agreement("kept before dedup, trafilatura 1.11 both", "datatrove", datatrove_ids(work / "datatrove" / "filtered"),
                  "fineweb.toml", refinery_ids(work / "fineweb-111" / "docs"))
        agreement("final documents", "fineweb-exact.toml", refinery_ids(work / "exact" / "final"),
                  "fineweb.toml", refinery_ids(work / "fineweb" / "final"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
