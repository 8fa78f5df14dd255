"""The sandbox stays on unless Chromium cannot start with it, and the warning says how to fix it."""

from __future__ import annotations

from crawler.browser import sandbox_plan


def test_ordinary_user_with_user_namespaces_keeps_the_sandbox() -> None:
    assert sandbox_plan(as_root=False, userns=True).enabled
    assert sandbox_plan(as_root=False, userns=True).warning is None


def test_root_loses_the_sandbox_and_is_told_to_run_as_a_user() -> None:
    plan = sandbox_plan(as_root=True, userns=True)
    assert not plan.enabled and "root" in (plan.warning or "")
    assert "ordinary user" in (plan.warning or "")


def test_no_user_namespaces_loses_the_sandbox_and_says_which_knob() -> None:
    plan = sandbox_plan(as_root=False, userns=False)
    assert not plan.enabled and "unprivileged_userns_clone" in (plan.warning or "")
