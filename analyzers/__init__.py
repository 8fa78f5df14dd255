"""Detection: pure-Python rules over stored page visits (never imports Scrapy or Playwright).

Importing the package registers every built-in rule, so :func:`analyzers.base.registered_rules`
is complete; :mod:`analyzers.engine` runs them. Rule families: ``MS1xx`` known infrastructure,
``MS2xx`` script signatures, ``MS3xx`` mining protocol (MS301 named dialects, MS310 any
dialect's work/result exchange), ``MS4xx`` WebAssembly, ``MS5xx`` CPU behaviour, ``MS6xx`` what
outlives the page (MS601: still running after the page was left).
"""

from __future__ import annotations

import importlib

# registers MS1xx, MS3xx, MS5xx and MS6xx
from analyzers import afterlife, behaviour, blocklist, exchange, protocol  # noqa: F401

# Script signatures (MS2xx) and the wasm fingerprint (MS4xx) live in their own modules; while
# one is being written the others must still load, so only its own absence is tolerated.
for _name in ("analyzers.yara_rules", "analyzers.wasm"):
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as _exc:
        if _exc.name != _name:
            raise
