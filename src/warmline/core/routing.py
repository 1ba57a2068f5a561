"""The routing tree (Alertmanager semantics).

A node matches when its condition holds (the root always does). Children inherit the parent's queue. Among a
node's children the first match wins and routing descends into it; a child with `continue` lets its later
siblings be tried as well, and their queues are notified too. Where no child matches, the node itself routes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .rules import holds


@dataclass(frozen=True, slots=True)
class RouteNode:
    name: str
    queue: str
    when_source: str | None
    when: Any
    continue_: bool
    children: tuple["RouteNode", ...]


@dataclass(frozen=True, slots=True)
class RouteResult:
    queue: str
    path: tuple[str, ...]
    also_notify: tuple[str, ...]
    checked: tuple[dict, ...]


def route(root: RouteNode, context: Any) -> RouteResult:
    checked: list[dict] = []
    notify: list[str] = []
    queue, path = _descend(root, context, checked, notify, (root.name,))
    extra = tuple(dict.fromkeys(q for q in notify if q != queue))
    return RouteResult(queue, path, extra, tuple(checked))


def _descend(node: RouteNode, context: Any, checked: list[dict], notify: list[str],
             path: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    chosen: tuple[str, tuple[str, ...]] | None = None
    for child in node.children:
        ok, error = (True, None) if child.when is None else holds(child.when, context)
        entry = {"route": "/".join(path + (child.name,)), "when": child.when_source, "matched": ok}
        if error:
            entry["error"] = error
        checked.append(entry)
        if not ok:
            continue
        result = _descend(child, context, checked, notify, path + (child.name,))
        if chosen is None:
            chosen = result
        else:
            notify.append(result[0])
        if not child.continue_:
            break
    return chosen if chosen is not None else (node.queue, path)
