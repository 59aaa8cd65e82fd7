"""Why a register file is refused, said so that a person can find the cell and mend it:
the sheet, the row (the header is row 1), the column's header, and the reason in
Norwegian and in English."""

from __future__ import annotations

from typing import Any

from governance.errors import LedgerError


class CellProblem(ValueError):
    """What is wrong with one cell's value, in Norwegian (`no`) and English (`en`)."""

    def __init__(self, no: str, en: str, type_: str = "value_error") -> None:
        super().__init__(en)
        self.no = no
        self.en = en
        self.type = type_


class RegisterRefused(LedgerError):
    """A register file that cannot be imported; nothing of it is stored."""

    title = "Register refused"

    def __init__(
        self,
        no: str,
        en: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        type_: str = "value_error",
        sheets_found: list[str] | None = None,
    ) -> None:
        self.sheet = sheet
        self.row = row
        self.column = column
        self.type = type_
        self.sheets_found = sheets_found
        self.message = no
        self.message_en = en
        where_no = [f"rad {row}"] if row is not None else []
        where_en = [f"row {row}"] if row is not None else []
        if column is not None:
            where_no.append(f"kolonne {column}")
            where_en.append(f"column {column}")
        self.reason = f"{', '.join(where_no)}: {no}" if where_no else no
        """The reason in Norwegian, with the place (``rad 12, kolonne S: 7 er utenfor 1–5``)."""
        self.reason_en = f"{', '.join(where_en)}: {en}" if where_en else en
        prefix = f"{sheet}, " if sheet is not None and where_no else (f"{sheet}: " if sheet else "")
        super().__init__(f"{prefix}{self.reason} ({self.reason_en})")

    @classmethod
    def at(cls, problem: CellProblem, *, sheet: str, row: int, column: str) -> RegisterRefused:
        return cls(problem.no, problem.en, sheet=sheet, row=row, column=column, type_=problem.type)

    def as_dict(self) -> dict[str, Any]:
        """The refusal's own fields, as a problem carries them."""
        found: dict[str, Any] = {} if self.sheets_found is None else {"sheets_found": self.sheets_found}
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "reason": self.reason,
            "reason_en": self.reason_en,
            **found,
        }
