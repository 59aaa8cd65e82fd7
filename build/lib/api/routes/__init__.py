"""One router module per resource, mounted in `api.app`."""
