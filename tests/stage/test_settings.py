"""One settings object: declared in model/settings.py, read by minerscan.config, and what the
crawler and the page instrumentation are given (no default declared twice)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from crawler.browser import BrowserInfo
from crawler.instrument.options import PAGE_SETTINGS, InstrumentOptions
from crawler.pipeline import VisitSink
from crawler.run import CrawlConfig
from crawler.settings import build_settings
from crawler.spider import MinerscanSpider
from minerscan.config import ScanConfig, build_config
from minerscan.scan import crawl_config_for
from model.settings import ScanSettings, default, machine_concurrency

BROWSER = BrowserInfo("/usr/bin/chromium", "chromium", "Chromium 156.0.0.0", "system")


def _changed(value: object) -> object:
    """Another valid value of the same type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    raise AssertionError(f"no other value for {value!r}")


def test_the_instrumentation_defaults_are_the_settings_defaults() -> None:
    for name in PAGE_SETTINGS:
        option = next(f for f in dataclasses.fields(InstrumentOptions) if f.name == name)
        assert option.default == default(name), name
    assert InstrumentOptions() == InstrumentOptions.from_settings(
        ScanSettings(), InstrumentOptions().profile
    )


def test_every_page_setting_changed_in_the_config_reaches_each_pages_instrumentation(
    tmp_path: Path,
) -> None:
    changed = {name: _changed(default(name)) for name in PAGE_SETTINGS}
    changed["max_dwell"] = changed["dwell"] + 10  # stays above the dwell
    config = build_config(
        targets=("http://127.0.0.1:9/",), profiles=("desktop", "mobile"), **changed
    )
    spider = MinerscanSpider(config=crawl_config_for(config), sink=VisitSink(lambda visit: None))
    for profile, options in spider.options.items():
        assert options.profile.name == profile
        for name, value in changed.items():
            assert getattr(options, name) == value, name


def test_the_user_agent_of_a_config_file_reaches_the_crawlers_plain_requests(
    tmp_path: Path,
) -> None:
    file = tmp_path / "minerscan.toml"
    file.write_text('[scan]\nuser_agent = "ResearchBot/1.0 (+https://example.org/bot)"\n')
    config = build_config(file, targets=("http://127.0.0.1:9/",))
    settings = build_settings(crawl_config_for(config), BROWSER)
    assert settings["USER_AGENT"] == "ResearchBot/1.0 (+https://example.org/bot)"


def test_scan_and_crawl_configs_are_the_same_settings_with_their_own_options_on_top() -> None:
    config = build_config(targets=("http://127.0.0.1:9/",), depth=0, concurrency=3)
    crawl = crawl_config_for(config, skip_urls=frozenset({"http://127.0.0.1:9/a"}))
    assert isinstance(config, ScanSettings) and isinstance(crawl, ScanSettings)
    assert crawl.scan_settings() == config.scan_settings()
    assert crawl.skip_urls == {"http://127.0.0.1:9/a"}
    own = {f.name for f in dataclasses.fields(ScanSettings)}
    assert not own & ({f.name for f in dataclasses.fields(ScanConfig)} - own)
    assert not own & ({f.name for f in dataclasses.fields(CrawlConfig)} - own)


def test_concurrency_left_unset_is_chosen_from_the_machine_and_stored_with_the_scan() -> None:
    config = build_config(targets=("http://127.0.0.1:9/",))
    chosen = machine_concurrency()
    assert config.concurrency == chosen.pages
    record = config.settings_record()
    assert record["concurrency"] == chosen.pages
    assert f"{chosen.cores} cores" in record["concurrency_basis"]
    given = build_config(targets=("http://127.0.0.1:9/",), concurrency=2)
    assert given.concurrency == 2 and given.concurrency_basis == ""


@pytest.mark.parametrize(
    ("cores", "gib", "pages"),
    [(1, 16, 8), (2, 24, 16), (4, 32, 32), (64, 256, 32), (8, 2, 5), (2, 1, 1)],
)
def test_machine_concurrency_grows_with_cores_and_is_held_by_memory(
    cores: int, gib: int, pages: int
) -> None:
    assert machine_concurrency(cores, gib << 30).pages == pages
