"""Every listed target is visited, even when several share a site: --max-pages budgets the
links the crawl discovers, never the targets a user named."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_two_targets_on_one_host_with_a_budget_of_one_are_both_visited(
    site, run_crawl, fast_config
) -> None:
    targets = (site.base_url, site.url("contact.html"))
    run = run_crawl(fast_config(*targets, depth=1, max_pages=1))
    # Both targets, and none of the links they have: the one page of budget is spent.
    assert sorted(v.url for v in run.visits) == sorted(targets)
