"""The rows of one negotiation, as an archive bundle carries them: which tables, which rows, and JSON.

Tables are read by reflection of the database's own schema, so a bundle holds every column a table has
(whatever module maps it), and rows keep their ids: hashes cover ids, and an import restores them
(docs/decisions/0023). The update log travels row by row, its folded segments unfolded (decision 0025).
Bytes travel as base64, moments as UTC ISO 8601 with microseconds.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, MetaData, Table, select

from drafting.log_reads import unfolded as unfolded_rows
from drafting.log_rows import row_values

Row = dict[str, Any]

IDENTITY_TABLES = ("delegations", "users")
# The negotiation's own tables, in an order that inserts every row after the rows it refers to.
SCOPED_TABLES = (
    "negotiations",
    "negotiation_participants",
    "documents",
    "comment_settings",
    "comments",
    "comment_edits",
    "positions",
    "position_versions",
    "incorporations",
    "document_updates",
    "revisions",
    "paragraph_status_changes",
    "silence_procedures",
    "adoptions",
    "audit_entries",
    "audit_heads",
)
TABLES = IDENTITY_TABLES + SCOPED_TABLES
ORDER = {"document_updates": ("document_id", "seq"), "audit_entries": ("seq",), "audit_heads": ("chain",)}
CHUNK = 500  # ids per IN (...) clause


def reflect(connection: Connection) -> dict[str, Table]:
    metadata = MetaData()
    metadata.reflect(bind=connection, only=list(TABLES))
    return {name: metadata.tables[name] for name in TABLES}


def encode(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return {"b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return {"at": utc.isoformat()}
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"b64"}:
            return base64.b64decode(value["b64"], validate=True)
        if set(value) == {"at"}:
            return datetime.fromisoformat(value["at"])
    return value


def encoded(row: Mapping[str, Any]) -> Row:
    return {key: encode(value) for key, value in row.items()}


def decoded(row: Mapping[str, Any]) -> Row:
    return {key: decode(value) for key, value in row.items()}


def _column(table: Table, name: str) -> Column[Any]:
    return table.c[name]


def _rows(connection: Connection, table: Table, where: ColumnElement[bool]) -> list[Row]:
    order = [_column(table, name) for name in ORDER.get(table.name, ())] or list(table.primary_key.columns)
    return [dict(row._mapping) for row in connection.execute(select(table).where(where).order_by(*order))]


def _in(connection: Connection, table: Table, column: str, values: Iterable[Any]) -> list[Row]:
    wanted = sorted(set(values))
    found: list[Row] = []
    for start in range(0, len(wanted), CHUNK):
        found += _rows(connection, table, _column(table, column).in_(wanted[start : start + CHUNK]))
    return found


def negotiation_rows(
    connection: Connection, tables: Mapping[str, Table], negotiation_id: int
) -> dict[str, list[Row]]:
    """Every row of the negotiation, and the delegations and users its rows name."""
    t = tables
    rows: dict[str, list[Row]] = {}
    rows["negotiations"] = _rows(connection, t["negotiations"], t["negotiations"].c.id == negotiation_id)
    for name in ("negotiation_participants", "documents", "audit_entries"):
        rows[name] = _rows(connection, t[name], t[name].c.negotiation_id == negotiation_id)
    documents = [row["id"] for row in rows["documents"]]
    for name in ("comment_settings", "comments", "positions", "document_updates", "revisions"):
        rows[name] = _in(connection, t[name], "document_id", documents)
    rows["document_updates"] = _whole_logs(connection, documents, rows["document_updates"])
    for name in ("paragraph_status_changes", "silence_procedures", "adoptions"):
        rows[name] = _in(connection, t[name], "document_id", documents)
    rows["comment_edits"] = _in(
        connection, t["comment_edits"], "comment_id", [r["id"] for r in rows["comments"]]
    )
    rows["position_versions"] = _in(
        connection, t["position_versions"], "position_id", [r["id"] for r in rows["positions"]]
    )
    rows["incorporations"] = _in(
        connection, t["incorporations"], "version_id", [r["id"] for r in rows["position_versions"]]
    )
    rows["audit_heads"] = _rows(
        connection, t["audit_heads"], t["audit_heads"].c.chain == f"negotiation/{negotiation_id}"
    )
    users = referenced(tables, rows, "users")
    rows["users"] = _in(connection, t["users"], "id", users)
    rows["delegations"] = _in(connection, t["delegations"], "id", referenced(tables, rows, "delegations"))
    return {name: rows[name] for name in TABLES}


def _whole_logs(connection: Connection, documents: Sequence[int], unfolded: list[Row]) -> list[Row]:
    """Every row of the documents' logs, the folded ones as they were stored before folding (a bundle's
    format and hashes do not depend on what the installation folded)."""
    folded = [row_values(row, row.digest or "") for d in documents for row in unfolded_rows(connection, d)]
    seen = {(row["document_id"], row["seq"]) for row in folded}
    rows = folded + [row for row in unfolded if (row["document_id"], row["seq"]) not in seen]
    return sorted(rows, key=lambda row: (row["document_id"], row["seq"]))


def referenced(tables: Mapping[str, Table], rows: Mapping[str, Sequence[Row]], target: str) -> set[int]:
    """The ids of `target` (users, delegations) that the rows' foreign keys name."""
    found: set[int] = set()
    for name, table_rows in rows.items():
        for column in tables[name].columns:
            if any(fk.column.table.name == target for fk in column.foreign_keys):
                found |= {row[column.name] for row in table_rows if row.get(column.name) is not None}
    return found


def by_document(
    rows: Iterable[Row], key: Callable[[Row], int] = lambda row: int(row["document_id"])
) -> dict[int, list[Row]]:
    grouped: dict[int, list[Row]] = {}
    for row in rows:
        grouped.setdefault(key(row), []).append(row)
    return grouped
