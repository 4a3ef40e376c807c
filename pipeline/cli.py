"""`refinery`: one command with a subcommand per step of the flow.

Each package registers its own subcommands (`register(subparsers)` in its `cli.py`), so the
command line grows with the project without this file knowing what each step does. What it
does know is which module registers each command, so that running one imports only that module,
and which argument names a command's run folder, so that every command appends an entry to that
folder's log (pipeline/runlog.py).
"""
from __future__ import annotations

import argparse
import importlib
import sys
from importlib.metadata import PackageNotFoundError, version

from . import runlog
from .errors import RefineryError
from .executors import skip_collection_at_exit

# Each command, and the module whose `register(subparsers)` adds it (with `set_defaults(func=...)`).
# A command imports its own module alone: all of them load Polars, tokenizers and more, ~0.5 s of
# CPU that `refinery dataset` would spend before it starts its workers. Help loads them all.
COMMANDS = {"dataset": "pipeline.commands", "fetch": "pipeline.commands", "recipe": "pipeline.commands",
            "classifier": "pipeline.classifier", "tokenizer": "tokenizer.cli", "train": "trainer.cli",
            "sample": "trainer.cli", "export": "trainer.cli", "report": "reports.cli", "ablate": "ablate.cli"}
# The libraries of the extras (pyproject.toml): a command that needs one says how to install it.
EXTRAS = {"torch": "train", "safetensors": "train", "matplotlib": "report", "ray": "ray", "s3fs": "s3"}
# The argument that names the run folder(s) a command works on: where its log entry goes.
RUN_FOLDER = {"dataset": "out", "tokenizer": "run", "train": "run", "export": "run", "report": "runs", "ablate": "out"}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of `command` alone when it is one of COMMANDS, else of every command."""
    parser = argparse.ArgumentParser(prog="refinery", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"refinery {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in [COMMANDS[command]] if command in COMMANDS else dict.fromkeys(COMMANDS.values()):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:           # a real import error inside the module: show it
                raise
            continue                     # that step is not part of this checkout yet
        module.register(sub)
    return parser


def _version() -> str:
    try:
        return version("refinery")
    except PackageNotFoundError:         # run from a checkout that was never installed
        return "(not installed)"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    skip_collection_at_exit()
    command = next((arg for arg in argv if not arg.startswith("-")), None)   # the only top-level options are flags
    args = build_parser(command).parse_args(argv)
    with runlog.command_log(run_folders(args), argv) as entry:
        entry.status = _run(args)
    return entry.status


def run_folders(args: argparse.Namespace) -> list[str]:
    """The run folders a command works on; none for `fetch` and `recipe`."""
    named = getattr(args, RUN_FOLDER.get(args.command, ""), None)
    if named is None:
        return []
    return [str(folder) for folder in (named if isinstance(named, list) else [named])]


def _run(args: argparse.Namespace) -> int:
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        print("interrupted: rerun the same command to resume", file=sys.stderr)
        return 130
    except RefineryError as e:
        print(f"refinery {args.command}: error: {e}", file=sys.stderr)
        return e.exit_code
    except ModuleNotFoundError as e:
        if e.name not in EXTRAS:
            raise
        print(f"refinery {args.command}: error: this command needs {e.name}, which is not installed: "
              f"pip install 'refinery[{EXTRAS[e.name]}]'", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
