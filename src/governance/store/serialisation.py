"""How domain events become stored events: pydantic to JSON-ready dicts, orjson to bytes.

The equivalent of the library's "Aggregate 7 – Pydantic and orjson" example (its mapper
and transcoder are example code, not shipped), with the `class_version`/upcast step of
the library's own mapper kept: an event class with ``class_version = 2`` and a method
``upcast_v1_v2(state)`` reads events stored before it changed.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel

import governance.events  # noqa: F401 - registers every event topic before any is resolved

_NOT_STATE = {"originator_id", "originator_version"}
"""The fields a stored event holds as columns rather than in its state."""


@cache
def _class_version(event_class: type) -> int:
    # Looked up once per class: a miss on a pydantic model class goes through its
    # metaclass's __getattr__, which costs more than the dump.
    return int(getattr(event_class, "class_version", 1))


@cache
def _topic(event_class: type) -> str:
    return get_topic(event_class)


class OrjsonTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


class PydanticMapper(Mapper[UUID]):
    """Stores an event as its JSON-mode dump without `originator_id`/`originator_version`
    (they are columns) and without null optional fields (DOMAIN.md §3: absent, never null)."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        return self.stored_event(domain_event, self.event_state(domain_event))

    def event_state(self, domain_event: Any) -> dict[str, Any]:
        """What is stored of an event, before it is encoded: its JSON-mode dump without
        `originator_id`/`originator_version`, null optional fields left out, and its
        `class_version` when above 1. An event's `data` is this less `NOT_STATE_DATA`
        (`store.log.state_data`), so a batch dumps each event once for both."""
        event = cast(BaseModel, domain_event)
        event_state = event.model_dump(mode="json", exclude_none=True, exclude=_NOT_STATE)
        class_version = _class_version(type(event))
        if class_version > 1:
            event_state["class_version"] = class_version
        return event_state

    def stored_event(self, domain_event: Any, event_state: dict[str, Any]) -> StoredEvent:
        """The stored event of `domain_event`, whose `event_state` is given."""
        stored_state = self.transcoder.encode(event_state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        event_class: type[BaseModel] = type(domain_event)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=_topic(event_class),
            state=stored_state,
        )

    def decode_state(self, stored_state: bytes) -> dict[str, Any]:
        if self.cipher:
            stored_state = self.cipher.decrypt(stored_state)
        if self.compressor:
            stored_state = self.compressor.decompress(stored_state)
        return cast(dict[str, Any], self.transcoder.decode(stored_state))

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls = resolve_topic(stored_event.topic)
        try:
            event_state = self.decode_state(stored_event.state)
        except Exception as error:
            msg = (
                f"Failed to deserialise state of stored event with topic '{stored_event.topic}', "
                f"originator_id '{stored_event.originator_id}' and "
                f"originator_version {stored_event.originator_version}: {error}"
            )
            raise MapperDeserialisationError(msg) from error
        class_version = getattr(cls, "class_version", 1)
        from_version = event_state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(event_state)
            from_version += 1
        event_state["originator_id"] = stored_event.originator_id
        event_state["originator_version"] = stored_event.originator_version
        return cls.model_validate(event_state)
