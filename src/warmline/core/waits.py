"""Estimated waits for a queue: from recent claim times when there are enough, else Erlang C from the agents
online, the arrival rate and the handle time. Always a range, because a single number is a promise."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

MIN_SAMPLES = 5


@dataclass(frozen=True, slots=True)
class WaitEstimate:
    low_s: int
    high_s: int
    basis: str        # "recent claims", "erlang c", "policy", "no agents online"

    @property
    def typical_s(self) -> int:
        return (self.low_s + self.high_s) // 2

    def as_dict(self) -> dict:
        return {"low_s": self.low_s, "high_s": self.high_s, "basis": self.basis}


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def erlang_c(agents: int, offered_erlangs: float) -> float:
    """Probability that an arriving customer has to wait (Erlang C), for `agents` servers and traffic
    A = arrival rate x handle time. 1 when the queue is unstable (A >= agents)."""
    if agents <= 0 or offered_erlangs >= agents:
        return 1.0
    if offered_erlangs <= 0:
        return 0.0
    # the Erlang B recursion is numerically stable for any number of agents
    b = 1.0
    for k in range(1, agents + 1):
        b = offered_erlangs * b / (k + offered_erlangs * b)
    rho = offered_erlangs / agents
    return b / (1 - rho + rho * b)


def estimate(claim_waits_s: Sequence[float], agents_online: int, arrivals_per_hour: float, handle_s: float,
             policy_wait_s: int) -> WaitEstimate:
    if len(claim_waits_s) >= MIN_SAMPLES:
        return WaitEstimate(int(percentile(claim_waits_s, 0.5)), int(percentile(claim_waits_s, 0.9)),
                            "recent claims")
    if agents_online <= 0:
        return WaitEstimate(policy_wait_s, policy_wait_s * 3, "no agents online")
    rate = max(arrivals_per_hour, 1.0) / 3600.0
    traffic = rate * handle_s
    if traffic >= agents_online:
        return WaitEstimate(policy_wait_s, policy_wait_s * 3, "erlang c: more work than agents")
    p_wait = erlang_c(agents_online, traffic)
    drain = agents_online / handle_s - rate          # how fast the queue empties, per second
    mean = p_wait / drain
    # P(wait > t) = p_wait * exp(-drain t): the 90th percentile, 0 when fewer than 10 % wait at all
    p90 = math.log(p_wait / 0.1) / drain if p_wait > 0.1 else 0.0
    return WaitEstimate(int(mean), int(max(mean, p90)), "erlang c")
