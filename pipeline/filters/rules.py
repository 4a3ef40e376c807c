"""What every rule-based filter shares: a recipe switches rules off by name, and the first
failing rule, in the published order, names the drop."""
from __future__ import annotations

from collections.abc import Iterable

from ..decision import Decision, drop, keep
from ..errors import RefineryError


def disabled_rules(step: str, disable: Iterable[str], rules: Iterable[str]) -> frozenset[str]:
    """The rule names a recipe's `disable = [...]` switches off, checked against the step's rules
    so that a typo fails loudly instead of leaving the rule on."""
    disable, rules = frozenset(disable), tuple(rules)
    unknown = sorted(disable - set(rules))
    if unknown:
        raise RefineryError(f"[{step}] disable: unknown rule(s) {unknown}; the rules are {list(rules)}")
    return disable


def first_failure(step: str, failures: Iterable[tuple[str, bool]], disabled: frozenset[str], metrics: dict) -> Decision:
    """Drop for the first (rule, failed) pair that failed and is not disabled, else keep; the
    measured values travel with the decision either way."""
    for rule, failed in failures:
        if failed and rule not in disabled:
            return drop(f"{step}:{rule}", **metrics)
    return keep(**metrics)
