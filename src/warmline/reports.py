"""The weekly review and the dashboard's charts: analytics rendered as Markdown or self-contained HTML (inline
SVG, no scripts), so it can be mailed or archived."""
from __future__ import annotations

import html
from typing import Any, Mapping


def bar_chart(title: str, values: Mapping[str, float], unit: str = "", width: int = 520) -> str:
    """A horizontal bar chart as inline SVG, with a text fallback for screen readers."""
    e = html.escape
    items = list(values.items())[:24]
    if not items:
        return f'<figure><figcaption>{e(title)}</figcaption><p>No data.</p></figure>'
    top = max(v for _, v in items) or 1
    row, label_w = 22, 150
    bars = []
    for i, (label, value) in enumerate(items):
        w = int((width - label_w - 60) * value / top)
        y = i * row
        bars.append(f'<text x="0" y="{y + 15}" font-size="12">{e(str(label))[:22]}</text>'
                    f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="14" fill="#2b5bd7"/>'
                    f'<text x="{label_w + w + 6}" y="{y + 15}" font-size="12">{_fmt(value)}{e(unit)}</text>')
    text = "; ".join(f"{label}: {_fmt(value)}{unit}" for label, value in items)
    return (f'<figure><figcaption>{e(title)}</figcaption><svg role="img" aria-label="{e(title)}: {e(text)}" '
            f'width="{width}" height="{row * len(items)}" xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg>'
            f'</figure>')


def _fmt(value: float) -> str:
    return f"{value:.0%}" if isinstance(value, float) and value <= 1 else f"{value:g}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def headline(a: Mapping[str, Any]) -> list[tuple[str, str]]:
    low, high = a["target_band"]
    t = a["time_to_human_s"]
    flag = {"over": "over the band: is the bot doing its part?", "under": "under the band: are customers trapped?",
            "within": "within the band", None: "no conversations"}[a["escalation_flag"]]
    return [
        ("Conversations", str(a["conversations"])),
        ("Escalation rate", f"{_pct(a['escalation_rate'])} (target {low:.0%}–{high:.0%}: {flag})"),
        ("Appropriate escalations (agent feedback)", f"{_pct(a['appropriate_rate'])} of {a['judged']} judged"),
        ("Escalations resolved by a person", _pct(a["resolution_rate"])),
        ("Time to human p50 / p90", f"{_secs(t['p50'])} / {_secs(t['p90'])} (target p50 {_secs(t['target_p50'])})"),
        ("CSAT after escalation / bot only", f"{a['csat_after_escalation'] or '—'} / {a['csat_bot_only'] or '—'}"),
        ("Deflection / resolved without a 48-hour recontact",
         f"{_pct(a['deflection_rate'])} / {_pct(a['resolved_within_window_rate'])}"),
        ("Bot-trap index (frustrated, never escalated)",
         f"{_pct(a['bot_trap_index'])} of {a['frustrated_conversations']} frustrated conversations"),
    ]


def _secs(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} s" if value < 120 else f"{value / 60:.1f} min"


def markdown(a: Mapping[str, Any], title: str) -> str:
    lines = [f"# {title}", "", f"{a['period']['from']} to {a['period']['to']}", "", "| measure | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in headline(a)]
    for name, key in (("Top reasons", "by_trigger"), ("By queue", "by_queue"), ("By segment", "by_segment"),
                      ("By hour of week (UTC)", "by_hour_of_week")):
        lines += ["", f"## {name}", ""] + ([f"- {k}: {v}" for k, v in a[key].items()] or ["- none"])
    lines += ["", "## Escalation rate by day", ""] + [f"- {d['day']}: {_pct(d['rate'])} of {d['conversations']}"
                                                       for d in a["by_day"]]
    lines += ["", "## Could the AI have handled it?", ""] + (
        [f"- {c['handoff']} ({', '.join(c['triggers'])}): {c['why']}" + (f"; note: {c['note']}" if c["note"] else "")
         for c in a["review_candidates"]] or ["- none this week"])
    lines += ["", "## Agent feedback on handoff quality", ""] + ([f"> {n}" for n in a["agent_notes"]] or ["- none"])
    return "\n".join(lines) + "\n"


def html_report(a: Mapping[str, Any], title: str) -> str:
    e = html.escape
    rows = "".join(f"<tr><th scope='row'>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in headline(a))
    charts = "".join([
        bar_chart("Escalation rate by day", {d["day"]: d["rate"] or 0.0 for d in a["by_day"]}),
        bar_chart("Top reasons", a["by_trigger"]), bar_chart("Escalations by queue", a["by_queue"]),
        bar_chart("Escalations by segment", a["by_segment"]),
        bar_chart("Escalations by hour of week (UTC)", a["by_hour_of_week"])])
    candidates = "".join(f"<li>{e(c['handoff'])} ({e(', '.join(c['triggers']))}): {e(c['why'])}</li>"
                         for c in a["review_candidates"]) or "<li>none this week</li>"
    notes = "".join(f"<blockquote>{e(n)}</blockquote>" for n in a["agent_notes"]) or "<p>none</p>"
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title></head>"
            f"<body style='font-family:system-ui;max-width:900px;margin:auto'><h1>{e(title)}</h1>"
            f"<p>{e(a['period']['from'])} to {e(a['period']['to'])}</p><table>{rows}</table>{charts}"
            f"<h2>Could the AI have handled it?</h2><ul>{candidates}</ul>"
            f"<h2>Agent feedback on handoff quality</h2>{notes}</body></html>")
