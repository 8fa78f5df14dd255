"""What is kept of a long stream: both ends, in bounded memory, and how bodies are encoded."""

from __future__ import annotations

import base64

from crawler.instrument.retention import HeadTail, http_body


def test_head_and_rolling_tail_are_kept_and_everything_counted():
    window: HeadTail[int] = HeadTail(3)
    evicted = [window.add(i)[1] for i in range(10)]
    assert window.items() == [0, 1, 2, 7, 8, 9]
    assert window.total == 10
    assert evicted == [None] * 6 + [3, 4, 5, 6]


def test_nothing_is_kept_with_a_zero_window():
    window: HeadTail[int] = HeadTail(0)
    assert [window.add(i) for i in range(3)] == [(False, None)] * 3
    assert window.items() == [] and window.total == 3


def test_text_bodies_are_cut_on_a_character_boundary():
    body = http_body("héllo wörld".encode(), cap=2)
    assert (body.text, body.size, body.binary, body.truncated) == ("h", 13, False, True)


def test_binary_bodies_are_base64_of_the_capped_bytes():
    data = bytes([0xFF, 0xFE, 0x00, 0x01])
    body = http_body(data, cap=3)
    assert body.binary and body.truncated and body.size == 4
    assert base64.b64decode(body.text) == data[:3]


def test_a_part_of_a_body_knows_the_whole_size():
    body = http_body(b"abc", cap=10, size=1000)
    assert body.text == "abc" and body.size == 1000 and body.truncated
