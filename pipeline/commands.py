"""The pipeline's subcommands: `refinery dataset`, `refinery fetch` and `refinery recipe check`."""
from __future__ import annotations

import os
from pathlib import Path

from .executors import EXECUTORS
from .layout import FORMATS
from .recipe import describe, load_recipe

RECIPES = Path(__file__).resolve().parent.parent / "recipes"


def register(sub) -> None:
    p = sub.add_parser("dataset", help="WARC files -> filtered, deduplicated documents in RUN/final/",
                       description="Read WARC files, extract, filter and deduplicate their pages; or filter and "
                                   "deduplicate a corpus of documents you already hold (Parquet or JSON Lines, "
                                   "FineWeb's or Dolma's columns). Rerun the same command to resume an "
                                   "interrupted run, or to retry shards whose input could not be read.")
    p.add_argument("--input", nargs="+", default=[], metavar="PATTERN",
                   help="WARC files: paths, globs, folders, http(s):// or s3:// URLs; cc:CRAWL (a Common "
                        "Crawl crawl, e.g. cc:CC-MAIN-2024-22, streamed); 'cc-index:CRAWL?url=PATTERN' "
                        "(the captures Common Crawl's URL index finds). Or document files: '*.parquet', "
                        "'*.jsonl', '*.jsonl.gz', '*.json.gz' (text, id, url or metadata.url columns); "
                        "their texts go straight to the text steps, without read and extract")
    p.add_argument("--input-list", metavar="FILE",
                   help="a file (plain or .gz, local or a URL) with one input a line, e.g. a warc.paths.gz")
    _add_selection(p, "files of a crawl, list or glob; records of a cc-index query")
    p.add_argument("--out", required=True, metavar="RUN", help="the run folder")
    p.add_argument("--format", choices=FORMATS, default="parquet",
                   help="how final/ is written: Parquet (default) or gzipped JSON Lines; a run keeps its format")
    p.add_argument("--recipe", default=str(RECIPES / "fineweb.toml"), help="a recipe TOML (default: %(default)s)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: %(default)s)")
    p.add_argument("--executor", choices=EXECUTORS, default="local",
                   help="local: a process pool (default); ray: Ray tasks, on a local Ray instance of --workers "
                        "CPUs, or on the cluster at --ray-address")
    p.add_argument("--ray-address", metavar="auto|HOST:PORT",
                   help="the Ray cluster to run on ('auto': the one this machine belongs to)")
    p.add_argument("--strict", action="store_true",
                   help="stop at a corrupt record or a file that is not a WARC (default: skip it, count it, report it)")
    _add_network(p)
    p.set_defaults(func=dataset)

    p = sub.add_parser("fetch", help="download a Common Crawl crawl's WARC files, or an index slice of it",
                       description="Download WARC files of a Common Crawl crawl into DIR under their own "
                                   "paths, resuming partial files and retrying throttled or cut transfers. "
                                   "With --url-pattern, fetch only the captures the URL index finds, by "
                                   "byte range, into WARC files of their own. Exits 0 only when every "
                                   "file is complete.")
    p.add_argument("--crawl", required=True, metavar="CC-MAIN-YYYY-WW", help="the crawl id")
    p.add_argument("--out", required=True, metavar="DIR", help="where the files go")
    p.add_argument("--url-pattern", metavar="PATTERN",
                   help="only captures of these URLs, e.g. '*.example.org' or 'example.org/docs/*'")
    _add_selection(p, "WARC files; with --url-pattern, records")
    p.add_argument("--base-url", help="where the crawl's files live (default: $REFINERY_CC_BASE_URL or "
                                      "https://data.commoncrawl.org; s3://commoncrawl with the [s3] extra)")
    p.add_argument("--index-url", help="the URL index server (default: $REFINERY_CC_INDEX_URL or "
                                       "https://index.commoncrawl.org)")
    p.add_argument("--parallel", type=int, default=4, metavar="K",
                   help="concurrent downloads per host, at most; fewer while the host throttles (default: %(default)s)")
    _add_network(p)
    p.set_defaults(func=fetch)

    p = sub.add_parser("recipe", help="work with recipes: `refinery recipe check FILE`")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser("check", help="check a recipe and print what it resolves to",
                           description="Check a recipe as `refinery dataset` would, then print its steps "
                                       "in running order with every parameter, marked `recipe` or `default`. "
                                       "Exits 0 when the recipe is valid, 2 with the error otherwise.")
    p.add_argument("file", metavar="FILE", help="a recipe TOML")
    p.set_defaults(func=recipe_check)


def _add_selection(p, what: str) -> None:
    p.add_argument("--limit", type=int, metavar="N", help=f"only the first N ({what})")
    p.add_argument("--sample-seed", type=int, metavar="S", help="with --limit: a reproducible random N instead")


def _add_network(p) -> None:
    from .sources.retry import RetryPolicy

    d = RetryPolicy()
    p.add_argument("--retries", type=int, default=d.attempts, metavar="N",
                   help="give a transfer up after N failures in a row without progress (default: %(default)s)")
    p.add_argument("--stall-timeout", type=float, default=d.stall_timeout, metavar="S",
                   help="no byte for S seconds counts as a cut connection (default: %(default)s)")
    p.add_argument("--backoff", type=float, default=d.backoff, metavar="S",
                   help="first wait before a retry, doubling per failure, with jitter (default: %(default)s)")


def _policy(args):
    from .sources.retry import RetryPolicy

    return RetryPolicy(attempts=args.retries, stall_timeout=args.stall_timeout, backoff=args.backoff)


def dataset(args) -> int:
    from .errors import RefineryError
    from .executors import make_executor

    if not args.input and not args.input_list:
        raise RefineryError("give the inputs with --input or --input-list")
    # The workers start first: each takes a second or so to import the pipeline and build the
    # recipe's steps, which it does while this process imports and checks the same.
    recipe = Path(args.recipe)
    text = recipe.read_text(encoding="utf-8") if recipe.is_file() else None   # else load_recipe says so
    prepare = ("pipeline.tasks:prepare_worker", {"recipe_text": text}) if text is not None else None
    pool = make_executor(args.executor, args.workers, args.ray_address, prepare=prepare)
    try:
        from .dataset import run_dataset

        run_dataset(args.input, args.out, load_recipe(recipe, text), args.workers, input_list=args.input_list,
                    limit=args.limit, sample_seed=args.sample_seed, retry=_policy(args), strict=args.strict,
                    pool=pool, format=args.format)
    finally:
        pool.close()
    return 0


def fetch(args) -> int:
    from .fetch import fetch_crawl, fetch_slice

    if args.url_pattern:
        return fetch_slice(args.crawl, args.url_pattern, args.out, limit=args.limit, base=args.base_url,
                           index=args.index_url, parallel=args.parallel, policy=_policy(args))
    return fetch_crawl(args.crawl, args.out, limit=args.limit, sample_seed=args.sample_seed, base=args.base_url,
                       parallel=args.parallel, policy=_policy(args))


def recipe_check(args) -> int:
    print(describe(load_recipe(args.file)))
    return 0
