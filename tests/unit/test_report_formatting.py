"""Dates, instants and money as the seed reports write them, and a Norwegian word for
every enumerated value of the contract."""

from __future__ import annotations

import typing
from datetime import UTC, date, datetime

import pytest

from governance import values
from governance.events import EVENT_TYPES
from governance.keys import KINDS
from governance.reports import formatting as fmt
from governance.reports import labels


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (46_100_000, "46,1 MNOK"),
        (46_149_999, "46,1 MNOK"),
        (46_150_000, "46,2 MNOK"),
        (0, "0,0 MNOK"),
        (-3_500_000, "−3,5 MNOK"),
        (1_234_500_000, "1 234,5 MNOK"),
        (None, "–"),
    ],
)
def test_amounts_are_mnok_with_one_decimal_and_a_decimal_comma(amount: int | None, text: str) -> None:
    assert fmt.mnok(amount).replace("\xa0", " ") == text


def test_deviations_carry_their_sign() -> None:
    assert fmt.signed_mnok(3_500_000).replace("\xa0", " ") == "+3,5 MNOK"
    assert fmt.signed_mnok(-4_700_000).replace("\xa0", " ") == "−4,7 MNOK"


def test_days_are_written_day_month_year() -> None:
    assert fmt.day(date(2025, 9, 15)) == "15.09.2025"
    assert fmt.day("2025-09-05") == "05.09.2025"
    assert fmt.long_day("2025-09-15") == "15. september 2025"
    assert fmt.period("2025-05-01", "2025-08-31") == "1. mai – 31. august 2025"


def test_instants_are_shown_in_oslo_time_summer_and_winter() -> None:
    assert fmt.instant("2025-09-15T21:59:59.999999Z").replace("\xa0", " ") == "15.09.2025 kl. 23:59"
    assert (
        fmt.instant(datetime(2025, 12, 1, 8, 30, tzinfo=UTC)).replace("\xa0", " ") == "01.12.2025 kl. 09:30"
    )
    assert fmt.picker_value("2025-09-15T10:00:00.000000Z") == "2025-09-15T12:00"


def test_a_tertial_is_named_as_a_board_names_it() -> None:
    assert fmt.tertial_name("2025-T2") == "2. tertial 2025"


@pytest.mark.parametrize(
    ("mapping", "english"),
    [
        (labels.PHASES, typing.get_args(values.Phase)),
        (labels.RATINGS, typing.get_args(values.Rating)),
        (labels.MILESTONE_KINDS, typing.get_args(values.MilestoneKind)),
        (labels.AMENDMENT_KINDS, typing.get_args(values.AmendmentKind)),
        (labels.LEVELS, values.RISK_LEVELS),
        (labels.TRENDS, ("improved", "worsened", "unchanged", "new")),
        (labels.MILESTONE_STATES, ("achieved", "cancelled", "overdue", "planned")),
        (labels.SUBJECT_KINDS, KINDS),
        (labels.EVENT_TYPES, tuple(EVENT_TYPES)),
    ],
)
def test_every_enumerated_value_has_a_norwegian_word(
    mapping: dict[str, str], english: tuple[str, ...]
) -> None:
    assert set(mapping) == set(english)
    assert all(word and word not in english for word in mapping.values())
