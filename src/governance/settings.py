"""Every `GOVERNANCE_*` environment variable, in one place (pydantic-settings).

The README lists them with their defaults (a test holds the two together). Read them with
`settings()`; nothing else in the code reads the environment. What the contract fixes —
the 1 MiB body limit, page sizes — is not a setting.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVERNANCE_", extra="ignore", frozen=True)

    database_url: str = Field(
        default="sqlite:///./var/governance.db",
        description="The store: sqlite:///path/to/file.db or postgresql://user:password@host:port/dbname",
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="How log lines are written: text for people, json for one JSON object per line",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="The least severe log line written (INFO includes one line per request)"
    )
    db_connect_timeout: float = Field(
        default=3.0,
        gt=0,
        description="PostgreSQL: seconds to connect, and to wait for a free pooled connection, before a 503",
    )
    db_statement_timeout: float = Field(
        default=30.0,
        gt=0,
        description="PostgreSQL: seconds one statement may run (a rebuild's index builds are exempt)",
    )
    db_lock_timeout: int = Field(
        default=30,
        ge=1,
        description="Seconds a write waits for the append lock (held by another writer or an import) before a 503",
    )
    db_pool_size: int = Field(default=5, ge=1, description="PostgreSQL: connections each pool keeps open")
    db_pool_overflow: int = Field(
        default=10, ge=0, description="PostgreSQL: connections a pool may open beyond db_pool_size under load"
    )
    import_max_bytes: int = Field(
        default=1024 * 1024 * 1024,
        ge=1,
        description="The largest body POST /import takes, in bytes (a larger one, chunked or not, gets 413)",
    )
    forwarded_allow_ips: str = Field(
        default="",
        description=(
            "Comma-separated addresses of proxies whose X-Forwarded-For/-Proto headers are trusted"
            " (empty: none; '*': any). Over https behind such a proxy the session cookie is Secure."
        ),
    )
    db_idle_in_transaction_timeout: int = Field(
        default=60,
        ge=1,
        description=(
            "PostgreSQL: seconds a transaction may sit idle between statements before the server"
            " ends it (an import hashes between its statements)"
        ),
    )
    import_wait: float = Field(
        default=5.0,
        gt=0,
        description="Seconds a write waits while an import of this process holds the log before a 503",
    )
    aggregate_cache_size: int = Field(
        default=20_000,
        ge=1,
        description="Subjects each process keeps loaded in memory to check commands against (least recently used go)",
    )
    verify_processes: int = Field(
        default=0,
        ge=0,
        description=(
            "Processes a verify of a long log walks it in, each a part of the chain"
            " (0: one per CPU core; 1: this process only)"
        ),
    )


def settings() -> Settings:
    """The settings as the environment gives them now."""
    return Settings()
