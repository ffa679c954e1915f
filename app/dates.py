"""Partial dates: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, with the interval each one covers."""

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

Precision = Literal["year", "month", "day"]
DATE_PATTERN = r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?"
"""The whole value, in ASCII digits: `\\d` would also match "٢٠٢٥" and "２０２５"."""
_PATTERN = re.compile(DATE_PATTERN)
_YEAR = r"(?:[0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})"
_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
REAL_DATE = (
    rf"^(?:{_YEAR}(?:-(?:(?:0[13578]|1[02])(?:-(?:0[1-9]|[12][0-9]|3[01]))?"
    r"|(?:0[469]|11)(?:-(?:0[1-9]|[12][0-9]|30))?|02(?:-(?:0[1-9]|1[0-9]|2[0-8]))?))?"
    rf"|{_LEAP_YEAR}-02-29)$"
)
"""`YYYY`, `YYYY-MM` or `YYYY-MM-DD`, real dates only (leap days included): exactly what
`parse_partial_date` accepts, as a regular expression for the OpenAPI spec, so a value
generated from the spec is never refused."""


class InvalidDate(ValueError):
    pass


@dataclass(frozen=True)
class PartialDate:
    text: str
    precision: Precision
    start: date
    end: date


def parse_partial_date(text: str) -> PartialDate:
    """Parse a date at the precision given; raise InvalidDate for anything else."""
    match = _PATTERN.fullmatch(text)
    if not match:
        raise InvalidDate(f"{text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        if month is None:
            return PartialDate(text, "year", date(year, 1, 1), date(year, 12, 31))
        last = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 0
        if day is None:
            return PartialDate(text, "month", date(year, month, 1), date(year, month, last))
        return PartialDate(text, "day", date(year, month, day), date(year, month, day))
    except ValueError as exc:
        raise InvalidDate(f"{text!r} is not a real date: {exc}") from None


DATE_PARTS = ("year", "month", "day")
DATE_COLUMNS = ["date", "date_precision", *DATE_PARTS, "date_inferred"]
"""A dated record's CSV columns: the date as given, its precision, one column per part (see
`date_parts`) and whether it is inferred."""


def date_parts(date: str | None) -> dict[str, str | None]:
    """`year`, `month` and `day` of a date given as `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, each
    null when not given: one column keeps one type, whatever the precision of the rows."""
    parts = (date or "").split("-") if date else []
    return {k: (parts[i] if i < len(parts) else None) for i, k in enumerate(DATE_PARTS)}
