"""The governance ledger: risks, milestones, contracts and board decisions as immutable events."""
