"""Reading rendered documents as a person would: the visible text, and the English
values of enumerations that must never show in it."""

from __future__ import annotations

import re
import typing

from bs4 import BeautifulSoup

from governance import values
from governance.events import EVENT_TYPES
from governance.keys import KINDS

ENGLISH_ENUM_VALUES = sorted(
    {
        *typing.get_args(values.Phase),
        *typing.get_args(values.Rating),
        *typing.get_args(values.MilestoneKind),
        *typing.get_args(values.AmendmentKind),
        *values.RISK_LEVELS,
        "improved",
        "worsened",
        "unchanged",
        "new",
        "achieved",
        "cancelled",
        "overdue",
        "planned",
        "open",
        "closed",
        *KINDS,
        *EVENT_TYPES,
    }
)


def visible_text(html: str) -> str:
    """The text a reader sees: no markup, scripts, styles or attribute values."""
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "template"]):
        hidden.decompose()
    return " ".join(soup.get_text(" ").replace("\xa0", " ").split())


def english_enum_values_in(text: str) -> list[str]:
    return [word for word in ENGLISH_ENUM_VALUES if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)]
