"""Retry decisions as pure functions of the policy, the attempt count, the age and a random draw."""

from __future__ import annotations

from suture.pipeline.config import RetryPolicy


def backoff_s(policy: RetryPolicy, attempts: int, rand: float) -> float:
    """Delay before the next try after ``attempts`` failed tries; ``rand`` in [0, 1) drives the jitter.

    >>> backoff_s(RetryPolicy(initial_backoff_s=1, multiplier=2, jitter=0), 3, 0.5)
    4.0
    """
    base = min(policy.initial_backoff_s * policy.multiplier ** max(attempts - 1, 0), policy.max_backoff_s)
    return max(0.0, base * (1 + policy.jitter * (2 * rand - 1)))


def spent(policy: RetryPolicy, attempts: int, age_s: float) -> bool:
    """True once the policy allows no further try."""
    if policy.max_attempts is not None and attempts >= policy.max_attempts:
        return True
    return policy.max_age_s is not None and age_s >= policy.max_age_s
