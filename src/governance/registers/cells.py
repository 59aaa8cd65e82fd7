"""One cell's value as the ledger reads it (DOMAIN.md §10): dates from date cells,
`DD.MM.YYYY` or ISO; whole numbers and keys from numeric cells when integral; enumerated
words case-insensitively; text trimmed; an empty cell as absent. And how values are written
back: dates `DD.MM.YYYY` in CSV."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from governance import keys
from governance.registers.refusal import CellProblem
from governance.registers.sheets import MILESTONE_KIND_WORDS, STATUS_WORDS, YES_NO_WORDS


class UnreadableCell:
    """A cell whose value the ledger cannot take: a formula whose workbook holds no
    computed value (it was never opened and saved by a spreadsheet program), or an error
    value (`#DIV/0!`)."""

    def __init__(self, problem: CellProblem) -> None:
        self.problem = problem

    @classmethod
    def formula(cls, formula: str) -> UnreadableCell:
        return cls(
            CellProblem(
                f"formelen {formula} har ingen lagret verdi; åpne og lagre arbeidsboken i et"
                " regnearkprogram, eller skriv inn verdien",
                f"the formula {formula} has no cached value; open and save the workbook in a"
                " spreadsheet program, or type the value in",
                "formula_without_value",
            )
        )

    @classmethod
    def error(cls, code: str) -> UnreadableCell:
        return cls(
            CellProblem(
                f"cellen viser feilverdien {code}", f"the cell shows the error value {code}", "cell_error"
            )
        )


_DOTTED_DAY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\Z")
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")
_WHOLE_NUMBER = re.compile(r"[+-]?\d+(?:[.,]0*)?\Z")
_ESCAPED_CONTROL = re.compile(r"_x(00[01][0-9A-Fa-f])_")
_ILLEGAL_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def shown(value: Any) -> str:
    """A cell's value as a message quotes it."""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M") if value.time() != time() else value.strftime("%d.%m.%Y")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _formula(value: Any) -> None:
    if isinstance(value, UnreadableCell):
        raise value.problem


def text(value: Any) -> str | None:
    """Text, trimmed; None for an empty cell."""
    _formula(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, (datetime, date)):
        return shown(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    trimmed = str(value).strip()
    return trimmed or None


def key(value: Any) -> str | None:
    """A key (`OR-631`, `DM1`); a numeric cell when integral (`631`)."""
    _formula(value)
    if isinstance(value, (bool, date, datetime)):
        raise CellProblem(f"{shown(value)} er ikke en nøkkel", f"{shown(value)} is not a key", "key_invalid")
    if isinstance(value, (int, float)):
        value = _whole(value)
    found = text(value)
    if found is None:
        return None
    if not keys.is_key(found):
        raise CellProblem(
            f"«{shown(found)}» er ikke en nøkkel (bokstaver, sifre, '.', '_' og '-', som begynner med"
            " en bokstav eller et siffer)",
            f"{shown(found)!r} is not a key (letters, digits, '.', '_' and '-', starting with a letter"
            " or digit)",
            "key_invalid",
        )
    return found


def _whole(value: Any) -> int:
    """A whole number from a numeric cell or its text (`3`, `3.0`; never `3.5`)."""
    if isinstance(value, bool):
        raise CellProblem(f"{shown(value)} er ikke et tall", f"{shown(value)} is not a number", "int_type")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellProblem(
            f"{shown(value)} er ikke et heltall", f"{shown(value)} is not a whole number", "int_type"
        )
    found = text(value) or ""
    if _WHOLE_NUMBER.match(found):
        return int(found.replace(",", ".").split(".")[0])
    try:
        number = Decimal(found.replace(",", "."))
    except InvalidOperation:
        raise CellProblem(
            f"«{shown(found)}» er ikke et tall", f"{shown(found)!r} is not a number", "int_type"
        ) from None
    raise CellProblem(
        f"{shown(number)} er ikke et heltall", f"{shown(number)} is not a whole number", "int_type"
    )


def score(value: Any) -> int | None:
    """`S` or `K`: a whole number from 1 to 5."""
    _formula(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = _whole(value)
    if not 1 <= number <= 5:
        raise CellProblem(f"{number} er utenfor 1–5", f"{number} is outside 1–5", "score_range")
    return number


def _word(value: Any, words: dict[str, Any], what_no: str, what_en: str) -> Any:
    found = text(value)
    if found is None:
        return None
    folded = unicodedata.normalize("NFC", found).casefold()
    if folded not in words:
        listed = " eller ".join(", ".join(words).rsplit(", ", 1))
        listed_en = " or ".join(", ".join(words).rsplit(", ", 1))
        raise CellProblem(
            f"«{shown(found)}» er ikke {what_no}: skriv {listed}",
            f"{shown(found)!r} is not {what_en}: write {listed_en}",
            "enum",
        )
    return words[folded]


def status(value: Any) -> bool:
    """`Status`: True for `åpen` (and an empty cell), False for `lukket`."""
    found = _word(value, STATUS_WORDS, "en status", "a status")
    return True if found is None else bool(found)


def yes_no(value: Any) -> bool:
    """`Utført`, `Kansellert`: `ja` or `nei` (an empty cell is `nei`; a boolean cell counts)."""
    _formula(value)
    if isinstance(value, bool):
        return value
    found = _word(value, YES_NO_WORDS, "ja eller nei", "yes or no (ja, nei)")
    return bool(found)


def milestone_kind(value: Any) -> str | None:
    """`Type`: the word for a milestone's kind, as its code (`beslutningspunkt` →
    `decision_point`)."""
    found = _word(value, MILESTONE_KIND_WORDS, "en milepælstype", "a kind of milestone")
    return None if found is None else str(found)


def day(value: Any) -> date | None:
    """A date cell, or text written `DD.MM.YYYY` or `YYYY-MM-DD`."""
    _formula(value)
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.time() != time():
            raise CellProblem(
                f"{shown(value)} har et klokkeslett; skriv bare datoen",
                f"{shown(value)} has a time of day; write the date alone",
                "date_invalid",
            )
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellProblem(
            f"{shown(value)} er et tall, ikke en dato: formater cellen som dato eller skriv DD.MM.ÅÅÅÅ",
            f"{shown(value)} is a number, not a date: format the cell as a date or write DD.MM.YYYY",
            "date_invalid",
        )
    found = text(value)
    if found is None:
        return None
    match = _DOTTED_DAY.match(found)
    parts = (match[3], match[2], match[1]) if match else None
    if parts is None and (iso := _ISO_DAY.match(found)):
        parts = (iso[1], iso[2], iso[3])
    if parts is not None:
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
    raise CellProblem(
        f"«{shown(found)}» er ikke en dato (DD.MM.ÅÅÅÅ eller ÅÅÅÅ-MM-DD)",
        f"{shown(found)!r} is not a date (DD.MM.YYYY or YYYY-MM-DD)",
        "date_invalid",
    )


def basis(value: Any) -> tuple[str, str] | None:
    """`Grunnlag`: a board case `BODY/NO` (`decision_ref`) or an amendment `CONTRACT#NO`
    (`amendment_ref`), as (field, reference)."""
    found = text(value)
    if found is None:
        return None
    try:
        keys.parse_case_ref(found)
        return ("decision_ref", found)
    except keys.KeyFormatError:
        pass
    try:
        keys.parse_amendment_ref(found)
        return ("amendment_ref", found)
    except keys.KeyFormatError:
        pass
    raise CellProblem(
        f"«{shown(found)}» er verken en styresak (ORGAN/NR, f.eks. HDO/27-2025) eller et"
        " kontraktstillegg (KONTRAKT#NR, f.eks. KAK-FREQUENTIS#3)",
        f"{shown(found)!r} is neither a board case (BODY/NO, e.g. HDO/27-2025) nor a contract"
        " amendment (CONTRACT#NO, e.g. KAK-FREQUENTIS#3)",
        "reference_invalid",
    )


def day_text(value: date | None) -> str:
    """A date as CSV writes it (`15.09.2025`); empty for none."""
    return "" if value is None else value.strftime("%d.%m.%Y")


def escape_controls(value: str) -> str:
    """Control characters XML cannot hold, written as the workbook format escapes them
    (`_x0001_`), so text with them survives a round trip through a workbook."""
    return _ILLEGAL_IN_XML.sub(lambda found: f"_x{ord(found[0]):04X}_", value)


def unescape_controls(value: str) -> str:
    if "_x" not in value:
        return value
    return _ESCAPED_CONTROL.sub(
        lambda found: chr(code) if _ILLEGAL_IN_XML.match(chr(code := int(found[1], 16))) else found[0], value
    )


def same_text(ledger: str | None, cell: str | None) -> bool:
    """Whether a cell says what the ledger holds: trimmed, line ends and Unicode
    normalisation aside (a spreadsheet may change either)."""
    return _comparable(ledger) == _comparable(cell)


def _comparable(value: str | None) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
