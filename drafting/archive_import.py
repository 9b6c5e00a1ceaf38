"""Importing an archive bundle into another installation: all of it in one transaction, or nothing.

The bundle is verified first (drafting.archive); any problem refuses it. Rows keep their ids, so every
hash still holds (docs/decisions/0023). Delegations and users already present with the same id and the
same code or e-mail address are the same ones and are kept; any other clash of ids, codes or addresses
refuses the bundle with what clashes. Checkpoints are not carried: they are rebuilt from the log after
the import (they are a cache, and one in a bundle could not be verified).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Table, func, insert, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from drafting import history
from drafting.archive import Bundle, read_bundle, verify_contents
from drafting.archive_rows import CHUNK, IDENTITY_TABLES, SCOPED_TABLES, Row, reflect
from drafting.errors import BundleRefused, StorageUnavailable
from drafting.store import Store

NATURAL_KEYS = {"delegations": "code", "users": "email"}
BATCH = 1000


@dataclass(frozen=True)
class Imported:
    negotiation_id: int
    documents: list[int]
    rows: int


def import_bundle(engine: Engine, data: bytes) -> Imported:
    bundle = read_bundle(data)
    breaks = verify_contents(bundle)
    if breaks:
        raise BundleRefused([str(b) for b in breaks])
    try:
        with engine.begin() as connection:
            tables = reflect(connection)
            clashes = _clashes(connection, tables, bundle.tables)
            if clashes:
                raise BundleRefused(clashes)
            count = _insert(connection, tables, bundle)
            if connection.dialect.name == "postgresql":
                _advance_sequences(connection, tables)
    except IntegrityError as exc:
        raise BundleRefused([f"the installation already holds some of its rows: {exc.orig}"]) from exc
    except SQLAlchemyError as exc:
        raise StorageUnavailable(str(exc.__cause__ or exc)) from exc
    documents = sorted(int(row["id"]) for row in bundle.tables["documents"])
    store = Store(engine)
    for document_id in documents:  # caches, rebuilt from the imported log
        history.fill_checkpoints(store, document_id)
        store.compact(document_id)
    return Imported(bundle.negotiation_id, documents, count)


def _clashes(
    connection: Connection, tables: Mapping[str, Table], rows: Mapping[str, Sequence[Row]]
) -> list[str]:
    problems = []
    for name in IDENTITY_TABLES:
        key = NATURAL_KEYS[name]
        table = tables[name]
        for row in rows[name]:
            by_id = connection.execute(select(table.c[key]).where(table.c.id == row["id"])).first()
            by_key = connection.execute(select(table.c.id).where(table.c[key] == row[key])).first()
            if by_id is not None and by_id[0] != row[key]:
                problems.append(f"{name} {row['id']} is {by_id[0]} here but {row[key]} in the bundle")
            elif by_id is None and by_key is not None:
                problems.append(f"{row[key]} is {name} {by_key[0]} here but {row['id']} in the bundle")
    for name in SCOPED_TABLES:
        table = tables[name]
        if "id" not in table.c or not rows[name]:
            continue
        ids = sorted(row["id"] for row in rows[name])
        for start in range(0, len(ids), CHUNK):
            taken = connection.scalars(select(table.c.id).where(table.c.id.in_(ids[start : start + CHUNK])))
            problems += [f"{name} {taken_id} already exists here" for taken_id in taken]
    head = rows["audit_heads"]
    if head and connection.scalar(
        select(tables["audit_heads"].c.chain).where(tables["audit_heads"].c.chain == head[0]["chain"])
    ):
        problems.append(f"the audit chain {head[0]['chain']} already exists here")
    return problems


def _insert(connection: Connection, tables: Mapping[str, Table], bundle: Bundle) -> int:
    count = 0
    for name in (*IDENTITY_TABLES, *SCOPED_TABLES):
        table = tables[name]
        rows = bundle.tables[name]
        if name in IDENTITY_TABLES:
            present = set(
                connection.scalars(select(table.c.id).where(table.c.id.in_([r["id"] for r in rows])))
            )
            rows = [row for row in rows if row["id"] not in present]
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(table), [_columns(table, row) for row in rows[start : start + BATCH]])
        count += len(rows)
    return count


def _columns(table: Table, row: Row) -> Row:
    unknown = set(row) - set(table.c.keys())
    if unknown:
        raise BundleRefused([f"{table.name} has no column {', '.join(sorted(unknown))} in this installation"])
    return row


def _advance_sequences(connection: Connection, tables: Mapping[str, Table]) -> None:
    """Explicit ids do not move PostgreSQL's sequences: move them past the imported rows."""
    for name, table in tables.items():
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": name})
        if sequence is not None:
            highest = connection.scalar(select(func.max(table.c.id)))
            if highest is not None:
                connection.execute(text("SELECT setval(:s, :v)"), {"s": sequence, "v": highest})
