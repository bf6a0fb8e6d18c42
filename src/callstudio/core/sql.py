"""Multi-row INSERTs on SQLite: one statement of many rows is one step of SQLite's engine (one
hand-over of the GIL), where `executemany` steps once per row (calls/stream.py explains why that
matters). SQLite takes at most 32,766 values per statement."""

SQLITE_ROWS = 1000  # rows per statement: 1,000 rows of up to 32 columns stay under the limit


def values_clause(rows: int, columns: int) -> str:
    """`(%s, …), (%s, …)…`: the VALUES of an INSERT of `rows` rows of `columns` values."""
    return ", ".join(["(" + ", ".join(["%s"] * columns) + ")"] * rows)
