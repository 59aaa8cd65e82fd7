"""Register cells as the ledger reads them (DOMAIN.md §10): whole numbers and keys from
integral numeric cells, dates from date cells or text, words case-insensitively, text
trimmed, empty cells absent."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from governance.registers import cells
from governance.registers.refusal import CellProblem


@pytest.mark.parametrize(
    ("value", "expected"), [(3, 3), (3.0, 3), ("3", 3), (" 4 ", 4), ("5,0", 5), (None, None), ("", None)]
)
def test_a_score_is_a_whole_number_however_it_is_written(value: object, expected: int | None) -> None:
    assert cells.score(value) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (3.5, "3.5 er ikke et heltall"),
        (7, "7 er utenfor 1–5"),
        (0, "0 er utenfor 1–5"),
        (True, "ikke et tall"),
        ("tre", "ikke et tall"),
    ],
)
def test_a_score_that_is_not_one_says_why_in_norwegian_and_english(value: object, words: str) -> None:
    with pytest.raises(CellProblem) as refused:
        cells.score(value)

    assert words in refused.value.no and refused.value.en


@pytest.mark.parametrize(
    ("value", "expected"), [(631, "631"), (631.0, "631"), (" OR-631 ", "OR-631"), (None, None)]
)
def test_a_key_may_come_from_an_integral_number(value: object, expected: str | None) -> None:
    assert cells.key(value) == expected


@pytest.mark.parametrize("value", [6.5, "OR 631", "-x", datetime(2025, 1, 1)])
def test_a_key_is_letters_digits_and_a_few_marks(value: object) -> None:
    with pytest.raises(CellProblem):
        cells.key(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(datetime(2025, 9, 15), date(2025, 9, 15)), (date(2025, 9, 15), date(2025, 9, 15)), ("15.09.2025", date(2025, 9, 15)),
     ("1.9.2025", date(2025, 9, 1)), ("2025-09-15", date(2025, 9, 15)), (None, None)],
)  # fmt: skip
def test_a_date_is_a_date_cell_or_norwegian_or_iso_text(value: object, expected: date | None) -> None:
    assert cells.day(value) == expected


@pytest.mark.parametrize("value", ["31.02.2025", "2025/09/15", 45915, datetime(2025, 9, 15, 12, 30)])
def test_anything_else_is_not_a_date(value: object) -> None:
    with pytest.raises(CellProblem):
        cells.day(value)


def test_words_are_read_case_insensitively_and_empty_cells_have_their_defaults() -> None:
    assert cells.status("LUKKET") is False and cells.status(None) is True and cells.status(" Åpen ") is True
    assert cells.yes_no("Ja") is True and cells.yes_no(None) is False and cells.yes_no(True) is True
    assert cells.milestone_kind("Beslutningspunkt") == "decision_point"


def test_a_basis_is_a_board_case_or_a_contract_amendment() -> None:
    assert cells.basis("HDO/27-2025") == ("decision_ref", "HDO/27-2025")
    assert cells.basis("KAK-FREQUENTIS#3") == ("amendment_ref", "KAK-FREQUENTIS#3")
    with pytest.raises(CellProblem):
        cells.basis("styresak 27")


def test_control_characters_survive_a_workbook_and_text_compares_as_a_person_reads_it() -> None:
    assert cells.unescape_controls(cells.escape_controls("a\x01b\x1fc")) == "a\x01b\x1fc"
    assert cells.unescape_controls("_x0041_") == "_x0041_"
    assert cells.same_text("Linje 1\r\nLinje 2 ", " Linje 1\nLinje 2")
    assert not cells.same_text("Ny", None)
