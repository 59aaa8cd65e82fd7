"""A batch dumps each event once: its `data` (what the chain hashes and export writes) and
its stored state both come from that one dump, and equal what each would be on its own."""

from __future__ import annotations

from itertools import islice

from governance.application import Batch, Ledger
from governance.events import EVENT_TYPES
from governance.store.log import state_data
from support.history import History


def test_data_and_stored_state_of_one_dump_equal_those_of_their_own(sqlite_ledger: Ledger) -> None:
    batch = Batch(sqlite_ledger)
    for command in islice(History(3000, seed=5).commands(), 3000):
        batch.apply(command)
    mapper = sqlite_ledger.mapper
    types = set()
    for event, state, entry in zip(batch.events, batch.states, batch.entries, strict=True):
        types.add(entry.type)
        assert entry.data == event.data()
        assert list(entry.data) == list(event.data())
        assert state_data(state) == event.data()
        own, shared = mapper.to_stored_event(event), mapper.stored_event(event, state)
        assert shared == own
        assert mapper.decode_state(shared.state) == state
    assert len(types) > len(EVENT_TYPES) // 2
