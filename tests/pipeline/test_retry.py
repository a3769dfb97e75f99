from __future__ import annotations

from suture.pipeline.config import RetryPolicy
from suture.pipeline.retry import backoff_s, spent


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    p = RetryPolicy(initial_backoff_s=1, multiplier=2, max_backoff_s=10, jitter=0)
    assert [backoff_s(p, n, 0.5) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_jitter_spreads_within_its_fraction() -> None:
    p = RetryPolicy(initial_backoff_s=10, jitter=0.2)
    assert backoff_s(p, 1, 0.0) == 8.0 and backoff_s(p, 1, 0.9999999) < 12.0


def test_policy_is_spent_by_attempts_or_age() -> None:
    p = RetryPolicy(max_attempts=3, max_age_s=60)
    assert not spent(p, 2, 10) and spent(p, 3, 10) and spent(p, 1, 61)
    assert not spent(RetryPolicy(max_attempts=None, max_age_s=60), 1000, 59)
