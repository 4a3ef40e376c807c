"""`refinery`: one command with a subcommand per step of the flow.

Each package registers its own subcommands (`register(subparsers)` in its `cli.py`), so the
command line grows with the project without this file knowing what each step does.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .errors import RefineryError

# Modules that define `register(subparsers)`; each adds its subcommands with `set_defaults(func=...)`.
COMMAND_MODULES = ["pipeline.commands", "tokenizer.cli", "trainer.cli", "reports.cli"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="refinery", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:           # a real import error inside the module: show it
                raise
            continue                     # that step is not part of this checkout yet
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        print("interrupted: rerun the same command to resume", file=sys.stderr)
        return 130
    except RefineryError as e:
        print(f"refinery {args.command}: error: {e}", file=sys.stderr)
        return e.exit_code


if __name__ == "__main__":
    sys.exit(main())
