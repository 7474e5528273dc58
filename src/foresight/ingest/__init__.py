"""Ingest: case-log exports (CSV, Excel, Parquet, frames) to canonical cases and a rejects table."""

from foresight.ingest.cases import CASE_COLUMNS, REJECT_COLUMNS, IngestResult, read_cases
from foresight.ingest.dates import parse_dates
from foresight.ingest.mapping import ColumnMapping, load_mapping
from foresight.ingest.readers import read_table

__all__ = [
    "CASE_COLUMNS",
    "REJECT_COLUMNS",
    "ColumnMapping",
    "IngestResult",
    "load_mapping",
    "parse_dates",
    "read_cases",
    "read_table",
]
