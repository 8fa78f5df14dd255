"""Reading a survey's site list: plain lines, Tranco CSV, zipped; bad lines reported, not fatal."""

from __future__ import annotations

import zipfile
from pathlib import Path

from click.testing import CliRunner

from minerscan.cli import main
from minerscan.survey import read_site_list

TRANCO = """1,google.com
2,facebook.com
three,bad.example
4,has space.example
5,amazon.co.uk
6,www.amazon.co.uk
7,
8,ftp://files.example
9,wikipedia.org
"""


def test_tranco_csv_keeps_ranks_and_reports_each_bad_line(tmp_path: Path) -> None:
    listed = read_site_list(_write(tmp_path / "top-1m.csv", TRANCO))
    assert listed.name == "top-1m.csv"
    assert [(s.rank, s.domain, s.url) for s in listed.sites] == [
        (1, "google.com", "https://google.com/"),
        (2, "facebook.com", "https://facebook.com/"),
        (5, "amazon.co.uk", "https://amazon.co.uk/"),
        (9, "wikipedia.org", "https://wikipedia.org/"),
    ]
    assert [p.line for p in listed.problems] == [3, 4, 6, 7, 8]
    assert "rank is not a number" in listed.problems[0].reason
    assert "listed already (line 5)" in listed.problems[2].reason


def test_zipped_tranco_list_reads_like_the_csv(tmp_path: Path) -> None:
    archive = tmp_path / "top-1m.csv.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("top-1m.csv", TRANCO)
    zipped = read_site_list(archive, top=3)
    plain = read_site_list(_write(tmp_path / "top-1m.csv", TRANCO), top=3)
    assert zipped.sites == plain.sites
    assert [s.domain for s in zipped.sites] == ["google.com", "facebook.com", "amazon.co.uk"]


def test_urls_and_domains_one_per_line_are_ranked_in_order(tmp_path: Path) -> None:
    text = "# my sites\nexample.org\n\nhttp://shop.example.net:8080/start\nnot a site\n"
    listed = read_site_list(_write(tmp_path / "mine.txt", text), name="mine")
    assert listed.name == "mine"
    assert [(s.rank, s.domain, s.url) for s in listed.sites] == [
        (1, "example.org", "https://example.org/"),
        (2, "example.net", "http://shop.example.net:8080/start"),
    ]
    assert [p.line for p in listed.problems] == [5]


def test_unreadable_list_is_a_usage_error_with_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["survey", str(tmp_path / "missing.csv"), "--db", str(tmp_path / "s.db")]
    )
    assert result.exit_code == 2, result.output
    assert "cannot read site list" in result.output and "missing.csv" in result.output
    assert "Traceback" not in result.output


def test_a_list_of_only_bad_lines_reports_them_and_exits_2(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.csv", "x,y z\n\n2,ftp://nope.example\n")
    result = CliRunner().invoke(main, ["survey", str(bad), "--db", str(tmp_path / "s.db")])
    assert result.exit_code == 2, result.output
    assert "bad.csv:1: skipped:" in result.output
    assert "bad.csv:3: skipped:" in result.output
    assert "no sites in bad.csv" in result.output


def test_status_without_surveys_says_how_to_start_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["status", "--db", str(tmp_path / "s.db")])
    assert result.exit_code == 2
    assert "no surveys stored" in result.output and "minerscan survey LIST" in result.output


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_survey_needs_exactly_one_source_of_sites(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    for args in (
        ["survey"],
        ["survey", "--all", "--resume", "1"],
        ["survey", "x.csv", "--resume", "1"],
    ):
        result = CliRunner().invoke(main, [*args, "--db", db])
        assert result.exit_code == 2, result.output
        assert result.output.startswith("minerscan: error:"), result.output


def test_a_worker_that_cannot_reach_redis_says_so_and_exits_2(tmp_path: Path) -> None:
    from storage import Store
    from storage.surveys import SurveySite

    db = str(tmp_path / "s.db")
    with Store.open(db) as store:
        store.surveys.create("l", [SurveySite(1, "a.example", "https://a.example/")], {}, 3)
    result = CliRunner().invoke(main, ["worker", "--redis", "redis://127.0.0.1:1/0", "--db", db])
    assert result.exit_code == 2, result.output
    assert "cannot reach Redis at redis://127.0.0.1:1/0" in result.output
