"""JSON Schemas shipped with minerscan: our JSON report's contract, and SARIF 2.1.0 (see SOURCE)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parent
REPORT_SCHEMA = SCHEMA_DIR / "report.schema.json"
SARIF_SCHEMA = SCHEMA_DIR / "sarif-2.1.0-rtm.5.json"


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))
