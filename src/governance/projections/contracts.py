"""Contracts: signature, amendments, disputes and termination."""

from __future__ import annotations

from typing import Any

import orjson

from governance.projections.schema import Fact, Handler, JsonArray, Table, json_text
from governance.values import folded

TABLES = (
    Table(
        "rm_contracts",
        (
            "subject",
            "key",
            "title",
            "supplier",
            "customer",
            "signed_on",
            "value",
            "project",
            "eff",
            "seq",
            "find_key",
            "find_text",
        ),
        "CREATE TABLE IF NOT EXISTS {t}rm_contracts (subject {text} PRIMARY KEY, key {text} NOT NULL,"
        " title TEXT NOT NULL, supplier {text} NOT NULL, customer TEXT NOT NULL, signed_on {text} NOT NULL,"
        " value BIGINT, project {text}, eff {text} NOT NULL, seq BIGINT NOT NULL, find_key TEXT NOT NULL,"
        " find_text TEXT NOT NULL)",
    ),
    Table(
        "rm_contract_facts",
        ("subject", "kind", "eff", "seq", "open"),
        "CREATE TABLE IF NOT EXISTS {t}rm_contract_facts (subject {text} NOT NULL, kind {text} NOT NULL,"
        " eff {text} NOT NULL, seq BIGINT NOT NULL, open INTEGER)",
        (
            (
                "CREATE INDEX IF NOT EXISTS rm_contract_facts_by_subject"
                " ON {t}rm_contract_facts (subject, kind, eff, seq, open)"
            ),
        ),
    ),
    Table(
        "rm_amendments",
        ("subject", "contract", "amendment_no", "kind", "title", "eff", "seq", "item", "status_item"),
        "CREATE TABLE IF NOT EXISTS {t}rm_amendments (subject {text} NOT NULL, contract {text} NOT NULL,"
        " amendment_no BIGINT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL, eff {text} NOT NULL,"
        " seq BIGINT NOT NULL, item TEXT NOT NULL, status_item TEXT NOT NULL)",
        (
            "CREATE INDEX IF NOT EXISTS rm_amendments_by_eff ON {t}rm_amendments (eff, seq)",
            "CREATE INDEX IF NOT EXISTS rm_amendments_by_subject ON {t}rm_amendments (subject, eff, seq)",
            # Covering, in the answer's order: /status lists every amendment in force.
            (
                "CREATE INDEX IF NOT EXISTS rm_amendments_by_number"
                " ON {t}rm_amendments (subject, amendment_no, eff, seq, status_item)"
            ),
        ),
    ),
)
# Fact kinds: "dispute" (open 1 when raised, 0 when resolved) and "terminated". An
# amendment keeps its item of the contract's answer as JSON text (`item`), and its shorter
# item of `/status` (`status_item`): a contract can have hundreds, and a list page or
# `/status` reads them without building each one field by field.


def _signed(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
    return [
        (
            "rm_contracts",
            (
                subject,
                subject.partition(":")[2],
                s["title"],
                s["supplier"],
                s["customer"],
                s["signed_on"],
                s.get("value"),
                s.get("project"),
                s["effective_on"],
                seq,
                folded(subject.partition(":")[2]),
                folded(s["title"]),
            ),
        )
    ]


STATUS_ITEM = ("amendment_no", "kind", "title", "effective_on")
"""The fields of an amendment that `/status` lists, in its order."""


def _amended(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
    item = {
        "amendment_no": s["amendment_no"],
        "kind": s["kind"],
        "title": s["title"],
        "summary": s["summary"],
        "value_change": s.get("value_change"),
        "affected_milestones": s["affected_milestones"],
        "effective_on": s["effective_on"],
    }
    contract = subject.partition(":")[2]
    return [
        (
            "rm_amendments",
            (
                subject,
                contract,
                s["amendment_no"],
                s["kind"],
                s["title"],
                s["effective_on"],
                seq,
                json_text(item),
                json_text({name: item[name] for name in STATUS_ITEM}),
            ),
        )
    ]


def _fact(kind: str, open_: int | None) -> Handler:
    def handle(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
        return [("rm_contract_facts", (subject, kind, s["effective_on"], seq, open_))]

    return handle


HANDLERS: dict[str, Handler] = {
    "ContractSigned": _signed,
    "ContractAmended": _amended,
    "ContractDisputeRaised": _fact("dispute", 1),
    "ContractDisputeResolved": _fact("dispute", 0),
    "ContractTerminated": _fact("terminated", None),
}

CONTRACTS_AT = (
    "SELECT c.subject, c.key, c.title, c.supplier, c.customer, c.signed_on, c.value, c.project,"
    " (SELECT f.open FROM {t}rm_contract_facts f WHERE f.subject = c.subject AND f.kind = 'dispute'"
    "  AND f.eff <= :as_of AND f.seq <= :position ORDER BY f.eff DESC, f.seq DESC LIMIT 1) AS dispute_open,"
    " (SELECT 1 FROM {t}rm_contract_facts f WHERE f.subject = c.subject AND f.kind = 'terminated'"
    "  AND f.eff <= :as_of AND f.seq <= :position LIMIT 1) AS terminated"
    " FROM {t}rm_contracts c WHERE c.eff <= :as_of AND c.seq <= :position ORDER BY c.key"
)


AMENDMENT_LISTS_AT = {
    # SQLite before 3.44 takes no ORDER BY within an aggregate: its lists come in the
    # order the rows arrive in, and their numbers with them, for the reader to check.
    # The `+` keeps the day's bound off the indexes that start with it or follow the
    # subject with it, which the planner otherwise prefers: the covering index in number
    # order, `rm_amendments_by_number`, is then the scan (a fifth of the time, at the end
    # of a million events, and in order).
    "sqlite": (
        "SELECT a.subject, group_concat(a.amendment_no), '[' || group_concat(a.status_item, ',') || ']'"
        " FROM {t}rm_amendments a WHERE +a.eff <= :as_of AND a.seq <= :position GROUP BY a.subject"
    ),
    "postgres": (
        "SELECT a.subject, NULL, '[' || string_agg(a.status_item, ',' ORDER BY a.amendment_no) || ']'"
        " FROM {t}rm_amendments a WHERE a.eff <= :as_of AND a.seq <= :position GROUP BY a.subject"
    ),
}
"""Each contract's amendments in force at (`as_of`, P): (contract subject, their numbers
in the list's order, comma-separated, where the store does not order them itself, and the
JSON array `/status` lists, as text)."""


def amendment_list(numbers: str | None, text: str) -> JsonArray:
    """A contract's amendments as `/status` lists them, in number order: the list as the
    store wrote it, sorted here only if it did not come in that order."""
    if numbers is None:
        return JsonArray(text)
    order = list(map(int, numbers.split(",")))
    if order == sorted(order):
        return JsonArray(text)
    items = sorted(orjson.loads(text), key=lambda item: item["amendment_no"])
    return JsonArray(json_text(items))


AMENDMENTS_IN_PERIOD = (
    "SELECT a.contract, a.amendment_no, a.kind, a.title, a.eff FROM {t}rm_amendments a"
    " WHERE a.eff >= :start AND a.eff <= :end AND a.seq <= :position ORDER BY a.contract, a.amendment_no"
)
