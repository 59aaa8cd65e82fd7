"""The registers' sheets, their columns in order, and the Norwegian words of their values
(DOMAIN.md §10)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RegisterKind = Literal["risks", "mitigations", "milestones"]
REGISTER_KINDS: tuple[RegisterKind, ...] = ("risks", "mitigations", "milestones")

CellKind = Literal["key", "text", "score", "status", "yes_no", "date", "milestone_kind", "basis"]
"""How a column's cells are written and read."""


@dataclass(frozen=True)
class Column:
    header: str
    kind: CellKind
    width: float
    """Characters, as the spreadsheet measures column widths."""


@dataclass(frozen=True)
class Sheet:
    name: str
    kind: RegisterKind
    columns: tuple[Column, ...]

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(column.header for column in self.columns)


RISKS = Sheet(
    "Risikoer",
    "risks",
    (
        Column("Nr", "key", 12),
        Column("Tittel", "text", 50),
        Column("Beskrivelse", "text", 60),
        Column("Organisasjon", "text", 16),
        Column("Prosjekt", "key", 12),
        Column("Eier", "text", 28),
        Column("S", "score", 5),
        Column("K", "score", 5),
        Column("Status", "status", 10),
        Column("Slått sammen med", "key", 18),
        Column("Begrunnelse", "text", 40),
    ),
)
MITIGATIONS = Sheet(
    "Tiltak",
    "mitigations",
    (
        Column("Nr", "key", 12),
        Column("Tiltak-ID", "key", 12),
        Column("Beskrivelse", "text", 70),
        Column("Eier", "text", 28),
        Column("Frist", "date", 12),
        Column("Utført", "yes_no", 9),
    ),
)
MILESTONES = Sheet(
    "Milepæler",
    "milestones",
    (
        Column("Prosjekt", "key", 12),
        Column("Milepæl", "key", 14),
        Column("Navn", "text", 50),
        Column("Type", "milestone_kind", 18),
        Column("Grunnplan", "date", 12),
        Column("Prognose", "date", 12),
        Column("Oppnådd", "date", 12),
        Column("Kansellert", "yes_no", 11),
        Column("Grunnlag", "basis", 20),
        Column("Begrunnelse", "text", 40),
    ),
)

SHEET_OF: dict[RegisterKind, Sheet] = {"risks": RISKS, "mitigations": MITIGATIONS, "milestones": MILESTONES}
"""The sheet a kind names: the one sheet of its CSV file."""

WORKBOOK_SHEETS: dict[RegisterKind, tuple[Sheet, ...]] = {
    "risks": (RISKS, MITIGATIONS),
    "mitigations": (MITIGATIONS,),
    "milestones": (MILESTONES,),
}
"""The sheets of each kind's workbook, in order. A risks workbook may leave out `Tiltak`
on import (its mitigations are then left as they are)."""

STATUS_WORDS = {"åpen": True, "lukket": False}
"""`Status`: open or closed."""
YES_NO_WORDS = {"ja": True, "nei": False}
MILESTONE_KIND_WORDS = {
    "milepæl": "milestone",
    "beslutningspunkt": "decision_point",
    "leveranse": "delivery",
    "betaling": "payment",
}
WORD_OF_MILESTONE_KIND = {code: word for word, code in MILESTONE_KIND_WORDS.items()}

DATE_FORMAT = "DD.MM.YYYY"
"""The number format of date cells, and how dates are written in CSV."""
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv"


def status_word(is_open: bool) -> str:
    return "åpen" if is_open else "lukket"


def yes_no_word(value: bool) -> str:
    return "ja" if value else "nei"
