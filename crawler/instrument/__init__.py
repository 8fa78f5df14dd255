"""Worker-aware instrumentation of one Playwright page.

The spider calls, for each page, ``attach`` before ``goto`` (scrapy-playwright's
``playwright_page_init_callback``), ``watch`` after the load (the dwell), then ``collect``,
and builds a :class:`~model.observations.PageVisit` from the :class:`Instrumented` it
gets back. See DESIGN.md, "What a rendered page must yield", for what each part relies on.
"""

from __future__ import annotations

from .launch import CLOSED_NETWORK_RULES, browser_args
from .options import Instrumented, InstrumentOptions
from .page import PageInstrumentation
from .requests import is_third_party, site_of
from .wasm_sections import WasmInterface, read_interface

__all__ = [
    "CLOSED_NETWORK_RULES",
    "InstrumentOptions",
    "Instrumented",
    "PageInstrumentation",
    "WasmInterface",
    "browser_args",
    "is_third_party",
    "read_interface",
    "site_of",
]
