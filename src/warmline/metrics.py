"""Prometheus metrics on /metrics. Counters are per process; sum them across instances in Prometheus."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()
TURNS = Counter("warmline_turns_total", "Customer turns decided", ["action"], registry=REGISTRY)
HANDOFFS = Counter("warmline_handoffs_opened_total", "Handoffs opened", ["queue", "priority"], registry=REGISTRY)
REQUESTS = Histogram("warmline_http_request_seconds", "HTTP requests by route and status", ["route", "status"],
                     buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5), registry=REGISTRY)
TIMERS = Counter("warmline_timers_total", "Timers run, by kind and outcome", ["kind", "outcome"], registry=REGISTRY)
OPEN_HANDOFFS = Gauge("warmline_open_handoffs", "Open handoffs by queue and state (at scrape time)",
                      ["queue", "state"], registry=REGISTRY)
