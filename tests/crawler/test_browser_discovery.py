"""Finding Chromium, and `minerscan doctor`'s checks on this machine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crawler.browser import (
    ENV_VAR,
    HEADLESS_SHELL,
    BrowserNotFound,
    doctor_report,
    find_browser,
    running_as_root,
)

SYSTEM_CHROMIUM = "/usr/bin/chromium"
needs_system_chromium = pytest.mark.skipif(
    not os.access(SYSTEM_CHROMIUM, os.X_OK), reason="needs Debian's chromium"
)


def test_env_pointing_at_a_missing_file_is_a_clear_error(monkeypatch, tmp_path: Path) -> None:
    missing = str(tmp_path / "no-chromium-here")
    monkeypatch.setenv(ENV_VAR, missing)
    with pytest.raises(BrowserNotFound) as raised:
        find_browser()
    message = str(raised.value)
    assert ENV_VAR in message and missing in message
    assert "playwright install chromium" in message and "apt-get install chromium" in message


def test_explicit_path_to_a_non_executable_file_is_refused(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    not_a_browser = tmp_path / "chromium.txt"
    not_a_browser.write_text("hello")
    with pytest.raises(BrowserNotFound, match="--browser-path"):
        find_browser(str(not_a_browser))


@needs_system_chromium
def test_env_pointing_at_system_chromium_wins(monkeypatch) -> None:
    monkeypatch.setenv(ENV_VAR, SYSTEM_CHROMIUM)
    browser = find_browser()
    assert (browser.path, browser.kind, browser.source) == (SYSTEM_CHROMIUM, "chromium", ENV_VAR)
    assert browser.version.startswith("Chromium ")


@needs_system_chromium
def test_explicit_path_beats_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing"))
    browser = find_browser(SYSTEM_CHROMIUM)
    assert (browser.path, browser.source) == (SYSTEM_CHROMIUM, "explicit")


@pytest.mark.skipif(not os.access(HEADLESS_SHELL, os.X_OK), reason="needs chromium-headless-shell")
def test_headless_shell_is_preferred_over_full_chromium(monkeypatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", "/nonexistent-playwright-browsers")
    browser = find_browser()
    assert (browser.path, browser.kind, browser.source) == (
        HEADLESS_SHELL,
        "chromium-headless-shell",
        "system",
    )


@pytest.mark.browser
def test_doctor_on_this_machine_is_all_ok(monkeypatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    report = doctor_report()
    names = [name for name, _ok, _detail in report]
    assert names == ["browser", "launch", "playwright", "scrapy-playwright", "scrapy", "sandbox"]
    assert all(ok for _name, ok, _detail in report), report
    details = {name: detail for name, _ok, detail in report}
    assert "Chromium" in details["browser"]
    assert "rendered about:blank" in details["launch"]
    assert ("--no-sandbox" in details["sandbox"]) == running_as_root()


@pytest.mark.browser
def test_doctor_reports_a_browser_that_cannot_start(monkeypatch, tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'Chromium 1.0'\nexit 1\n")
    fake.chmod(0o755)
    report = {name: (ok, detail) for name, ok, detail in doctor_report(str(fake))}
    assert report["browser"][0]
    ok, detail = report["launch"]
    assert not ok and detail.startswith("could not launch")
