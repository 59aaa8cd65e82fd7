"""Every event type of the ledger by its name in the log, and the aggregate it belongs to.

Stored events carry topics such as ``governance.events:RiskAssessed``; this module makes
each of them resolvable by name, so moving an aggregate's module never orphans a stored
event.
"""

from __future__ import annotations

from governance.aggregates import BoardCase, Contract, Milestone, Project, Risk
from governance.base import Aggregate, Created
from governance.keys import Kind

AGGREGATES: dict[Kind, type[Aggregate]] = {
    "project": Project,
    "milestone": Milestone,
    "risk": Risk,
    "contract": Contract,
    "board-case": BoardCase,
}


def _declared_events(aggregate: type[Aggregate]) -> list[type[Aggregate.Event]]:
    return [
        value
        for value in vars(aggregate).values()
        if isinstance(value, type) and issubclass(value, Aggregate.Event) and "TOPIC" in vars(value)
    ]


EVENT_TYPES: dict[str, type[Aggregate.Event]] = {
    event_class.type_name(): event_class
    for aggregate in AGGREGATES.values()
    for event_class in _declared_events(aggregate)
}
"""Event type name (``RiskAssessed``) to its class."""

KIND_OF_TYPE: dict[str, Kind] = {
    event_class.type_name(): kind
    for kind, aggregate in AGGREGATES.items()
    for event_class in _declared_events(aggregate)
}

CREATING_TYPES = frozenset(name for name, cls in EVENT_TYPES.items() if issubclass(cls, Created))

globals().update(EVENT_TYPES)
