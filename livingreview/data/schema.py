"""The data files' schemas (data/datapackage.json): the one reader of that file.

The validator checks against it, links take the DOI pattern from it, the tables take the column
titles from it and the contributor docs describe every column from it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from .paths import DATAPACKAGE

#: The resource of datapackage.json that describes studies.csv.
RESOURCE = "studies"


@lru_cache(maxsize=8)
def resource_schema(name: str, path: str | Path = DATAPACKAGE) -> dict:
    """The Table Schema descriptor of one resource of datapackage.json (e.g. 'studies', 'cited')."""
    with open(path, encoding="utf-8") as handle:
        package = json.load(handle)
    return next(r for r in package["resources"] if r["name"] == name)["schema"]


def table_schema(path: str | Path = DATAPACKAGE) -> dict:
    """The Table Schema descriptor of the studies resource."""
    return resource_schema(RESOURCE, path)


def schema_fields(path: str | Path = DATAPACKAGE) -> list[dict]:
    """Every column's field descriptor, in file order."""
    return table_schema(path)["fields"]


def expected_columns() -> list[str]:
    """The columns of studies.csv, in file order."""
    return [f["name"] for f in schema_fields()]


def column_titles() -> dict[str, str]:
    """Each column's reader-facing title (the schema's `title`), e.g. model -> 'Generative model'."""
    return {f["name"]: f.get("title", f["name"]) for f in schema_fields()}


def column_pattern(name: str) -> str | None:
    """The regular expression a column's cells must match, if the schema gives one."""
    field = next(f for f in schema_fields() if f["name"] == name)
    return field.get("constraints", {}).get("pattern")
