"""The service's commands as an operator runs them: migrate, keys, and a worker process of its own."""
from __future__ import annotations

import subprocess
import sys
import time

import httpx

from warmline.config.load import default_text
from service_support import ADA, BOT, Server, clean_env

ANGRY = "This is useless, I want to talk to a real person now"


def warmline(*args, env=None):
    return subprocess.run([sys.executable, "-m", "warmline", *args], capture_output=True, text=True, timeout=120,
                          env=clean_env(**(env or {})))


def test_migrate_then_keys_create_and_revoke(tmp_path):
    url = f"sqlite:///{tmp_path}/w.db"
    first = warmline("migrate", "--database", url)
    assert first.returncode == 0 and "schema at 0004 (was empty)" in first.stdout
    assert "up to date" in warmline("migrate", "--database", url).stdout
    made = warmline("keys", "create", "web chat", "--role", "bot", "--database", url)
    key = made.stdout.strip()
    assert made.returncode == 0 and key.startswith("wl_") and "not shown again" in made.stderr
    bad = warmline("keys", "create", "x", "--role", "robot", "--database", url)
    assert bad.returncode == 2 and "'robot' is not one of bot, agent, supervisor, admin" in bad.stderr
    unknown = warmline("migrate", env={"WARMLINE_DATABSE_URL": url})
    assert unknown.returncode == 2 and "unknown setting WARMLINE_DATABSE_URL" in unknown.stderr
    server = Server(url)
    try:
        ok = httpx.post(f"{server.url}/v1/conversations/c/turns", json={"message": {"text": "hi"}},
                        headers={"Authorization": f"Bearer {key}"})
        assert ok.status_code == 200
    finally:
        server.stop()


def test_a_worker_process_of_its_own_runs_the_timers(tmp_path):
    """serve without its worker, `warmline worker` beside it: an unclaimed handoff climbs the ladder."""
    policy = tmp_path / "fast.yaml"
    policy.write_text(default_text().replace(
        "    first_response_s: {immediate: 60, high: 120, medium: 300, low: 900}\n  billing:",
        "    calendar: always\n    first_response_s: {immediate: 1, high: 1, medium: 1, low: 1}\n  billing:", 1))
    url = f"sqlite:///{tmp_path}/w.db"
    server = Server(url, extra_env={"WARMLINE_POLICY": str(policy)}, worker=False)
    worker = subprocess.Popen([sys.executable, "-m", "warmline", "worker"], stderr=subprocess.DEVNULL,
                              env=clean_env(WARMLINE_DATABASE_URL=url, WARMLINE_POLICY=str(policy)))
    try:
        handoff = httpx.post(f"{server.url}/v1/conversations/c/turns", json={"message": {"text": ANGRY}},
                             headers=BOT).json()["handoff_id"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            seen = httpx.get(f"{server.url}/v1/handoffs/{handoff}", headers=ADA).json()
            if seen["ladder_step"] >= 1:
                break
            time.sleep(0.3)
        assert seen["ladder_step"] >= 1 and "handoff.sla_breached" in [e["kind"] for e in seen["events"]]
    finally:
        worker.terminate()
        worker.wait(10)
        server.stop()
