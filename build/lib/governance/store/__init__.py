"""Storage: the library's recorders for SQLite and PostgreSQL, extended with the ledger log."""
