"""Benchmark: the real `warmline serve` over loopback, with concurrent conversations.

    .venv/bin/python bench/serve_load.py [--seconds 20] [--rate 700] [--only sqlite] [--semantic]

For each setup (one or two instances, each a `serve` process on its own port, on SQLite and on PostgreSQL; the
client spreads its connections over the instances like a load balancer would) it starts the servers, then drives
them from this process with a small asyncio HTTP/1.1 client over keep-alive connections:
  - at a fixed rate (--rate, default 700 turns/s: a contact center with 10,000 open chats, each customer
    writing every ~14 s), spread over --chats conversations, open loop: latency is measured from when a turn was
    due, so a server that falls behind shows it in the percentiles instead of slowing the client down;
  - flat out (closed loop, --connections in flight) for the maximum sustained turns/s;
  - the baseline in the same run: the same client flat out on GET /healthz (a route that only runs SELECT 1),
    so the ratio says how much of the server's capacity a decided and persisted turn takes.
PostgreSQL is the machine's own (WARMLINE_BENCH_POSTGRES, default postgresql://postgres@127.0.0.1:5432/test);
each run creates and drops its own database.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import sqlalchemy as sa

PG = os.environ.get("WARMLINE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
KEY = "demo-bot-key"
ROUTINE = ["how do I reset my password", "where can I download my invoice for March",
           "can I change my shipping address", "what are your opening hours", "how do I export my data to csv",
           "my order 88123 has not arrived yet, where is it", "can I pay with paypal", "is there a dark mode",
           "how do I add a teammate to my workspace", "what is your refund policy?"]
ESCALATING = ["I want to talk to a real person", "I was charged $120 twice this month",
              "this is useless, nothing you say helps!!", "someone logged into my account from another country",
              "I'm going to cancel my subscription, this is the third time"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(database_url: str, semantic: bool, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARMLINE_")}
    env.update(WARMLINE_DATABASE_URL=database_url, WARMLINE_SEMANTIC="on" if semantic else "off",
               WARMLINE_LOG_LEVEL="warning")
    proc = subprocess.Popen([sys.executable, "-m", "warmline", "serve", "--demo", "--port", str(port),
                             "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server on {database_url} did not start")


async def request(reader, writer, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    head = (f"{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    writer.write(head + body)
    status_line = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    payload = await reader.readexactly(length)
    return int(status_line.split()[1]), payload


async def conversation_loop(port: int, name: str, stop_at: float, latencies: list[float], errors: list[str],
                            turns: bool) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    rng = random.Random(name)
    turn = 0
    conversation = name
    try:
        while time.perf_counter() < stop_at:
            if turns:
                body = turn_body(conversation, turn, rng)
                started = time.perf_counter()
                status, payload = await request(reader, writer, "POST", f"/v1/conversations/{conversation}/turns",
                                                body)
            else:
                started = time.perf_counter()
                status, payload = await request(reader, writer, "GET", "/healthz")
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(f"{status} {payload[:200]!r}")
            turn += 1
            if turns and (turn % 12 == 0 or (status == 200 and b'"action":"escalate"' in payload)):
                conversation = f"{name}-{uuid.uuid4().hex[:6]}"   # the next chat of this simulated customer
                turn = 0
    finally:
        writer.close()


def turn_body(chat: str, turn: int, rng: random.Random) -> bytes:
    text = rng.choice(ESCALATING) if rng.random() < 0.08 else rng.choice(ROUTINE)
    return json.dumps({"message": {"text": text, "id": f"{chat}-{turn}"},
                       "draft": {"text": "Here is how to do that.", "confidence": 0.85},
                       "customer": {"id": chat, "plan": "pro"}}).encode()


async def open_loop(ports: list[int], rate: float, chats: int, seconds: float, connections: int) -> dict:
    """Turns due at a steady rate across `chats` conversations; each connection takes the next due turn."""
    queue: asyncio.Queue = asyncio.Queue()
    latencies: list[float] = []
    errors: list[str] = []
    rng = random.Random(7)
    run = uuid.uuid4().hex[:6]

    async def connection(port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                due, chat, turn = item
                status, payload = await request(reader, writer, "POST", f"/v1/conversations/{chat}/turns",
                                                turn_body(chat, turn, rng))
                latencies.append(time.perf_counter() - due)
                if status != 200:
                    errors.append(f"{status} {payload[:200]!r}")
        finally:
            writer.close()

    tasks = [asyncio.create_task(connection(ports[i % len(ports)])) for i in range(connections)]
    started = time.perf_counter()
    total = int(rate * seconds)
    turns_of: dict[int, int] = {}
    for k in range(total):
        due = started + k / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        chat = rng.randrange(chats)
        turns_of[chat] = turns_of.get(chat, 0) + 1
        queue.put_nowait((due, f"chat-{run}-{chat}", turns_of[chat]))
    for _ in tasks:
        queue.put_nowait(None)
    await asyncio.gather(*tasks)
    return summary(latencies, errors, time.perf_counter() - started)


def summary(latencies: list[float], errors: list[str], elapsed: float) -> dict:
    ordered = sorted(latencies) or [0.0]

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000
    return {"requests": len(latencies), "per_s": len(latencies) / elapsed, "p50_ms": pct(0.50),
            "p95_ms": pct(0.95), "p99_ms": pct(0.99), "errors": len(errors), "first_error": errors[:1]}


async def drive(ports: list[int], conversations: int, seconds: float, turns: bool) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    warmup_stop = time.perf_counter() + 2
    await asyncio.gather(*(conversation_loop(ports[i % len(ports)], f"w{i}", warmup_stop, [], [], turns)
                           for i in range(conversations)))
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(*(conversation_loop(ports[i % len(ports)], f"c{i}-{uuid.uuid4().hex[:4]}", stop_at,
                                             latencies, errors, turns) for i in range(conversations)))
    return summary(latencies, errors, time.perf_counter() - started)


def setup_databases(kind: str) -> tuple[str, callable]:
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="warmline-bench-")
        return f"sqlite:///{folder}/warmline.db", lambda: None
    name = f"warmline_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return PG.rsplit("/", 1)[0] + "/" + name, drop


def run_setup(label: str, kind: str, instances: int, args) -> None:
    url, drop = setup_databases(kind)
    procs = []
    try:
        first, port = start(url, args.semantic, args.workers)   # the first migrates; the others find it done
        procs.append(first)
        ports = [port]
        for _ in range(instances - 1):
            proc, port = start(url, args.semantic, args.workers)
            procs.append(proc)
            ports.append(port)
        time.sleep(2)   # all worker processes up
        base = asyncio.run(drive(ports, args.connections, args.seconds / 2, turns=False))
        flat = asyncio.run(drive(ports, args.connections, args.seconds, turns=True))
        paced = asyncio.run(open_loop(ports, args.rate, args.chats, args.seconds, args.connections))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait()
        drop()
    print(f"{label}")
    print(f"  at {args.rate:.0f} turns/s over {args.chats} chats: {paced['per_s']:6.0f} turns/s  "
          f"p50 {paced['p50_ms']:6.1f} ms  p95 {paced['p95_ms']:6.1f} ms  p99 {paced['p99_ms']:6.1f} ms  "
          f"errors {paced['errors']}")
    print(f"  flat out ({args.connections} in flight):   {flat['per_s']:6.0f} turns/s  p50 {flat['p50_ms']:6.1f} ms"
          f"  errors {flat['errors']}   | baseline GET /healthz {base['per_s']:6.0f}/s "
          f"(ratio {flat['per_s'] / base['per_s']:.2f})")
    for result in (paced, flat):
        if result["errors"]:
            print(f"  first error: {result['first_error'][0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=700, help="turns/s for the paced run")
    parser.add_argument("--chats", type=int, default=10_000, help="open conversations the paced turns spread over")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections (requests in flight)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes per instance (they share "
                                                                "one port; the kernel spreads connections unevenly)")
    parser.add_argument("--semantic", action="store_true", help="with the semantic layer on in the server")
    parser.add_argument("--only", choices=["sqlite", "sqlite-2", "postgresql", "postgresql-2"], action="append")
    args = parser.parse_args()
    print(f"warmline serve under load: {args.seconds:.0f} s per run, {args.workers} server process(es) per "
          f"instance, semantic layer {'on' if args.semantic else 'off'}, {os.cpu_count()} cores shared with this "
          "client")
    setups = [("SQLite, 1 instance", "sqlite", 1, "sqlite"), ("SQLite, 2 instances", "sqlite", 2, "sqlite-2"),
              ("PostgreSQL, 1 instance", "postgresql", 1, "postgresql"),
              ("PostgreSQL, 2 instances", "postgresql", 2, "postgresql-2")]
    for label, kind, instances, key in setups:
        if args.only and key not in args.only:
            continue
        run_setup(label, kind, instances, args)


if __name__ == "__main__":
    main()
