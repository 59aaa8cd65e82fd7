"""The templates' environment (Jinja2, autoescaped HTML), the stylesheet, and the tertial
report in its three formats: one HTML template for `governance report --format html` and
the page `/ui/tertials/{YYYY-Tn}`, and a Markdown one with the same content."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import orjson
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from governance.reports import formatting, labels
from governance.reports.tertial import TertialReport, context

FORMATS = ("json", "md", "html")


def _markdown_cell(value: Any) -> str:
    text = "–" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _css_string(value: str) -> str:
    """Text as a CSS string's content (for the running header): quotes, backslashes and
    `<` escaped, so no text can end the string or the style element."""
    escaped = []
    for char in value:
        if char in '"\\<>' or ord(char) < 32:
            escaped.append(f"\\{ord(char):x} ")
        else:
            escaped.append(char)
    return "".join(escaped)


class DocumentEnvironment(Environment):
    """Reads `item.name` from a dict by key first: the documents' values are dicts, and
    asking the dict's attributes first costs a failed lookup for every value shown."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@cache
def environment() -> Environment:
    env = DocumentEnvironment(
        loader=PackageLoader("governance.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        day=formatting.day,
        long_day=formatting.long_day,
        instant=formatting.instant,
        mnok=formatting.mnok,
        signed_mnok=formatting.signed_mnok,
        label=labels.label,
        md=_markdown_cell,
        css_string=_css_string,
    )
    env.globals.update(labels=labels)
    return env


def static_dir() -> Path:
    """The folder of the stylesheet and the pages' script (package data)."""
    return Path(str(files("governance.reports").joinpath("static")))


@cache
def stylesheet() -> str:
    return (static_dir() / "ledger.css").read_text(encoding="utf-8")


def render(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)


def running_header_css(document: dict[str, Any]) -> str:
    """The print header naming the tertial and `known_at`, a rule of its own because its
    text differs per report (a page allows it by its hash)."""
    return (
        '@page { @top-left { content: "'
        + _css_string(document["running_header"])
        + '"; font-size: 8pt; color: #4f5b6b; } }'
    )


def style_hash(css: str) -> str:
    """The CSP source allowing exactly this inline style element."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode() + "'"


@dataclass(frozen=True)
class TertialBody:
    """The report's rendered content, with what its frame needs: its title and print header."""

    html: Markup
    title: str
    tertial: str
    organisation: str | None
    header_css: str


def tertial_body(report: TertialReport) -> TertialBody:
    document = context(report)
    return TertialBody(
        Markup(render("tertial_body.html", **document)),
        document["title"],
        document["tertial"],
        document["organisation"],
        running_header_css(document),
    )


def render_tertial(report: TertialReport, fmt: str, *, page: dict[str, Any] | None = None) -> str:
    """The report as JSON (the snapshot, or with a comparison the §6a changes), Markdown,
    or HTML: a self-contained file, or with `page` the page inside the site's frame."""
    if fmt == "json":
        answer = report.changes if report.changes is not None else report.snapshot
        return orjson.dumps(answer, option=orjson.OPT_INDENT_2).decode() + "\n"
    if fmt == "md":
        return render("tertial.md", **context(report))
    if fmt != "html":
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    body = tertial_body(report)
    if page is not None:
        return render_tertial_page(body, page)
    return render("tertial.html", layout="document.html", stylesheet=stylesheet(), **_frame(body))


def render_tertial_page(body: TertialBody, page: dict[str, Any]) -> str:
    """The report inside the site's frame (the page links its stylesheet)."""
    return render("tertial.html", layout="page.html", **{**page, **_frame(body)})


def _frame(body: TertialBody) -> dict[str, Any]:
    return {
        "body": body.html,
        "title": body.title,
        "tertial": body.tertial,
        "organisation": body.organisation,
        "header_css": body.header_css,
    }
