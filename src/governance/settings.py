"""Every `GOVERNANCE_*` environment variable, in one place (pydantic-settings).

The README lists them with their defaults. Read them with `settings()`; nothing else in
the code reads the environment.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVERNANCE_", extra="ignore", frozen=True)

    database_url: str = Field(
        "sqlite:///./var/governance.db",
        description="The store: sqlite:///path/to/file.db or postgresql://user:password@host:port/dbname",
    )
    forwarded_allow_ips: str = Field(
        "",
        description=(
            "Comma-separated addresses of proxies whose X-Forwarded-For/-Proto headers are trusted"
            " (empty: none; '*': any). Over https behind such a proxy the session cookie is Secure."
        ),
    )


def settings() -> Settings:
    """The settings as the environment gives them now."""
    return Settings()
