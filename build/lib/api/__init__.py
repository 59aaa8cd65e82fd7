"""The HTTP edge of the ledger: FastAPI routes, bearer tokens and roles, RFC 9457 errors."""
