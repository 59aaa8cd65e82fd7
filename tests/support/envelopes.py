"""Lines of an exchange file (DOMAIN.md §7) that the import and export tests share."""

from __future__ import annotations

from typing import Any

import orjson

PROJECT: dict[str, Any] = {
    "subject": "project:KAK",
    "type": "ProjectRegistered",
    "effective_on": "2025-01-10",
    "data": {"name": "KAK", "organisation": "HDO", "phase": "execution", "owner": "Eier"},
}
RISK: dict[str, Any] = {
    "subject": "risk:OR-631",
    "type": "RiskIdentified",
    "effective_on": "2025-02-01",
    "data": {
        "title": "Risiko",
        "organisation": "HDO",
        "project": "KAK",
        "owner": "Eier",
        "probability": 3,
        "consequence": 4,
    },
}


def jsonl(*lines: dict[str, Any] | bytes) -> bytes:
    """An exchange file of these lines (dicts as JSON, bytes as they are)."""
    return b"".join((line if isinstance(line, bytes) else orjson.dumps(line)) + b"\n" for line in lines)
