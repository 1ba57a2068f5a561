"""Two real `serve` processes on one PostgreSQL, and a kill -9 in the middle of traffic on SQLite."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from service_support import ADA, BOT, SAM, Server, database_url, drop_postgres

ANGRY = "This is useless, I want to talk to a real person now"


@pytest.fixture
def two_instances(tmp_path):
    url = database_url("postgresql", tmp_path)
    first = Server(url)
    second = Server(url)
    yield first, second
    first.stop()
    second.stop()
    drop_postgres(url)


def turn(server, conversation, text, message_id):
    return httpx.post(f"{server.url}/v1/conversations/{conversation}/turns", headers=BOT, timeout=30,
                      json={"message": {"text": text, "id": message_id}})


def test_racing_turns_of_one_conversation_keep_every_message_and_open_one_handoff(two_instances):
    servers = two_instances
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda i: turn(servers[i % 2], "race-1", f"{ANGRY} ({i})", f"m-{i}"), range(32)))
    assert all(r.status_code == 200 for r in results), [r.text for r in results if r.status_code != 200][:2]
    conversation = httpx.get(f"{servers[0].url}/v1/conversations/race-1", headers=BOT).json()
    customer = [m for m in conversation["messages"] if m["role"] == "customer"]
    assert sorted(m["client_message_id"] for m in customer) == sorted(f"m-{i}" for i in range(32))
    assert [m["index"] for m in conversation["messages"]] == list(range(len(conversation["messages"])))
    assert len(conversation["handoffs"]) == 1
    assert {r.json()["handoff_id"] for r in results} == {conversation["handoffs"][0]["id"]}
    assert sum(d["action"] == "escalate" for d in conversation["decisions"]) == 1


def test_the_same_message_retried_on_both_instances_at_once_is_decided_once(two_instances):
    servers = two_instances
    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(lambda i: turn(servers[i % 2], "race-2", ANGRY, "same-id"), range(12)))
    assert all(r.status_code == 200 for r in results)
    assert len({r.json()["handoff_id"] for r in results}) == 1
    assert len({r.json()["message_id"] for r in results}) == 1
    conversation = httpx.get(f"{servers[1].url}/v1/conversations/race-2", headers=BOT).json()
    assert len([m for m in conversation["messages"] if m["role"] == "customer"]) == 1


def test_each_handoff_is_claimed_by_exactly_one_agent(two_instances):
    servers = two_instances
    handoffs = [turn(servers[0], f"claim-{i}", ANGRY, "m").json()["handoff_id"] for i in range(3)]
    for handoff in handoffs:
        attempts = [(servers[i % 2], (ADA, SAM)[i % 2]) for i in range(8)]
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda a: httpx.post(f"{a[0].url}/v1/handoffs/{handoff}/claim", headers=a[1],
                                                       timeout=30).status_code, attempts))
        assert codes.count(200) == 1 and codes.count(409) == 7
        events = httpx.get(f"{servers[1].url}/v1/handoffs/{handoff}", headers=SAM).json()["events"]
        assert [e["kind"] for e in events].count("handoff.claimed") == 1


def test_kill_9_loses_no_acknowledged_turn_and_a_retry_after_restart_doubles_nothing(tmp_path):
    url = f"sqlite:///{tmp_path}/warmline.db"
    server = Server(url)
    acknowledged = {}
    try:
        with ThreadPoolExecutor(8) as pool:
            futures = {pool.submit(turn, server, f"k-{i % 10}", f"{ANGRY} {i}", f"m-{i}"): i for i in range(200)}
            killed = False
            for future in futures:
                if not killed and len(acknowledged) >= 60:
                    server.kill()
                    killed = True
                try:
                    response = future.result()
                except httpx.HTTPError:
                    continue
                if response.status_code == 200:
                    acknowledged[futures[future]] = response.json()
    finally:
        server.stop()
    assert len(acknowledged) >= 60
    restarted = Server(url)
    try:
        for i, decision in acknowledged.items():
            again = turn(restarted, f"k-{i % 10}", f"{ANGRY} {i}", f"m-{i}")
            assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == decision
        for c in range(10):
            conversation = httpx.get(f"{restarted.url}/v1/conversations/k-{c}", headers=BOT).json()
            assert len(conversation["handoffs"]) == 1
            ids = [m["client_message_id"] for m in conversation["messages"] if m["role"] == "customer"]
            assert len(ids) == len(set(ids))
    finally:
        restarted.stop()


def test_live_events_reach_an_agent_over_sse_from_either_instance(two_instances):
    servers = two_instances
    with httpx.Client(timeout=30) as http:
        with http.stream("GET", f"{servers[1].url}/v1/events", headers=ADA) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            handoff = turn(servers[0], "live-1", ANGRY, "m-1").json()["handoff_id"]
            seen = []
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    event = json.loads(line[5:])
                    seen.append(event)
                    if event["kind"] == "handoff.created":
                        break
    assert seen[-1]["handoff_id"] == handoff and seen[-1]["data"]["queue"] == "support"
