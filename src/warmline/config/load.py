"""YAML -> validated Policy -> CompiledPolicy, all or nothing.

Every problem is reported with its YAML path, line and a hint; a file with any problem is refused whole, so a
broken rule can never silently switch escalation off.
"""
from __future__ import annotations

import difflib
import importlib.resources
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable
from zoneinfo import ZoneInfo, available_timezones

import holidays as holiday_data
import yaml
from jinja2 import StrictUndefined, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ValidationError

from ..core import hours, rules as core_rules
from ..core.flows import FlowSpec, FlowStep
from ..core.lexicon import LexiconSpec, Near, PhraseMatcher
from ..core.policy import AUXILIARY_LEXICONS, BUILTIN_TRIGGERS, CompiledPolicy, QueueSpec, SemanticSpec
from ..core.routing import RouteNode
from ..core.text import normalise_phrase
from ..errors import ConfigError, Problem
from . import schema
from .vader import ClauseBoundAnalyzer

DEFAULT_NAME = "default.yaml"
DRAFT_LEXICONS = frozenset({"risky_draft", "fallback_phrases", "negators"})
KNOWN_WORDS = "known_words"   # words never corrected as typos: product names, words newer than the dictionary
REQUIRED_MESSAGES = ("handoff", "after_hours", "alternatives", "offer", "check")


def default_text() -> str:
    return importlib.resources.files("warmline.config").joinpath(DEFAULT_NAME).read_text(encoding="utf-8")


def load_policy(path: str | Path | None = None) -> CompiledPolicy:
    """Load and compile a policy file (the embedded default when path is None)."""
    if path is None:
        return _default_policy()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), [Problem("", "file not found", hint="check the path")]) from None
    except (UnicodeDecodeError, IsADirectoryError) as exc:
        raise ConfigError(str(path), [Problem("", f"cannot read as UTF-8 text: {exc}")]) from None
    return compile_text(text, str(path))


@lru_cache(maxsize=1)
def _default_policy() -> CompiledPolicy:
    return compile_text(default_text(), "<default policy>")


def check_text(text: str, source: str) -> list[Problem]:
    """Every problem in a policy text (empty when it is valid)."""
    try:
        compile_text(text, source)
    except ConfigError as exc:
        return exc.problems
    return []


def compile_text(text: str, source: str) -> CompiledPolicy:
    data, lines = _parse_yaml(text, source)
    try:
        policy = schema.Policy.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, [_problem(e, lines) for e in exc.errors()]) from None
    problems: list[Problem] = []
    base = Path(source).parent if Path(source).is_file() else None
    compiled = _compile(policy, lines, problems, base)
    if problems:
        raise ConfigError(source, problems)
    return compiled


# -- YAML with line numbers -------------------------------------------------------------------------------------
class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. (YAML 1.1 reads `on`, `no`, `y` as booleans, which turns the rule
    key `on:` and the word "no" in a lexicon into True/False.)"""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


def _parse_yaml(text: str, source: str) -> tuple[Any, dict[str, int]]:
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(source, [Problem("", f"invalid YAML: {problem}", line,
                                           "check indentation and quoting around this line")]) from None
    if not isinstance(data, dict):
        raise ConfigError(source, [Problem("", "the policy must be a mapping with version, lexicons, rules, ...",
                                           1, "start from src/warmline/config/default.yaml")])
    lines: dict[str, int] = {}
    _index(node, "", lines)
    return data, lines


def _index(node: Any, path: str, lines: dict[str, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{path}.{key.value}" if path else str(key.value)
            lines[child] = key.start_mark.line + 1
            _index(value, child, lines)
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _index(value, f"{path}[{i}]", lines)


def _path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _line(path: str, lines: dict[str, int]) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = re.sub(r"(\[\d+\]|\.[^.\[]+|^[^.\[]+)$", "", path)
    return None


# -- pydantic errors -> problems --------------------------------------------------------------------------------
def _all_field_names() -> list[str]:
    names: set[str] = set()
    for obj in vars(schema).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj is not BaseModel:
            for name, field in obj.model_fields.items():
                names.add(field.alias or name)
    return sorted(names)


def _problem(error: dict[str, Any], lines: dict[str, int]) -> Problem:
    loc = [p for p in error["loc"] if not (isinstance(p, str) and p.startswith(("function-", "literal[")))]
    path = _path(loc)
    kind = error["type"]
    hint = None
    if kind == "extra_forbidden":
        key = str(loc[-1])
        close = difflib.get_close_matches(key, _all_field_names(), n=1)
        hint = f"did you mean '{close[0]}'?" if close else "remove it; see the README for the keys of this section"
        message = f"unknown key '{key}'"
    elif kind == "literal_error":
        expected = re.findall(r"'([^']*)'", error.get("ctx", {}).get("expected", ""))
        close = difflib.get_close_matches(str(error.get("input")), expected, n=1)
        message = f"{error['input']!r} is not one of {', '.join(expected)}"
        hint = f"did you mean '{close[0]}'?" if close else None
    elif kind == "missing":
        message = "required key is missing"
        hint = "see src/warmline/config/default.yaml for an example"
    else:
        message = error["msg"].removeprefix("Value error, ")
    return Problem(path, message, _line(path, lines), hint)


# -- cross-references and compilation ---------------------------------------------------------------------------
def _suggest(name: str, candidates: Iterable[str]) -> str | None:
    """'did you mean ...?' by spelling, else by a shared word ('asked_for_humans' -> 'human_request')."""
    candidates = sorted(candidates)
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.5)
    if not close:
        stems = {part[:5] for part in re.split(r"[_\W]+", name.lower()) if len(part) >= 4}
        close = [c for c in candidates if stems & {p[:5] for p in re.split(r"[_\W]+", c.lower()) if len(p) >= 4}]
    return f"did you mean '{close[0]}'?" if close else None


def _compile(policy: schema.Policy, lines: dict[str, int], problems: list[Problem],
             base: Path | None = None) -> CompiledPolicy:
    def problem(path: str, message: str, hint: str | None = None) -> None:
        problems.append(Problem(path, message, _line(path, lines), hint))

    topics = tuple(name for name in policy.lexicons if name not in AUXILIARY_LEXICONS)
    triggers = set(BUILTIN_TRIGGERS) | set(topics)
    for name, lex in policy.lexicons.items():
        if not (lex.phrases or lex.strong or lex.near or lex.alone):
            problem(f"lexicons.{name}", "lexicon has no phrases, strong, near or alone entries")
    known = policy.lexicons.get(KNOWN_WORDS)
    for i, word in enumerate(known.phrases if known else ()):
        if len(normalise_phrase(word).split()) != 1:
            problem(f"lexicons.{KNOWN_WORDS}.phrases[{i}]", f"{word!r} is not one word",
                    "known_words are single words never corrected as typos; list each word of a name apart")
    compiled_rules = _compile_rules(policy, triggers, problem)
    calendars = _compile_calendars(policy, problem)
    queues = _compile_queues(policy, calendars, problem)
    routes = _compile_route(policy.routes, "routes", None, set(policy.queues), problem)
    templates = _compile_templates(policy, problem)
    semantic = _compile_semantic(policy, triggers, problem, base)
    flows = _compile_flows(policy, problem)
    if problems:
        return None  # type: ignore[return-value]
    return CompiledPolicy(
        name=policy.name, version=policy.version, thresholds=policy.thresholds,
        segments=policy.segments, precedence=policy.precedence,
        matcher=_matcher(policy), topics=topics,
        rules=tuple(compiled_rules), routes=routes, queues=queues,
        templates=templates, sentiment=_sentiment_analyzer(_neutral_words(policy)),
        approved_draft_intents=frozenset(policy.drafts.approved_intents), semantic=semantic,
        draft_matcher=_matcher(policy, only=DRAFT_LEXICONS), route_variables=_route_variables(routes),
        flows=flows, analytics=policy.analytics,
    )


def _compile_flows(policy: schema.Policy, problem) -> dict[str, FlowSpec]:
    out, claimed = {}, {}
    for name, flow in policy.flows.items():
        for i, queue in enumerate(flow.queues):
            if queue not in policy.queues:
                problem(f"flows.{name}.queues[{i}]", f"unknown queue '{queue}'", _suggest(queue, policy.queues))
            elif queue in claimed:
                problem(f"flows.{name}.queues[{i}]", f"queue '{queue}' already has flow '{claimed[queue]}'")
            claimed.setdefault(queue, name)
        for i, step in enumerate(flow.steps):
            for value, queue in step.route.items():
                if queue not in policy.queues:
                    problem(f"flows.{name}.steps[{i}].route.{value}", f"unknown queue '{queue}'",
                            _suggest(queue, policy.queues))
        out[name] = FlowSpec(name, tuple(flow.queues), tuple(
            FlowStep(s.field, s.ask, s.kind, s.optional, {k: tuple(v) for k, v in s.options.items()}, dict(s.route))
            for s in flow.steps), flow.max_tries)
    return out


def _compile_semantic(policy: schema.Policy, triggers: set[str], problem, base: Path | None) -> SemanticSpec:
    spec = policy.semantic
    for key in ("exemplars", "thresholds"):
        for trigger in getattr(spec, key):
            if trigger not in triggers:
                problem(f"semantic.{key}.{trigger}", f"unknown trigger '{trigger}'", _suggest(trigger, triggers))
    for trigger, texts in spec.exemplars.items():
        if not texts:
            problem(f"semantic.exemplars.{trigger}", "no exemplars", "give a few phrasings, or remove the trigger")
    probe_model, heads = _probe_model(spec.probe_model, base, problem)
    for trigger in spec.probes:
        if trigger not in spec.exemplars and trigger not in heads:
            problem(f"semantic.probes.{trigger}", f"no exemplars for '{trigger}' to train its probe on, and no "
                    "probe for it in the probe model",
                    _suggest(trigger, set(spec.exemplars)) or "add semantic.exemplars for it, or remove the probe")
    return SemanticSpec(spec.enabled and bool(spec.exemplars), spec.threshold, spec.margin, dict(spec.thresholds),
                        {k: tuple(v) for k, v in spec.exemplars.items()}, tuple(spec.routine),
                        _tone_model(spec.tone_model, base, problem), dict(spec.probes), probe_model)


def _model_file(value: str, base: Path | None) -> Path:
    """A model file named in the policy, relative to the policy file."""
    path = Path(value).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    return path.resolve()


def _probe_model(value: str, base: Path | None, problem) -> tuple[str, frozenset[str]]:
    """("builtin" | "exemplars" | the absolute path of a probe model file, the triggers it has probes for)."""
    if value == "exemplars":
        return value, frozenset()
    from ..scorers.probes import ProbeModelError, load
    path = None if value == "builtin" else _model_file(value, base)
    try:
        heads = frozenset(load(path).heads)
    except ProbeModelError as exc:
        problem("semantic.probe_model", str(exc), "use builtin, exemplars, or a file written by "
                                                  "`warmline train-probes`")
        return "exemplars", frozenset()
    return value if path is None else str(path), heads


def _tone_model(value: str, base: Path | None, problem) -> str | None:
    """"builtin", None for "off", or the absolute path of a tone model file (relative to the policy file)."""
    if value in ("builtin", "off"):
        return None if value == "off" else value
    path = _model_file(value, base)
    from ..scorers.tone import ToneModelError, load
    try:
        load(path)
    except ToneModelError as exc:
        problem("semantic.tone_model", str(exc), "use builtin, off, or a file written by `warmline train-tone`")
        return None
    return str(path)


def _compile_rules(policy: schema.Policy, triggers: set[str], problem) -> list[core_rules.CompiledRule]:
    out, seen = [], set()
    thresholds = policy.thresholds.model_dump()
    for i, rule in enumerate(policy.rules):
        path = f"rules[{i}]"
        if rule.id in seen:
            problem(f"{path}.id", f"duplicate rule id '{rule.id}'", "rule ids name reasons and must be unique")
        seen.add(rule.id)
        for key in ("on", "trigger"):
            value = getattr(rule, key)
            if value is not None and value not in triggers:
                problem(f"{path}.{key}", f"unknown trigger '{value}'", _suggest(value, triggers)
                        or "add a lexicon with that name to define a new trigger")
        if rule.say is not None and rule.say not in policy.messages:
            problem(f"{path}.say", f"unknown message '{rule.say}'", _suggest(rule.say, policy.messages))
        program, variables = None, frozenset()
        if rule.when is not None:
            try:
                program = core_rules.compile_condition(rule.when, thresholds)
                variables = core_rules.variables_of(program, rule.when)
            except ValueError as exc:
                problem(f"{path}.when", f"invalid CEL condition: {_first_line(exc)}",
                        _cel_hint(str(exc), triggers))
        out.append(core_rules.CompiledRule(rule.id, rule.on, rule.reported_trigger, rule.action, rule.priority,
                                           rule.timing, rule.wait_s, rule.say, rule.when, program, variables))
    return out


def _first_line(exc: Exception) -> str:
    text = str(exc)
    m = re.search(r"ERROR: <input>:(\d+:\d+): ([^\n]*)", text)
    return f"{m.group(2)} at {m.group(1)}" if m else text.splitlines()[0]


def _cel_hint(message: str, triggers: set[str]) -> str:
    if "unknown threshold" in message:
        return "see the thresholds section of the policy"
    m = re.search(r"unknown variable '([^']+)'", message)
    if m:
        return _suggest(m.group(1), core_rules.CEL_VARIABLES) or "conditions are CEL over the listed variables"
    return 'conditions are CEL, e.g. signals.churn.count >= 2 && "billing" in triggers'


def _compile_calendars(policy: schema.Policy, problem) -> dict[str, hours.CalendarSpec]:
    zones = None
    out = {}
    for name, cal in policy.calendars.items():
        path = f"calendars.{name}"
        try:
            ZoneInfo(cal.timezone)
        except Exception:
            zones = zones or available_timezones()
            problem(f"{path}.timezone", f"unknown time zone '{cal.timezone}'", _suggest(cal.timezone, zones))
            continue
        country = cal.holidays.country
        if country and country not in holiday_data.list_supported_countries():
            problem(f"{path}.holidays.country", f"unknown holiday country '{country}'",
                    _suggest(country, holiday_data.list_supported_countries()) or "use an ISO 3166 code like US")
            continue
        dates = set()
        for j, text in enumerate(cal.holidays.dates):
            try:
                dates.add(date.fromisoformat(text))
            except ValueError:
                problem(f"{path}.holidays.dates[{j}]", f"'{text}' is not a date", "use YYYY-MM-DD")
        if not cal.always_open and not any(cal.hours.values()):
            problem(f"{path}.hours", "calendar has no opening hours", "add hours or set always_open: true")
        week = tuple(tuple(sorted(hours.parse_interval(s) for s in cal.hours.get(day, [])))
                     for day in hours.WEEKDAYS)
        out[name] = hours.CalendarSpec(name, cal.timezone, cal.always_open, week, country,
                                       cal.holidays.subdivision, frozenset(dates))
    return out


def _compile_queues(policy: schema.Policy, calendars: dict[str, hours.CalendarSpec], problem) -> dict[str, QueueSpec]:
    out = {}
    for name, q in policy.queues.items():
        cal = calendars.get(q.calendar)
        if cal is None:
            if q.calendar not in policy.calendars:
                problem(f"queues.{name}.calendar", f"unknown calendar '{q.calendar}'",
                        _suggest(q.calendar, policy.calendars))
            continue
        if q.overflow is not None and (q.overflow not in policy.queues or q.overflow == name):
            problem(f"queues.{name}.overflow", f"'{q.overflow}' is not another queue",
                    _suggest(q.overflow, [n for n in policy.queues if n != name]))
        out[name] = QueueSpec(name, q.team, cal, dict(q.first_response_s), q.expected_wait_s,
                              q.alternatives_after_s, tuple(q.alternatives), q.follow_up_s, q.overflow)
    return out


def _compile_route(route: schema.Route, path: str, parent_queue: str | None, queues: set[str],
                   problem) -> RouteNode:
    queue = route.queue or parent_queue
    if route.queue is not None and route.queue not in queues:
        problem(f"{path}.queue", f"unknown queue '{route.queue}'", _suggest(route.queue, queues))
    if queue is None:
        problem(path, "the root route needs a queue", "set routes.queue to the default queue, e.g. support")
    program = None
    if route.when is not None:
        try:
            program = core_rules.compile_condition(route.when)
        except ValueError as exc:
            problem(f"{path}.when", f"invalid CEL condition: {_first_line(exc)}", _cel_hint(str(exc), set()))
    children = tuple(_compile_route(child, f"{path}.routes[{i}]", queue, queues, problem)
                     for i, child in enumerate(route.routes))
    return RouteNode(route.name, queue or "", route.when, program, route.continue_, children)


def _compile_templates(policy: schema.Policy, problem) -> dict[str, Any]:
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    sample = {"team": "support team", "queue": "support", "wait": "about 2 minutes", "wait_s": 120,
              "next_open": "09:00 UTC tomorrow", "follow_up": "11:00 UTC tomorrow",
              "alternatives": "call you back or email you", "customer": {"name": "Ada", "email": "ada@example.com"}}
    out = {}
    for name in REQUIRED_MESSAGES:
        if name not in policy.messages:
            problem("messages", f"missing message '{name}'", "the engine needs handoff, after_hours, "
                    "alternatives, offer and check")
    for name, source in policy.messages.items():
        try:
            template = env.from_string(source)
            template.render(**sample)
        except TemplateSyntaxError as exc:
            problem(f"messages.{name}", f"template error: {exc.message} (template line {exc.lineno})")
            continue
        except Exception as exc:  # undefined variables, sandbox violations
            problem(f"messages.{name}", f"template error: {exc}",
                    "variables: " + ", ".join(sorted(sample)))
            continue
        out[name] = template
    return out


def _route_variables(node: RouteNode) -> frozenset[str]:
    own = core_rules.variables_of(node.when, node.when_source) if node.when is not None else frozenset()
    return own.union(*(_route_variables(child) for child in node.children))


def _matcher(policy: schema.Policy, only: frozenset[str] | None = None) -> PhraseMatcher:
    specs = [LexiconSpec(name, phrases=tuple(lex.phrases), strong=tuple(lex.strong), except_=tuple(lex.except_),
                         near=tuple(Near(tuple(n.cues), tuple(n.targets), n.window, n.strong, n.either_order)
                                    for n in lex.near),
                         alone=tuple(lex.alone), negatable=lex.negatable, unless=tuple(lex.unless),
                         not_about=tuple(lex.not_about), factual=lex.factual, deniable=lex.deniable)
             for name, lex in policy.lexicons.items() if (only is None or name in only) and name != KNOWN_WORDS]
    negators = policy.lexicons["negators"].phrases if "negators" in policy.lexicons else ["not", "never", "no"]
    masked = policy.lexicons["profanity"].phrases if "profanity" in policy.lexicons else []
    known = policy.lexicons[KNOWN_WORDS].phrases if KNOWN_WORDS in policy.lexicons else []
    return PhraseMatcher(specs, _known_words() | {normalise_phrase(w) for w in known},
                         [w for w in masked if " " not in w], negators)


@lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    """Ordinary English words (from symspellpy's frequency list): never 'corrected' into a trigger phrase."""
    text = importlib.resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").read_text()
    return frozenset(line.split(" ", 1)[0] for line in text.splitlines() if line)


def _neutral_words(policy: schema.Policy) -> tuple[str, ...]:
    lex = policy.lexicons.get("sentiment_neutral")
    return tuple(sorted(w.lower() for w in lex.phrases)) if lex else ()


@lru_cache(maxsize=4)
def _sentiment_analyzer(neutral_words: tuple[str, ...]) -> ClauseBoundAnalyzer:
    """VADER with the words that merely describe a support problem ("cancel", "error") made neutral, so that
    describing a problem is not read as being upset about it, and with negation kept inside its clause."""
    analyzer = ClauseBoundAnalyzer()
    for word in neutral_words:
        analyzer.lexicon.pop(word, None)
    return analyzer
