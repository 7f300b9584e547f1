"""The strings and moments every request field is made of: text PostgreSQL, JSON and UTF-8 can all carry.

PostgreSQL's text refuses the NUL character, and a lone UTF-16 surrogate (`"\\ud800"` in JSON)
has no UTF-8 encoding: either one reached the database driver and came back as a 500. Every
string a client sends (bodies, query parameters, cursors) is declared as `Text` or built on
it, so the refusal is one 422 naming the field, the same everywhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints


def check_text(value: str) -> str:
    """`value` unchanged, or ValueError saying what a person must remove."""
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (U+0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            "must be valid Unicode text: it contains a lone UTF-16 surrogate (\\ud800-\\udfff)"
        ) from None
    return value


class _TextSchema:
    """Says in the OpenAPI document what `check_text` refuses (a pattern without NUL; lone
    surrogates no JSON encoder writes), and that a stripped, required name cannot be blank,
    so that a schema-valid string is an accepted one."""

    def __init__(self, *, blank: bool = True) -> None:
        self.pattern = r"^[^\x00]*$" if blank else r"^[^\x00]*[^\s\x00][^\x00]*$"

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> Any:
        schema = handler(core_schema)
        schema["pattern"] = self.pattern
        return schema


Text = Annotated[str, AfterValidator(check_text), _TextSchema()]
"""A string without NUL characters or lone surrogates."""


def text(*, strip_whitespace: bool = False, min_length: int | None = None, max_length: int) -> Any:
    """`Text` with length constraints, checked after stripping (an Annotated over `Text` would
    check the length before the strip)."""
    constraints = StringConstraints(
        strip_whitespace=strip_whitespace, min_length=min_length, max_length=max_length
    )
    blank = not (strip_whitespace and min_length)
    return Annotated[str, constraints, AfterValidator(check_text), _TextSchema(blank=blank)]


EARLIEST_YEAR = 1900
LATEST_YEAR = 2999


def _iso_moment(value: object) -> object:
    """Refuse what pydantic would read as a Unix timestamp (`0.5`, `"1700000000"`): the API's
    moments are RFC 3339 text, as the OpenAPI document says."""
    if isinstance(value, bool | int | float) or (
        isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit()
    ):
        raise ValueError("must be an RFC 3339 date-time with an offset, e.g. 2026-05-01T09:00:00Z")
    return value


def check_moment(value: datetime) -> datetime:
    """`value` unchanged if its year (in its own offset) is within the range TaskFlow accepts.

    Far years were accepted and then broke: 9999-12-31T23:59:59Z shown in Pacific/Kiritimati
    (+14:00) is past the last year Python can represent (OverflowError, a 500), and a
    recurring task due in year 1 made every completion expand 740,000 past occurrences.
    Checked on the year as sent, so the check itself converts nothing and cannot overflow."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


Moment = Annotated[AwareDatetime, BeforeValidator(_iso_moment), AfterValidator(check_moment)]
"""A date and time with an offset, in the years TaskFlow accepts (1900 to 2999)."""


def _whole_number(value: object) -> object:
    """A JSON integer may be written `262.0` (JSON Schema says it is one); text and booleans
    are not numbers."""
    if isinstance(value, str | bool):
        raise ValueError("must be a whole number")
    return value


def whole_number(*, ge: int, le: int) -> Any:
    """An integer as JSON Schema has it (5 and 5.0, not "5" or true) from `ge` to `le`; the
    bounds come before the check so that the OpenAPI document shows them."""
    return Annotated[int, Field(ge=ge, le=le), BeforeValidator(_whole_number)]


def zone_name_schema(schema: dict) -> None:
    """The OpenAPI schema of a time zone field: an enum of the IANA names TaskFlow accepts."""
    from backend.tasks.schemas import ZONE_NAMES

    schema["enum"] = ZONE_NAMES
