"""What changed in a tertial, written for a person (`governance changes --format md`): one
line per change, `before → after`, and the events learnt between the two readings, with
who recorded them and when (Oslo time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from governance.timemodel import OSLO


def _value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def _oslo(instant: str) -> str:
    return datetime.fromisoformat(instant).astimezone(OSLO).strftime("%d.%m.%Y %H:%M")


def _reading(label: str, reading: dict[str, Any]) -> str:
    return (
        f"{label}: loggen slik den var kjent {_oslo(reading['known_at'])} "
        f"(posisjon {reading['position']}, hode-hash `{reading['head_hash']}`)"
    )


def changes_markdown(answer: dict[str, Any]) -> str:
    """The changes of `GET /tertials/{t}/changes` as Markdown."""
    lines = [
        f"# Endringer i tertial {answer['tertial']}",
        "",
        _reading("Fra", answer["from"]),
        "",
        _reading("Til", answer["to"]),
        "",
        f"## Endringer ({len(answer['changes'])})",
        "",
    ]
    if not answer["changes"]:
        lines.append("Ingen endringer.")
    for change in answer["changes"]:
        lines.append(f"- `{change['path'] or '/'}`: {_value(change['before'])} → {_value(change['after'])}")
    lines += ["", f"## Hendelser registrert mellom de to lesningene ({len(answer['events'])})", ""]
    if not answer["events"]:
        lines.append("Ingen.")
    for event in answer["events"]:
        lines.append(
            f"- {_oslo(event['recorded_at'])}, {event['actor'] or 'ukjent'}: {event['type']} "
            f"for {event['subject']}, gjelder fra {event['effective_on']} (seq {event['seq']})"
        )
    return "\n".join(lines) + "\n"
