"""A connection's budget: within it nothing waits; beyond it the connection waits until it has refilled."""

from __future__ import annotations

import pytest

from server.sync.budget import BURST_SECONDS, Budget, BudgetLimits

LIMITS = BudgetLimits(messages_per_second=10, bytes_per_second=1000)


def test_a_burst_within_the_budget_waits_for_nothing() -> None:
    budget = Budget(LIMITS, now=0.0)
    assert [budget.charge(10, now=0.0) for _ in range(int(10 * BURST_SECONDS))] == [0.0] * 20


def test_beyond_the_budget_each_message_waits_for_its_share_of_a_second() -> None:
    budget = Budget(LIMITS, now=0.0)
    for _ in range(20):
        budget.charge(1, now=0.0)
    assert budget.charge(1, now=0.0) == pytest.approx(0.1)
    assert budget.charge(1, now=0.0) == pytest.approx(0.2)
    # Once the first wait is over, the connection is again only as far behind as it sent.
    assert budget.charge(1, now=0.3) == pytest.approx(0.0, abs=1e-9)


def test_bytes_count_as_well_and_a_large_message_waits_until_its_bytes_are_paid_for() -> None:
    budget = Budget(LIMITS, now=0.0)
    assert budget.charge(2000, now=0.0) == 0.0  # exactly the burst of bytes
    assert budget.charge(500, now=0.0) == pytest.approx(0.5)


def test_the_budget_refills_with_time_up_to_its_burst_only() -> None:
    budget = Budget(LIMITS, now=0.0)
    for _ in range(20):
        budget.charge(1, now=0.0)
    assert budget.charge(1, now=1000.0) == 0.0  # an hour's idleness buys no more than the burst
    waits = [budget.charge(1, now=1000.0) for _ in range(20)]
    assert waits[:19] == [0.0] * 19 and waits[19] == pytest.approx(0.1)
