"""Read models: narrow fact tables kept up to date from the notification log.

Every row carries its event's `effective_on` and `seq`, so "the state at (`as_of`, P)"
is, per subject, the latest row with `effective_on <= as_of` and `seq <= P` in
(`effective_on`, `seq`) order: an index seek, never a fold over the log. The answer
depends only on (`as_of`, P), and the first P events never change.
"""
