"""Today's date in UTC, the one day every default date range ends on.

Kept in one function so a test can pin the day: a suite that runs across midnight must not see
the page's "today" move past the one its data was built around."""

from datetime import UTC, date, datetime


def today() -> date:
    return datetime.now(UTC).date()
