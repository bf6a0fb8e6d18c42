"""The seed's role table, encoded once as data (role_matrix.csv) and read by the access tests."""

import csv
from pathlib import Path

PATH = Path(__file__).with_name("role_matrix.csv")


def load() -> dict[str, frozenset[str]]:
    with PATH.open() as fh:
        rows = list(csv.DictReader(fh))
    roles = [c for c in rows[0] if c != "permission"]
    return {
        role: frozenset(r["permission"] for r in rows if r[role].strip() == "x") for role in roles
    }


MATRIX = load()
