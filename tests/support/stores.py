"""Which stores the storage tests run on: SQLite always, PostgreSQL when
GOVERNANCE_TEST_POSTGRES_URL names one."""

from __future__ import annotations

import os

POSTGRES_URL = os.environ.get("GOVERNANCE_TEST_POSTGRES_URL", "")
STORES = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
