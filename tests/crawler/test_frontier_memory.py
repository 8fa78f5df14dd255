"""What the crawl remembers of a site (URLs scheduled, budget spent) is forgotten once the site
is done, so a survey of a million sites does not grow with them, and nothing of other sites."""

from __future__ import annotations

from crawler.spider import _Frontier


def test_a_finished_site_is_forgotten_and_the_others_are_kept() -> None:
    frontier = _Frontier(max_pages=2)
    assert frontier.admit("http://a.example/", "a.example", target=True)
    assert frontier.admit("http://a.example/one", "a.example")
    assert not frontier.admit("http://a.example/two", "a.example")  # budget spent
    frontier.remember("http://a.example/landed", "a.example")  # where a redirect ended
    assert frontier.admit("http://b.example/", "b.example", target=True)

    frontier.forget("a.example")

    assert frontier.spent == {"b.example": 1}
    assert frontier.seen == {"http://b.example/"}
    assert not frontier.admit("http://b.example/", "b.example")  # still remembered
    # Claimed again later (a retry), the site starts from a fresh budget.
    assert frontier.admit("http://a.example/landed", "a.example")
    assert frontier.admit("http://a.example/two", "a.example")
