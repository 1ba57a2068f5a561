"""Estimated waits: recent claim times when there are enough, Erlang C when data is thin, always a range."""
from __future__ import annotations

import math

import pytest

from warmline.core.waits import erlang_c, estimate


def test_erlang_c_matches_the_textbook_value():
    # 10 agents, 8 erlangs of traffic: P(wait) = 0.409 (standard Erlang C tables)
    assert erlang_c(10, 8.0) == pytest.approx(0.4092, abs=1e-3)
    assert erlang_c(1, 0.5) == pytest.approx(0.5)          # M/M/1: P(wait) = utilisation
    assert erlang_c(3, 3.0) == 1.0 and erlang_c(0, 1.0) == 1.0


def test_recent_claims_give_the_median_to_the_90th_percentile():
    e = estimate([30, 60, 90, 120, 600], agents_online=5, arrivals_per_hour=10, handle_s=300, policy_wait_s=120)
    assert (e.low_s, e.basis) == (90, "recent claims") and e.high_s > 300


def test_thin_data_uses_erlang_c_and_more_agents_mean_shorter_waits():
    busy = estimate([], agents_online=3, arrivals_per_hour=30, handle_s=300, policy_wait_s=120)
    staffed = estimate([], agents_online=6, arrivals_per_hour=30, handle_s=300, policy_wait_s=120)
    assert busy.basis == staffed.basis == "erlang c"
    assert busy.low_s > staffed.low_s and busy.high_s >= busy.low_s
    # M/M/3 with A = 2.5 erlangs: mean wait = C / (N mu - lambda)
    c = erlang_c(3, 2.5)
    assert busy.low_s == int(c / (3 / 300 - 30 / 3600))


def test_no_agents_or_more_work_than_agents_falls_back_to_the_policy_range():
    assert estimate([], 0, 10, 300, 120).basis == "no agents online"
    overloaded = estimate([], 2, 100, 300, 120)
    assert overloaded.basis.startswith("erlang c: more work") and (overloaded.low_s, overloaded.high_s) == (120, 360)
    assert not math.isnan(estimate([], 50, 1, 300, 120).low_s)
