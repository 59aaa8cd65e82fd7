"""The structural difference of DOMAIN.md §6a: worked examples and properties."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from governance.changes import diff, escape, resolve, split, unescape

KEYS = st.text(alphabet="AB/~-.01", min_size=1, max_size=4)
SCALARS = st.none() | st.booleans() | st.integers(-3, 3) | st.text(alphabet="xy~/", max_size=3)


def _keyed_list(children: st.SearchStrategy[Any]) -> st.SearchStrategy[list[dict[str, Any]]]:
    item = st.fixed_dictionaries({"key": KEYS}, optional={"a": children, "b": children})
    return st.lists(item, max_size=4, unique_by=lambda member: member["key"])


JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet="ab/~", max_size=2), children, max_size=3)
        | _keyed_list(children)
    ),
    max_leaves=12,
)


def _mutated(document: Any) -> st.SearchStrategy[Any]:
    return st.just(document) | JSON


@given(JSON)
def test_a_document_compared_with_itself_has_no_changes(document: Any) -> None:
    assert diff(document, document) == []


@given(st.data())
def test_paths_are_sorted_and_unique(data: st.DataObject) -> None:
    before = data.draw(JSON)
    after = data.draw(_mutated(before))
    paths = [change["path"] for change in diff(before, after)]
    assert paths == sorted(set(paths))


@given(JSON, JSON)
def test_every_change_is_what_its_pointer_reaches_on_each_side(before: Any, after: Any) -> None:
    for change in diff(before, after):
        assert resolve(before, change["path"]) == change["before"]
        assert resolve(after, change["path"]) == change["after"]
        # As JSON: Python finds False equal to 0, also inside a list, where JSON does not.
        assert orjson.dumps(change["before"]) != orjson.dumps(change["after"])


@given(JSON, JSON)
def test_no_changes_means_the_same_answer(before: Any, after: Any) -> None:
    if diff(before, after) == []:
        assert diff(after, before) == []


@given(KEYS)
def test_keys_with_slashes_and_tildes_round_trip_through_a_pointer(key: str) -> None:
    assert unescape(escape(key)) == key
    assert split("/" + escape(key)) == [key]
    document = {"items": [{"key": key, "value": 1}]}
    changes = diff(document, {"items": [{"key": key, "value": 2}]})
    assert changes == [{"path": f"/items/{escape(key)}/value", "before": 1, "after": 2}]
    assert resolve(document, changes[0]["path"]) == 1


def test_members_are_compared_one_by_one_and_an_absent_member_is_null() -> None:
    before = {"status": {"overall": "green", "quality": "green"}, "closed_on": None}
    after = {"status": {"overall": "green", "quality": "yellow"}}
    assert diff(before, after) == [{"path": "/status/quality", "before": "green", "after": "yellow"}]


def test_a_keyed_list_is_matched_by_key_and_names_its_items_by_key() -> None:
    before = {"milestones_achieved": [{"key": "KAK/DL1", "slip_days": 3}]}
    after = {"milestones_achieved": [{"key": "KAK/DL2", "slip_days": 0}, {"key": "KAK/DL1", "slip_days": 4}]}
    assert diff(before, after) == [
        {"path": "/milestones_achieved/KAK~1DL1/slip_days", "before": 3, "after": 4},
        {
            "path": "/milestones_achieved/KAK~1DL2",
            "before": None,
            "after": {"key": "KAK/DL2", "slip_days": 0},
        },
    ]


def test_an_empty_list_against_a_keyed_list_is_compared_by_key() -> None:
    assert diff({"open": []}, {"open": [{"key": "OR-1"}]}) == [
        {"path": "/open/OR-1", "before": None, "after": {"key": "OR-1"}}
    ]


def test_other_lists_change_whole() -> None:
    before = {"heatmap": [[0, 1], [2, 3]], "measures": ["a", "b"]}
    after = {"heatmap": [[0, 1], [2, 4]], "measures": ["b", "a"]}
    assert diff(before, after) == [
        {"path": "/heatmap", "before": [[0, 1], [2, 3]], "after": [[0, 1], [2, 4]]},
        {"path": "/measures", "before": ["a", "b"], "after": ["b", "a"]},
    ]


def test_a_list_with_a_key_twice_changes_whole() -> None:
    before = [{"key": "A", "v": 1}, {"key": "A", "v": 2}]
    after = [{"key": "A", "v": 1}]
    assert diff(before, after) == [{"path": "", "before": before, "after": after}]


def test_an_object_against_null_is_one_change() -> None:
    assert diff({"status": None}, {"status": {"overall": "red"}}) == [
        {"path": "/status", "before": None, "after": {"overall": "red"}}
    ]


def test_a_subject_that_did_not_exist_is_a_change_at_the_root() -> None:
    assert diff(None, {"key": "OR-1"}) == [{"path": "", "before": None, "after": {"key": "OR-1"}}]


def test_json_types_are_told_apart() -> None:
    assert diff({"a": 1}, {"a": True}) == [{"path": "/a", "before": 1, "after": True}]
    assert diff({"a": 1}, {"a": 1.0}) == [{"path": "/a", "before": 1, "after": 1.0}]


def test_changes_sort_by_the_whole_path_in_code_point_order() -> None:
    changes = diff({"b": 1, "a~": 1, "a": {"z": 1}}, {"b": 2, "a~": 2, "a": {"z": 2}})
    assert [change["path"] for change in changes] == ["/a/z", "/a~0", "/b"]
