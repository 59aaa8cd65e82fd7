"""Which stores the storage tests run on: SQLite always, PostgreSQL when
GOVERNANCE_TEST_POSTGRES_URL names one; and a fresh PostgreSQL schema to hold one."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

POSTGRES_URL = os.environ.get("GOVERNANCE_TEST_POSTGRES_URL", "")
STORES = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


@contextmanager
def postgres_schema() -> Iterator[str]:
    """The URL of an empty store in a schema of its own on the test database, dropped
    with everything in it afterwards."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}schema={schema}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
