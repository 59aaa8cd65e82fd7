"""What changed in a tertial, written for a person (`governance changes --format md`): one
line per change, `before → after` in the words of the report, and the events learnt
between the two readings, with who recorded them and when (Oslo time)."""

from __future__ import annotations

from typing import Any

import orjson

from governance.changes import split
from governance.reports.formatting import day, instant, mnok
from governance.reports.labels import EVENT_TYPES, FIELDS, FINANCIALS, SUBJECT_KINDS, field_value_label


def _value(name: str, value: Any) -> str:
    if value is None:
        return "–"
    word = field_value_label(name, value) if isinstance(value, str) else None
    if word is not None:
        return word
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if name in FINANCIALS and isinstance(value, int):
        return mnok(value)
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def _reading(label: str, reading: dict[str, Any]) -> str:
    return (
        f"{label}: loggen slik den var kjent {instant(reading['known_at'])} "
        f"(posisjon {reading['position']}, hode-hash `{reading['head_hash']}`)"
    )


def _subject(subject: str) -> str:
    kind, _, key = subject.partition(":")
    return f"{SUBJECT_KINDS.get(kind, kind)} {key}"


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
        segments = split(change["path"])
        name = segments[-1] if segments else ""
        field = f" ({FIELDS[name]})" if name in FIELDS else ""
        before, after = _value(name, change["before"]), _value(name, change["after"])
        lines.append(f"- `{change['path'] or '/'}`{field}: {before} → {after}")
    lines += ["", f"## Hendelser registrert mellom de to lesningene ({len(answer['events'])})", ""]
    if not answer["events"]:
        lines.append("Ingen.")
    for event in answer["events"]:
        lines.append(
            f"- {instant(event['recorded_at'])}, {event['actor'] or 'ukjent'}: "
            f"{EVENT_TYPES.get(event['type'], event['type'])} for {_subject(event['subject'])}, "
            f"gjelder fra {day(event['effective_on'])} (seq {event['seq']})"
        )
    return "\n".join(lines) + "\n"
