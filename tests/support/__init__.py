"""What the tests share: a clock in their hands, valid commands, and the naive replay
of the whole log that every read is compared with."""

from support.clock import FakeClock
from support.commands import VALID_FIELDS, command
from support.oracle import replay_subject

__all__ = ["VALID_FIELDS", "FakeClock", "command", "replay_subject"]
