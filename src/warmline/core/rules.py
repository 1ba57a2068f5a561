"""Rules: CEL conditions over one turn's signals, compiled once, evaluated with a trace.

A rule with `on` is only evaluated when that trigger fired, which keeps the cost per turn to the few rules that
can match. CEL (not Python eval) means a rule cannot reach into the process and always terminates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import cel

from .model import Reason, Signal

CEL_VARIABLES = frozenset(
    {"triggers", "signals", "counts", "facts", "customer", "segment", "confidence", "sentiment", "thresholds",
     "primary", "priority"}
)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    id: str
    on: str | None
    trigger: str
    action: str
    priority: str
    timing: str
    wait_s: int | None
    say: str | None
    when_source: str | None
    when: Any  # cel.Program | None
    variables: frozenset[str] = frozenset()  # the CEL variables `when` reads: only these are built per turn


@dataclass(frozen=True, slots=True)
class Match:
    rule: CompiledRule
    reason: Reason


_THRESHOLD = re.compile(r"\bthresholds((?:\.[A-Za-z_]\w*)+)")


def fold_thresholds(source: str, thresholds: Mapping[str, Any]) -> str:
    """Replace `thresholds.x.y` by its value when the policy loads: the numbers are constants of the policy,
    and converting them into every turn's CEL context would cost more than the rules themselves."""
    def literal(match: re.Match) -> str:
        value: Any = thresholds
        for part in match.group(1).strip(".").split("."):
            if not isinstance(value, Mapping) or part not in value:
                raise ValueError(f"unknown threshold 'thresholds{match.group(1)}'; thresholds are: "
                                 f"{', '.join(sorted(thresholds))}")
            value = value[part]
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return repr(value)
        raise ValueError(f"threshold 'thresholds{match.group(1)}' is a section, not a number")
    return _THRESHOLD.sub(literal, source)


def compile_condition(source: str, thresholds: Mapping[str, Any] | None = None) -> Any:
    """Compile a CEL condition; raise ValueError with CEL's line:column message when it does not parse."""
    program = cel.compile(fold_thresholds(source, thresholds or {}))
    unknown = sorted(set(program.variables()) - CEL_VARIABLES - _bound_names(source))
    if unknown:
        raise ValueError(f"unknown variable {unknown[0]!r}; conditions can use {', '.join(sorted(CEL_VARIABLES))}")
    return program


def variables_of(program: Any, source: str) -> frozenset[str]:
    return frozenset(program.variables()) & CEL_VARIABLES - _bound_names(source)


def _bound_names(source: str) -> set[str]:
    """Names bound by CEL macros such as `triggers.exists(t, t == "billing")`."""
    return set(re.findall(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,", source))


def context_for(variables: Mapping[str, Any]) -> Any:
    return cel.Context(dict(variables))


def lazy_context(makers: Mapping[str, Callable[[], Any]], needed: Iterable[str]) -> Any:
    """A CEL context holding only the variables some condition reads (converting values costs ~2 µs each)."""
    return cel.Context({name: makers[name]() for name in needed})


def holds(program: Any, context: Any) -> tuple[bool, str | None]:
    """Evaluate a condition. A condition that errors (a missing fact, say) does not hold; the error is traced."""
    try:
        result = program.execute(context)
    except Exception as exc:  # CEL reports missing keys and type errors as Python exceptions
        return False, f"{type(exc).__name__}: {exc}"
    if not isinstance(result, bool):
        return False, f"condition gave {result!r}, not true/false"
    return result, None


def candidates(rules: tuple[CompiledRule, ...], fired: Mapping[str, Signal]) -> list[CompiledRule]:
    """The rules that can match this turn: those whose `on` trigger fired, and those without `on`."""
    return [r for r in rules if r.on is None or r.on in fired]


def evaluate(rules: Iterable[CompiledRule], fired: Mapping[str, Signal], context: Any,
             trace: list[dict[str, Any]]) -> list[Match]:
    matches: list[Match] = []
    for rule in rules:
        entry: dict[str, Any] = {"rule": rule.id, "on": rule.on, "when": rule.when_source}
        ok, error = (True, None) if rule.when is None else holds(rule.when, context)
        entry["passed"] = ok
        if error:
            entry["error"] = error
        trace.append(entry)
        if ok:
            matches.append(Match(rule, _reason(rule, fired)))
    return matches


def _reason(rule: CompiledRule, fired: Mapping[str, Signal]) -> Reason:
    signal = fired.get(rule.on or rule.trigger) or fired.get(rule.trigger)
    evidence = signal.evidence.text if signal and signal.evidence else None
    detail = signal.detail if signal else ""
    if rule.when_source and not detail:
        detail = rule.when_source
    return Reason(rule.id, rule.trigger, evidence, detail)
