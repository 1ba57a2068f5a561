"""The core is a pure function of its inputs: no I/O modules, no clock, no environment."""
import ast
from pathlib import Path

import warmline.core

CORE = Path(warmline.core.__file__).parent
FORBIDDEN_MODULES = {"os", "io", "pathlib", "socket", "sqlite3", "subprocess", "shutil", "tempfile", "time",
                     "random", "requests", "httpx", "urllib", "http", "sqlalchemy", "psycopg", "asyncio",
                     "logging", "importlib", "sys", "threading", "multiprocessing", "builtins"}
FORBIDDEN_CALLS = {"open", "print", "input", "eval", "exec", "__import__"}
FORBIDDEN_ATTRIBUTES = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("datetime", "today")}


def core_files():
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 10
    return files


def test_core_imports_no_io_modules():
    offenders = []
    for path in core_files():
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN_MODULES]
    assert offenders == []


def test_core_reads_no_clock_and_opens_no_files():
    offenders = []
    for path in core_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
                offenders.append(f"{path.name}:{node.lineno} {node.func.id}()")
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and (node.value.id, node.attr) in FORBIDDEN_ATTRIBUTES):
                offenders.append(f"{path.name}:{node.lineno} {node.value.id}.{node.attr}")
    assert offenders == []


def test_same_inputs_same_decision(engine):
    from conftest import MONDAY_10
    conversation = {"id": "c", "customer": {"plan": "pro"},
                    "messages": [{"role": "customer", "text": "I was charged $150 twice!!"},
                                 {"role": "bot", "text": "Refunds take 5 days.", "confidence": 0.7}]}
    first = [d.as_dict(explain=True) for d in engine.evaluate(conversation, now=MONDAY_10)]
    second = [d.as_dict(explain=True) for d in engine.evaluate(conversation, now=MONDAY_10)]
    assert first == second
