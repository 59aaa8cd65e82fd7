"""Logging with the standard library: lines for people, or one JSON object per line
(``GOVERNANCE_LOG_FORMAT=json``) for a log collector. A record's `extra` fields (a
request's method, path, status, duration and actor) become members of its JSON object."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

from governance.settings import Settings

_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
}


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the record's extra
    fields and, for an error, its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="microseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update((name, value) for name, value in vars(record).items() if name not in _STANDARD)
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class _Handler(logging.StreamHandler[TextIO]):
    """The handler `configure_logging` adds (and replaces on a second call)."""


def configure_logging(config: Settings) -> None:
    """Send every logger's records to standard error, as the settings say (once per
    process: a second call replaces the first's handler)."""
    handler = _Handler(sys.stderr)
    if config.log_format == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing, _Handler):
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(config.log_level)
