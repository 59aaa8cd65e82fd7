"""The tertial report, rendered from the tertial snapshot as JSON, Markdown or HTML.

The report prints the log's position and head hash at `known_at`: a board that files it
with its minutes can later prove, with `GET /verify?position=P&hash=H`, that the
history it saw has not been rewritten.
"""

from __future__ import annotations

from html import escape
from typing import Any

import orjson

FORMATS = ("json", "md", "html")
RATING_MARK = {"green": "🟢 grønn", "yellow": "🟡 gul", "red": "🔴 rød", None: "–"}
DIMENSIONS = (
    ("overall", "Samlet"),
    ("time", "Tid"),
    ("cost", "Kost"),
    ("scope", "Omfang"),
    ("quality", "Kvalitet"),
    ("risk_exposure", "Risiko"),
    ("benefits", "Gevinst"),
)


def render(snapshot: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return orjson.dumps(snapshot, option=orjson.OPT_INDENT_2).decode() + "\n"
    if fmt == "md":
        return _markdown(snapshot)
    if fmt == "html":
        return _html(snapshot)
    raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")


def _nok(amount: int | None) -> str:
    return "–" if amount is None else f"{amount:,}".replace(",", " ")


def _rows(snapshot: dict[str, Any]) -> dict[str, list[list[str]]]:
    """The report's tables as plain text cells, shared by both renderings."""
    projects = [
        [
            project["key"],
            project["name"],
            project["phase"],
            *(RATING_MARK[(project["status"] or {}).get(name)] for name, _ in DIMENSIONS),
            project["trend"] or "–",
        ]
        for project in snapshot["projects"]
    ]
    finances = [
        [
            project["key"],
            *(
                _nok((project["financials"] or {}).get(name))
                for name in (
                    "cost_frame",
                    "steering_frame",
                    "phase_budget",
                    "forecast",
                    "actual",
                    "earned_value",
                )
            ),
        ]
        for project in snapshot["projects"]
    ]
    milestones = [
        [
            item["key"],
            item["name"],
            outcome,
            item["baseline_on"],
            item["forecast_on"] or "–",
            item["achieved_on"] or "–",
            str(item["slip_days"]),
        ]
        for project in snapshot["projects"]
        for outcome, items in (
            ("oppnådd", project["milestones_achieved"]),
            ("forsinket", project["milestones_slipped"]),
        )
        for item in items
    ]
    risks = [
        [
            risk["key"],
            risk["title"],
            risk["owner"],
            str(risk["probability"]),
            str(risk["consequence"]),
            str(risk["score"]),
            risk["level"],
        ]
        for risk in snapshot["risks"]["open"]
    ]
    amendments = [
        [item["contract"], str(item["amendment_no"]), item["kind"], item["title"], item["effective_on"]]
        for item in snapshot["amendments_in_period"]
    ]
    decisions = [
        [f"{item['body']} {item['case_no']}", item["decided_on"], item["text"]]
        for item in snapshot["decisions_in_period"]
    ]
    return {
        "projects": projects,
        "finances": finances,
        "milestones": milestones,
        "risks": risks,
        "amendments": amendments,
        "decisions": decisions,
    }


HEADERS = {
    "projects": ["Prosjekt", "Navn", "Fase", *(label for _, label in DIMENSIONS), "Trend"],
    "finances": [
        "Prosjekt",
        "Kostnadsramme",
        "Styringsramme",
        "Fasebudsjett",
        "Prognose",
        "Påløpt",
        "Realisert verdi",
    ],
    "milestones": ["Milepæl", "Navn", "I perioden", "Grunnplan", "Prognose", "Oppnådd", "Avvik (dager)"],
    "risks": ["Risiko", "Tittel", "Eier", "S", "K", "Skår", "Nivå"],
    "amendments": ["Kontrakt", "Nr.", "Type", "Tittel", "Gjelder fra"],
    "decisions": ["Sak", "Vedtatt", "Vedtak"],
}
TITLES = {
    "projects": "Prosjekter – samlet status",
    "finances": "Økonomi (NOK)",
    "milestones": "Milepæler i perioden",
    "risks": "Åpne risikoer",
    "amendments": "Kontraktstillegg i perioden",
    "decisions": "Vedtak i perioden",
}


def _heading(snapshot: dict[str, Any]) -> tuple[str, str]:
    period = snapshot["period"]
    title = f"Tertialrapport {snapshot['tertial']} ({period['start']} – {period['end']})"
    scope = f" – {snapshot['organisation']}" if snapshot.get("organisation") else ""
    return title + scope, f"Slik loggen var kjent {snapshot['known_at']}"


def _summary(snapshot: dict[str, Any]) -> list[str]:
    risks = snapshot["risks"]
    levels = ", ".join(f"{level}: {count}" for level, count in risks["by_level"].items())
    return [
        (
            f"Åpne risikoer: {risks['open_count']} ({levels}); nye i perioden: {len(risks['new_in_period'])}; "
            f"lukket i perioden: {len(risks['closed_in_period'])}."
        ),
        f"Logg: posisjon {snapshot['log']['position']}, hode-hash {snapshot['log']['head_hash']}.",
    ]


def _markdown(snapshot: dict[str, Any]) -> str:
    title, known = _heading(snapshot)
    lines = [f"# {title}", "", f"_{known}_", ""]
    lines.extend(f"- {line}" for line in _summary(snapshot))
    for name, rows in _rows(snapshot).items():
        lines += ["", f"## {TITLES[name]}", ""]
        if not rows:
            lines.append("Ingen.")
            continue
        lines.append("| " + " | ".join(HEADERS[name]) + " |")
        lines.append("|" + "---|" * len(HEADERS[name]))
        lines.extend(
            "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in row) + " |"
            for row in rows
        )
    return "\n".join(lines) + "\n"


def _html(snapshot: dict[str, Any]) -> str:
    title, known = _heading(snapshot)
    parts = [
        "<!doctype html>",
        '<html lang="nb"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        (
            "<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}"
            "table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;"
            "text-align:left;vertical-align:top}th{background:#f3f3f3}code{font-size:.85em}</style>"
        ),
        "</head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p><em>{escape(known)}</em></p>",
        "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in _summary(snapshot)) + "</ul>",
    ]
    for name, rows in _rows(snapshot).items():
        parts.append(f"<h2>{escape(TITLES[name])}</h2>")
        if not rows:
            parts.append("<p>Ingen.</p>")
            continue
        head = "".join(f"<th>{escape(cell)}</th>" for cell in HEADERS[name])
        body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
