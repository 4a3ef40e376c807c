"""The command line: each command is found in the module that registers it, and running one
loads that module alone."""
import argparse
import importlib

from pipeline.cli import COMMANDS, build_parser
from tests.conftest import modules_loaded


def registered(module: str) -> set[str]:
    sub = argparse.ArgumentParser().add_subparsers()
    importlib.import_module(module).register(sub)
    return set(sub.choices)


def test_each_command_is_registered_by_the_module_named_for_it():
    for module in set(COMMANDS.values()):
        assert registered(module) == {command for command, owner in COMMANDS.items() if owner == module}
    assert set(build_parser()._subparsers._group_actions[0].choices) == set(COMMANDS)


def test_a_command_loads_only_its_own_module():
    """`refinery dataset` starts its workers first: parsing its arguments must not load what
    the other commands need (Polars, tokenizers)."""
    code = "from pipeline.cli import build_parser; build_parser('dataset').parse_args(['dataset', '--out', 'x'])"
    assert modules_loaded(code, ("polars", "tokenizers", "tokenizer.cli", "reports.cli")) == []
    args = build_parser("report").parse_args(["report", "some-run"])
    assert args.command == "report" and callable(args.func)
