"""The value rules every record field follows, whichever way it comes in (seed files, API
writes, `import`): whole-value matching with ASCII classes, no control characters, quotes
that say something, titles and names that are not blank.

Each rule is an `Annotated` string type, so a Pydantic model that uses it reports the
field by name. Patterns are matched with `re.fullmatch` (never `re.match` + `$`, which
accepts a trailing newline) and spelled with `[0-9]`, not `\\d` (which matches "٢٠٢٥").
"""

import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from app.dates import REAL_DATE, InvalidDate, parse_partial_date

SLUG = r"[a-z0-9][a-z0-9-]*[a-z0-9]"
"""A readable id: lower-case ASCII letters, digits and '-', at least 2 characters."""
COUNTRY_CODE = rf"[A-Z]{{2}}|[A-Z]{{4}}|{SLUG}"
"""ISO 3166-1 alpha-2 (`VN`), ISO 3166-3 alpha-4 (`SUHH`), or a slug (`azerbaijan-ssr`)."""
RECORD_KEY = r"[A-Za-z0-9][A-Za-z0-9-]*"
"""Any record's id, events' derived ids (`mou-x--signature--VN`) included."""
SHA256 = r"[0-9a-f]{64}"

# Control characters (Unicode category Cc): C0, DEL and C1, and the bidirectional
# overrides, embeddings and isolates, which make text display in another order than it is
# stored (a name that reads one way and sorts or matches another). Prose keeps tab and
# newlines.
_BIDI_CLASS = r"\u202a-\u202e\u2066-\u2069"
_CONTROL_CLASS = rf"\x00-\x1f\x7f-\x9f{_BIDI_CLASS}"
_CONTROL_IN_PROSE_CLASS = rf"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI_CLASS}"
_CONTROL = re.compile(f"[{_CONTROL_CLASS}]")
_CONTROL_IN_PROSE = re.compile(f"[{_CONTROL_IN_PROSE_CLASS}]")
# Zero-width characters show as nothing: a line of them alone (and white space) is blank.
# Amid visible text they stay (ZWJ and ZWNJ shape words in several scripts).
_ZERO_WIDTH_CLASS = r"\u200b-\u200d\u2060\ufeff"
_VISIBLE = re.compile(rf"[^\s{_ZERO_WIDTH_CLASS}]")
# The same rules as patterns in the OpenAPI spec, so that what a client generates from the
# spec passes them: a line has no control character and something besides white space and
# zero-width characters.
LINE_PATTERN = (
    rf"^[^{_CONTROL_CLASS}]*[^\s{_CONTROL_CLASS}{_ZERO_WIDTH_CLASS}][^{_CONTROL_CLASS}]*$"
)
PROSE_PATTERN = rf"^[^{_CONTROL_IN_PROSE_CLASS}]*$"
# A word of three letters or more (letters of any script; digits and '_' are not letters).
_WORD = re.compile(r"[^\W\d_]{3,}")


def _no_control(pattern: re.Pattern[str]) -> Callable[[str], str]:
    def check(value: str) -> str:
        found = pattern.search(value)
        if found:
            raise ValueError(
                f"contains the control character U+{ord(found.group()):04X} "
                f"at position {found.start()}"
            )
        return value

    return check


def _not_blank(value: str) -> str:
    if not _VISIBLE.search(value):
        raise ValueError("must not be blank")
    return value


def _matching(pattern: str, description: str) -> Callable[[str], str]:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"must be {description}")
        return value

    return check


def _says_something(value: str) -> str:
    if not _WORD.search(value):
        raise ValueError("a quote must contain at least one word of three letters or more")
    return value


def _real_date(value: str) -> str:
    try:
        parse_partial_date(value)
    except InvalidDate as exc:
        raise ValueError(str(exc)) from None
    return value


def Line(max_length: int) -> type[str]:
    """One line of text (a title, a name, a code, an alias): not blank (zero-width characters
    alone are blank), no control characters (bidirectional overrides included)."""
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(min_length=1, max_length=max_length),
        AfterValidator(_no_control(_CONTROL)),
        AfterValidator(_not_blank),
        Field(json_schema_extra={"pattern": LINE_PATTERN}),
    ]


def Slug(max_length: int) -> type[str]:
    """A slug id no longer than its column."""
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(min_length=2, max_length=max_length),
        AfterValidator(_matching(SLUG, f"a slug: a-z, 0-9 and '-', 2 to {max_length} characters")),
        Field(json_schema_extra={"pattern": f"^{SLUG}$"}),
    ]


Prose = Annotated[
    str,
    AfterValidator(_no_control(_CONTROL_IN_PROSE)),
    Field(json_schema_extra={"pattern": PROSE_PATTERN}),
]
"""Free text (a summary, a note, a source's text): tabs and newlines allowed, other control
characters (bidirectional overrides included) not."""

Quote = Annotated[
    str,
    StringConstraints(min_length=1),
    AfterValidator(_no_control(_CONTROL_IN_PROSE)),
    AfterValidator(_says_something),
    Field(json_schema_extra={"pattern": PROSE_PATTERN}),
]
"""A verbatim passage of a source: it must hold at least one real word."""

RecordId = Slug(120)
SectorId = Slug(80)
CountryId = Annotated[
    str,
    StringConstraints(min_length=2, max_length=40),
    AfterValidator(_matching(COUNTRY_CODE, "an ISO 3166 code (VN, SUHH) or a slug")),
    Field(json_schema_extra={"pattern": f"^(?:{COUNTRY_CODE})$"}),
]
RecordKey = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(_matching(RECORD_KEY, "an id: ASCII letters, digits and '-'")),
]
DateText = Annotated[
    str,
    StringConstraints(min_length=4, max_length=10),
    AfterValidator(_real_date),
    Field(json_schema_extra={"pattern": REAL_DATE}),
]
"""A partial date, `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, that exists in the calendar."""
Sha256 = Annotated[
    str, AfterValidator(_matching(SHA256, "a SHA-256 digest: 64 lower-case hex digits"))
]
