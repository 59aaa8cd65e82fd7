"""Registers (DOMAIN.md §10): the risk register and the milestone plan as spreadsheets —
exported from the read models, edited by people, imported back as exactly the events
that make the ledger agree with them."""
