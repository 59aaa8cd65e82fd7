"""From `GOVERNANCE_DATABASE_URL` to the `eventsourcing` library's environment.

``sqlite:///path/to/file.db`` (the default, ``sqlite:///./var/governance.db``) or
``postgresql://user:password@host:port/dbname``; a PostgreSQL URL may add
``?schema=NAME`` to keep the ledger's tables in a schema of their own.
"""

from __future__ import annotations

import math
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from eventsourcing.utils import get_topic, strtobool

from governance.settings import Settings, settings
from governance.store.postgres import DDL_LOCK, PostgresLedgerRecorder
from governance.store.serialisation import OrjsonTranscoder, PydanticMapper
from governance.store.sqlite import SQLiteLedgerRecorder


class DatabaseURLError(ValueError):
    pass


def database_url() -> str:
    """The store `GOVERNANCE_DATABASE_URL` names (set but empty: the default)."""
    return settings().database_url or str(Settings.model_fields["database_url"].default)


def store_env(url: str) -> dict[str, str]:
    """The library's environment for the store at `url`, its waits bounded as the
    settings say (see also `postgres.bound_waits`)."""
    config = settings()
    common = {
        "MAPPER_TOPIC": get_topic(PydanticMapper),
        "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
        "AGGREGATE_CACHE_MAXSIZE": str(config.aggregate_cache_size),
    }
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if not path:
            raise DatabaseURLError("a SQLite URL names a file: sqlite:///path/to/file.db")
        if not path.startswith("file:") and ":memory:" not in path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return common | {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": str(config.db_lock_timeout),
            "APPLICATION_RECORDER_TOPIC": get_topic(SQLiteLedgerRecorder),
        }
    parts = urlsplit(url)
    if parts.scheme in ("postgresql", "postgres"):
        if not parts.hostname or not parts.path.strip("/"):
            raise DatabaseURLError(
                "a PostgreSQL URL names a host and a database: postgresql://user@host:5432/db"
            )
        query = parse_qs(parts.query)
        return common | {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(parts.path.strip("/")),
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_SCHEMA": query.get("schema", [""])[0],
            "POSTGRES_CONNECT_TIMEOUT": str(max(1, math.ceil(config.db_connect_timeout))),
            "POSTGRES_LOCK_TIMEOUT": str(config.db_lock_timeout),
            "POSTGRES_POOL_SIZE": str(config.db_pool_size),
            "POSTGRES_MAX_OVERFLOW": str(config.db_pool_overflow),
            # The library's 5 s would end a batch whose hashing runs between statements.
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": str(config.db_idle_in_transaction_timeout),
            "APPLICATION_RECORDER_TOPIC": get_topic(PostgresLedgerRecorder),
        }
    raise DatabaseURLError(f"unsupported database URL {url!r}: use sqlite:///... or postgresql://...")


def prepare_store(env: dict[str, str]) -> None:
    """Create what the library's recorders expect to exist: a PostgreSQL schema (unless
    they are told to create nothing, as a process that only reads the store is)."""
    schema = env.get("POSTGRES_SCHEMA")
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres" or not schema:
        return
    if not strtobool(env.get("CREATE_TABLE") or "yes"):  # as the library reads it
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
        connect_timeout=max(2, int(env.get("POSTGRES_CONNECT_TIMEOUT", "10"))),
        autocommit=True,
    ) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK,))
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        connection.execute("SELECT pg_advisory_unlock(%s)", (DDL_LOCK,))
