"""The naive replay of the cross-subject reads of DOMAIN.md §6 and §6a (tertial snapshot,
status, reconstruction and its corrections, audit, lists, what changed), computed from
nothing but the §7 envelopes of the whole log.

Every answer the read models give is compared with these; so each rule below is written
as plainly as DOMAIN.md states it, with dates kept as ISO strings and instants as
canonical strings (both sort correctly as text).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any

import orjson

from governance.timemodel import end_of_oslo_day, format_instant
from support.oracle import replay_subject

Envelope = dict[str, Any]

ZERO_HASH = "0" * 64
RATING_RANK = {"green": 0, "yellow": 1, "red": 2}
STATUS_DIMENSIONS = ("overall", "time", "cost", "scope", "quality", "risk_exposure", "benefits")
LEVELS = ("low", "medium", "high", "critical")
RECENT_DECISIONS = 20
_TERTIAL = re.compile(r"(\d{4})-T([123])\Z")


# The log as known at `known_at` -----------------------------------------------------------


def known_events(envelopes: Iterable[Envelope], known_at: str) -> list[Envelope]:
    """§4: exactly the events with `recorded_at <= known_at`, in log order."""
    return [envelope for envelope in envelopes if envelope["recorded_at"] <= known_at]


def by_subject(known: list[Envelope]) -> dict[str, list[Envelope]]:
    subjects: dict[str, list[Envelope]] = {}
    for envelope in known:
        subjects.setdefault(envelope["subject"], []).append(envelope)
    return subjects


def folded(events: list[Envelope], as_of: str) -> list[Envelope]:
    """§4: one subject's events in (`effective_on`, log order) order, up to and including `as_of`."""
    return sorted(
        (envelope for envelope in events if envelope["effective_on"] <= as_of),
        key=lambda envelope: (envelope["effective_on"], envelope["seq"]),
    )


def subjects_of_kind(subjects: dict[str, list[Envelope]], kind: str) -> dict[str, list[Envelope]]:
    """The subjects of one kind, by their key without the kind (`KAK`, `KAK/DM1`)."""
    prefix = f"{kind}:"
    return {name[len(prefix) :]: events for name, events in subjects.items() if name.startswith(prefix)}


def log_position(known: list[Envelope], envelopes: list[Envelope]) -> dict[str, Any]:
    """§6: the number of events recorded at or before `known_at` and the hash of the one with that seq."""
    position = len(known)
    head_hash = ZERO_HASH
    for envelope in envelopes:
        if envelope["seq"] == position:
            head_hash = envelope["hash"]
    return {"position": position, "head_hash": head_hash}


# One subject at a day, folded from its events ----------------------------------------------


def project_at(events: list[Envelope], as_of: str) -> dict[str, Any] | None:
    project: dict[str, Any] | None = None
    for event in folded(events, as_of):
        kind, data = event["type"], event["data"]
        if kind == "ProjectRegistered":
            project = {
                "name": data["name"],
                "organisation": data["organisation"],
                "phase": data["phase"],
                "owner": data["owner"],
                "status": None,
                "cost_frame": None,
                "figures": None,
                "closed_on": None,
            }
        elif project is None:
            continue
        elif kind == "ProjectPhaseChanged":
            project["phase"] = data["phase"]
        elif kind == "ProjectStatusAssessed":
            project["status"] = {
                **{dimension: data[dimension] for dimension in STATUS_DIMENSIONS},
                "comment": data.get("comment"),
                "deviation": data.get("deviation"),
                "consequence_note": data.get("consequence_note"),
                "measures": list(data["measures"]),
                "effective_on": event["effective_on"],
            }
        elif kind == "ProjectCostFrameChanged":
            project["cost_frame"] = data
        elif kind == "ProjectFinancialsReported":
            project["figures"] = data
        elif kind == "ProjectClosed":
            project["closed_on"] = event["effective_on"]
    return project


def financials(project: dict[str, Any]) -> dict[str, Any] | None:
    """§6: the cost frame from the latest change, the figures from the latest report; a
    missing side gives nulls, neither gives null."""
    frame, figures = project["cost_frame"], project["figures"]
    if frame is None and figures is None:
        return None
    frame, figures = frame or {}, figures or {}
    return {
        "cost_frame": frame.get("cost_frame"),
        "steering_frame": frame.get("steering_frame"),
        "phase_budget": figures.get("phase_budget"),
        "forecast": figures.get("forecast"),
        "actual": figures.get("actual"),
        "earned_value": figures.get("earned_value"),
    }


def milestone_at(key: str, events: list[Envelope], as_of: str) -> dict[str, Any] | None:
    """A milestone item at `as_of`: the baseline in force, a rebaseline clearing the
    forecast, and its §5 state and slip."""
    milestone: dict[str, Any] | None = None
    for event in folded(events, as_of):
        kind, data = event["type"], event["data"]
        if kind == "MilestonePlanned":
            milestone = {
                "name": data["name"],
                "baseline_on": data["baseline_on"],
                "forecast_on": None,
                "achieved_on": None,
                "cancelled_on": None,
            }
        elif milestone is None:
            continue
        elif kind == "MilestoneForecastChanged":
            milestone["forecast_on"] = data["forecast_on"]
        elif kind == "MilestoneRebaselined":
            milestone["baseline_on"] = data["baseline_on"]
            milestone["forecast_on"] = None
        elif kind == "MilestoneAchieved":
            milestone["achieved_on"] = data["achieved_on"]
        elif kind == "MilestoneCancelled":
            milestone["cancelled_on"] = event["effective_on"]
    if milestone is None:
        return None
    if milestone["achieved_on"] is not None:
        state = "achieved"
    elif milestone["cancelled_on"] is not None:
        state = "cancelled"
    elif (milestone["forecast_on"] or milestone["baseline_on"]) < as_of:
        state = "overdue"
    else:
        state = "planned"
    outcome = milestone["achieved_on"] or milestone["forecast_on"] or milestone["baseline_on"]
    slip_days = (date.fromisoformat(outcome) - date.fromisoformat(milestone["baseline_on"])).days
    return {
        "key": key,
        "name": milestone["name"],
        "baseline_on": milestone["baseline_on"],
        "forecast_on": milestone["forecast_on"],
        "achieved_on": milestone["achieved_on"],
        "state": state,
        "slip_days": slip_days,
        "cancelled": milestone["cancelled_on"] is not None,
    }


def milestone_item(milestone: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in milestone.items() if name != "cancelled"}


def risk_level(score: int) -> str:
    """§5: 1–4 low, 5–7 medium, 8–14 high, 15–25 critical."""
    if score <= 4:
        return "low"
    if score <= 7:
        return "medium"
    if score <= 14:
        return "high"
    return "critical"


def risk_at(key: str, events: list[Envelope], as_of: str) -> dict[str, Any] | None:
    """A risk at `as_of`: its latest scores and whether it is open, and since when closed."""
    risk: dict[str, Any] | None = None
    for event in folded(events, as_of):
        kind, data = event["type"], event["data"]
        if kind == "RiskIdentified":
            risk = {
                "key": key,
                "title": data["title"],
                "organisation": data["organisation"],
                "project": data.get("project"),
                "owner": data["owner"],
                "probability": data["probability"],
                "consequence": data["consequence"],
                "identified_on": event["effective_on"],
                "closed_on": None,
                "merged_into": None,
            }
        elif risk is None:
            continue
        elif kind == "RiskAssessed":
            risk["probability"] = data["probability"]
            risk["consequence"] = data["consequence"]
        elif kind == "RiskClosed":
            risk["closed_on"] = event["effective_on"]
            risk["merged_into"] = data.get("merged_into")
        elif kind == "RiskReopened":
            risk["closed_on"] = None
            risk["merged_into"] = None
    return risk


def risk_item(risk: dict[str, Any]) -> dict[str, Any]:
    score = risk["probability"] * risk["consequence"]
    return {
        "key": risk["key"],
        "title": risk["title"],
        "organisation": risk["organisation"],
        "project": risk["project"],
        "owner": risk["owner"],
        "probability": risk["probability"],
        "consequence": risk["consequence"],
        "score": score,
        "level": risk_level(score),
        "merged_into": risk["merged_into"],
    }


def contract_at(events: list[Envelope], as_of: str) -> dict[str, Any] | None:
    contract: dict[str, Any] | None = None
    for event in folded(events, as_of):
        kind, data = event["type"], event["data"]
        if kind == "ContractSigned":
            contract = {
                "title": data["title"],
                "supplier": data["supplier"],
                "customer": data["customer"],
                "signed_on": data["signed_on"],
                "value": data.get("value"),
                "project": data.get("project"),
                "dispute_open": False,
                "terminated": False,
                "amendments": [],
            }
        elif contract is None:
            continue
        elif kind == "ContractAmended":
            contract["amendments"].append(
                {
                    "amendment_no": data["amendment_no"],
                    "kind": data["kind"],
                    "title": data["title"],
                    "effective_on": event["effective_on"],
                }
            )
        elif kind == "ContractDisputeRaised":
            contract["dispute_open"] = True
        elif kind == "ContractDisputeResolved":
            contract["dispute_open"] = False
        elif kind == "ContractTerminated":
            contract["terminated"] = True
    return contract


def decisions_at(key: str, events: list[Envelope], as_of: str) -> list[dict[str, Any]]:
    """A board case's decisions at `as_of`; a supersession marks every decision in force
    at its place in the fold (§3)."""
    body, case_no = key.split("/", 1)
    decisions: list[dict[str, Any]] = []
    for event in folded(events, as_of):
        kind, data = event["type"], event["data"]
        if kind == "BoardDecisionRecorded":
            decisions.append(
                {
                    "body": body,
                    "case_no": case_no,
                    "decided_on": data["decided_on"],
                    "text": data["text"],
                    "effective_on": event["effective_on"],
                    "superseded_by": None,
                    "seq": event["seq"],
                }
            )
        elif kind == "BoardDecisionSuperseded":
            for decision in decisions:
                if decision["superseded_by"] is None:
                    decision["superseded_by"] = data["by"]
    return decisions


# GET /tertials/{YYYY-Tn} ---------------------------------------------------------------------


def tertial_period(tertial: str) -> tuple[str, str, str]:
    """§4: T1 Jan 1–Apr 30, T2 May 1–Aug 31, T3 Sep 1–Dec 31; with the previous tertial's end."""
    match = _TERTIAL.match(tertial)
    if match is None:
        raise ValueError(f"not a tertial: {tertial!r}")
    year, number = int(match[1]), int(match[2])
    start, end = {1: ("01-01", "04-30"), 2: ("05-01", "08-31"), 3: ("09-01", "12-31")}[number]
    previous_end = f"{year - 1:04d}-12-31" if number == 1 else f"{year:04d}-{('04-30', '08-31')[number - 2]}"
    return f"{year:04d}-{start}", f"{year:04d}-{end}", previous_end


def trend(current: dict[str, Any] | None, previous: dict[str, Any] | None) -> str | None:
    """§5: on `overall`, green < yellow < red; new without a previous status, null without a current one."""
    if current is None:
        return None
    if previous is None:
        return "new"
    now, before = RATING_RANK[current["overall"]], RATING_RANK[previous["overall"]]
    if now < before:
        return "improved"
    if now > before:
        return "worsened"
    return "unchanged"


def tertial_snapshot(
    envelopes: Iterable[Envelope], tertial: str, *, known_at: str, organisation: str | None = None
) -> dict[str, Any]:
    """`GET /tertials/{YYYY-Tn}`: the state at the period's end as known at `known_at`."""
    envelopes = list(envelopes)
    start, end, previous_end = tertial_period(tertial)
    known = known_events(envelopes, known_at)
    subjects = by_subject(known)
    milestones = subjects_of_kind(subjects, "milestone")

    def in_period(day: str | None) -> bool:
        return day is not None and start <= day <= end

    projects = []
    for key, events in sorted(subjects_of_kind(subjects, "project").items()):
        project = project_at(events, end)
        # Registered by the period's end and not closed before its start.
        if project is None or (project["closed_on"] is not None and project["closed_on"] < start):
            continue
        if organisation is not None and project["organisation"] != organisation:
            continue
        previous = project_at(events, previous_end)
        previous_status = previous["status"] if previous is not None else None
        own = [
            milestone
            for milestone_key, milestone_events in sorted(milestones.items())
            if milestone_key.split("/", 1)[0] == key
            and (milestone := milestone_at(milestone_key, milestone_events, end)) is not None
        ]
        projects.append(
            {
                "key": key,
                "name": project["name"],
                "organisation": project["organisation"],
                "phase": project["phase"],
                "status": project["status"],
                "previous_status": previous_status,
                "trend": trend(project["status"], previous_status),
                "financials": financials(project),
                "milestones_achieved": [
                    milestone_item(milestone) for milestone in own if in_period(milestone["achieved_on"])
                ],
                # §5: the baseline in force at the end lies in the period, not cancelled at
                # the end, and not achieved on or before that baseline.
                "milestones_slipped": [
                    milestone_item(milestone)
                    for milestone in own
                    if in_period(milestone["baseline_on"])
                    and not milestone["cancelled"]
                    and not (
                        milestone["achieved_on"] is not None
                        and milestone["achieved_on"] <= milestone["baseline_on"]
                    )
                ],
            }
        )

    risks = [
        risk
        for key, events in sorted(subjects_of_kind(subjects, "risk").items())
        if (risk := risk_at(key, events, end)) is not None
        and (organisation is None or risk["organisation"] == organisation)
    ]
    # Open: identified by and not closed at the period's end. Closed in the period: closed at
    # the end, by the closure in force then, effective in the period. Only events effective
    # by the end are folded, so a risk closed in the period and reopened after its end is
    # closed at the end and counts as closed in the period; one reopened within the period
    # (its reopening folded before the end) is open, and not closed in the period.
    open_risks = [risk for risk in risks if risk["closed_on"] is None]
    heatmap = [[0] * 5 for _ in range(5)]
    by_level = dict.fromkeys(LEVELS, 0)
    for risk in open_risks:
        heatmap[risk["probability"] - 1][risk["consequence"] - 1] += 1
        by_level[risk_level(risk["probability"] * risk["consequence"])] += 1

    amendments = sorted(
        (
            {
                "contract": envelope["subject"].removeprefix("contract:"),
                "amendment_no": envelope["data"]["amendment_no"],
                "kind": envelope["data"]["kind"],
                "title": envelope["data"]["title"],
                "effective_on": envelope["effective_on"],
            }
            for envelope in known
            if envelope["type"] == "ContractAmended" and in_period(envelope["effective_on"])
        ),
        key=lambda amendment: (amendment["contract"], amendment["amendment_no"]),
    )
    decisions = sorted(
        (
            envelope
            for envelope in known
            if envelope["type"] == "BoardDecisionRecorded" and in_period(envelope["effective_on"])
        ),
        # By the case's key (BODY/CASE_NO as one string), then in effective order.
        key=lambda envelope: (envelope["subject"], envelope["effective_on"], envelope["seq"]),
    )

    return {
        "period": {"start": start, "end": end},
        "known_at": known_at,
        "projects": projects,
        "risks": {
            "open": [risk_item(risk) for risk in open_risks],
            "open_count": len(open_risks),
            "new_in_period": [risk_item(risk) for risk in risks if in_period(risk["identified_on"])],
            "closed_in_period": [risk_item(risk) for risk in risks if in_period(risk["closed_on"])],
            "heatmap": heatmap,
            "by_level": by_level,
        },
        "amendments_in_period": amendments,
        "decisions_in_period": [
            {
                "body": body,
                "case_no": case_no,
                "decided_on": envelope["data"]["decided_on"],
                "text": envelope["data"]["text"],
            }
            for envelope in decisions
            for body, case_no in [envelope["subject"].removeprefix("board-case:").split("/", 1)]
        ],
        "log": log_position(known, envelopes),
    }


# GET /status -------------------------------------------------------------------------------


def status(envelopes: Iterable[Envelope], *, as_of: str, known_at: str) -> dict[str, Any]:
    """`GET /status`: every project with its milestones and open risks, all open risks,
    the contracts signed by `as_of` and the most recent decisions."""
    envelopes = list(envelopes)
    known = known_events(envelopes, known_at)
    subjects = by_subject(known)

    open_risks = [
        risk_item(risk)
        for key, events in sorted(subjects_of_kind(subjects, "risk").items())
        if (risk := risk_at(key, events, as_of)) is not None and risk["closed_on"] is None
    ]
    milestones = {
        key: milestone
        for key, events in sorted(subjects_of_kind(subjects, "milestone").items())
        if (milestone := milestone_at(key, events, as_of)) is not None
    }

    projects = []
    for key, events in sorted(subjects_of_kind(subjects, "project").items()):
        project = project_at(events, as_of)
        if project is None:
            continue
        projects.append(
            {
                "key": key,
                "name": project["name"],
                "organisation": project["organisation"],
                "phase": project["phase"],
                "status": project["status"],
                "financials": financials(project),
                "closed_on": project["closed_on"],
                "milestones": [
                    milestone_item(milestone)
                    for milestone_key, milestone in milestones.items()
                    if milestone_key.split("/", 1)[0] == key
                ],
                "open_risks": [risk for risk in open_risks if risk["project"] == key],
            }
        )

    contracts = []
    for key, events in sorted(subjects_of_kind(subjects, "contract").items()):
        contract = contract_at(events, as_of)
        if contract is None:
            continue
        contracts.append(
            {
                "key": key,
                **{name: value for name, value in contract.items() if name != "amendments"},
                "amendments": sorted(contract["amendments"], key=lambda amendment: amendment["amendment_no"]),
            }
        )

    decisions = [
        decision
        for key, events in subjects_of_kind(subjects, "board-case").items()
        for decision in decisions_at(key, events, as_of)
    ]
    decisions.sort(key=lambda decision: (decision["effective_on"], decision["seq"]), reverse=True)

    return {
        "as_of": as_of,
        "known_at": known_at,
        "projects": projects,
        "open_risks": open_risks,
        "contracts": contracts,
        "recent_decisions": [
            {name: value for name, value in decision.items() if name != "seq"}
            for decision in decisions[:RECENT_DECISIONS]
        ],
        "log": log_position(known, envelopes),
    }


# GET /board-cases/{body}/{case_no}/reconstruction --------------------------------------------


def json_ready(answer: Any) -> Any:
    """A subject answer with its dates written `YYYY-MM-DD`, as the API sends it."""
    return orjson.loads(orjson.dumps(answer))


def reconstruction(
    envelopes: Iterable[Envelope], case: str, *, known_at: str, today: str
) -> dict[str, Any] | None:
    """What a board case (`BODY/CASE_NO`) was based on, as the board could know it on its
    meeting day, and every event that cites it; None where the case is unknown."""
    envelopes = list(envelopes)
    answer = replay_subject(
        envelopes, f"board-case:{case}", as_of=date.fromisoformat(today), known_at=known_at
    )
    if answer is None:
        return None
    answer = json_ready(answer)
    meeting_on = date.fromisoformat(answer["meeting_on"])
    board_knew_at = format_instant(end_of_oslo_day(meeting_on))
    referenced = sorted(
        {*answer["refs"], *(ref for decision in answer["decisions"] for ref in decision["refs"])}
    )
    citing = f"board-case:{case}"
    states = {
        subject: json_ready(replay_subject(envelopes, subject, as_of=meeting_on, known_at=board_knew_at))
        for subject in referenced
    }
    corrections = []
    if known_at > board_knew_at:
        for subject in referenced:
            now = json_ready(replay_subject(envelopes, subject, as_of=meeting_on, known_at=known_at))
            changes = structural_diff(without_version(states[subject]), without_version(now))
            if changes:
                events = [
                    envelope
                    for envelope in envelopes
                    if envelope["subject"] == subject
                    and board_knew_at < envelope["recorded_at"] <= known_at
                    and envelope["effective_on"] <= meeting_on.isoformat()
                ]
                corrections.append({"subject": subject, "changes": changes, "events": events})
    return {
        "case": answer,
        "referenced": [{"subject": subject, "state": states[subject]} for subject in referenced],
        "corrections": corrections,
        "citing_events": [
            envelope
            for envelope in known_events(envelopes, known_at)
            if envelope["data"].get("decision_ref") == case
            or envelope["data"].get("by") == case
            or citing in envelope["data"].get("refs", ())
        ],
    }


# GET /audit ----------------------------------------------------------------------------------


def audit(
    envelopes: Iterable[Envelope],
    *,
    subject: str | None = None,
    actor: str | None = None,
    type: str | None = None,
    recorded_from: str | None = None,
    recorded_to: str | None = None,
    effective_from: str | None = None,
    effective_to: str | None = None,
    backdated: bool | None = None,
    late: bool | None = None,
) -> list[Envelope]:
    """`GET /audit` unpaged: the log in recorded order, filtered by every given filter
    (inclusive bounds)."""
    return [
        envelope
        for envelope in envelopes
        if (subject is None or envelope["subject"] == subject)
        and (actor is None or envelope["actor"] == actor)
        and (type is None or envelope["type"] == type)
        and (recorded_from is None or envelope["recorded_at"] >= recorded_from)
        and (recorded_to is None or envelope["recorded_at"] <= recorded_to)
        and (effective_from is None or envelope["effective_on"] >= effective_from)
        and (effective_to is None or envelope["effective_on"] <= effective_to)
        and (backdated is None or is_backdated(envelope) == backdated)
        and (late is None or is_late(envelope) == late)
    ]


# §6a: the structural difference of two answers ------------------------------------------------


def _pointer(segment: str) -> str:
    return "/" + segment.replace("~", "~0").replace("/", "~1")


def structural_diff(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """§6a, written out plainly: objects member by member (absent is null), lists of keyed
    objects item by item by key, anything else whole; sorted by path."""
    found: list[dict[str, Any]] = []

    def walk(path: str, a: Any, b: Any) -> None:
        if orjson.dumps(a, option=orjson.OPT_SORT_KEYS) == orjson.dumps(b, option=orjson.OPT_SORT_KEYS):
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for name in sorted(set(a) | set(b)):
                walk(path + _pointer(name), a.get(name), b.get(name))
            return
        if (
            isinstance(a, list)
            and isinstance(b, list)
            and _all_keyed(a + b)
            and _unique_keys(a)
            and _unique_keys(b)
        ):
            old, new = {item["key"]: item for item in a}, {item["key"]: item for item in b}
            for key in sorted(set(old) | set(new)):
                walk(path + _pointer(key), old.get(key), new.get(key))
            return
        found.append({"path": path, "before": a, "after": b})

    walk(path, before, after)
    return sorted(found, key=lambda change: change["path"])


def _all_keyed(items: list[Any]) -> bool:
    return all(isinstance(item, dict) and isinstance(item.get("key"), str) for item in items)


def _unique_keys(items: list[Any]) -> bool:
    return len({item["key"] for item in items}) == len(items)


def without_version(answer: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if answer is None else {name: value for name, value in answer.items() if name != "version"}


def tertial_changes(
    envelopes: list[Envelope],
    tertial: str,
    *,
    from_known_at: str,
    to_known_at: str,
    organisation: str | None = None,
) -> dict[str, Any]:
    """`GET /tertials/{t}/changes`: the two snapshots compared, and the events between."""
    before = tertial_snapshot(envelopes, tertial, known_at=from_known_at, organisation=organisation)
    after = tertial_snapshot(envelopes, tertial, known_at=to_known_at, organisation=organisation)
    _, end, _ = tertial_period(tertial)
    start_position, end_position = before["log"]["position"], after["log"]["position"]
    strip = ("known_at", "log")
    return {
        "tertial": tertial,
        "from": {"known_at": from_known_at, **before["log"]},
        "to": {"known_at": to_known_at, **after["log"]},
        "changes": structural_diff(
            {k: v for k, v in before.items() if k not in strip},
            {k: v for k, v in after.items() if k not in strip},
        ),
        "events": [
            envelope
            for envelope in envelopes
            if start_position < envelope["seq"] <= end_position and envelope["effective_on"] <= end
        ],
    }


def subject_changes(
    envelopes: list[Envelope], subject: str, *, as_of: str, from_known_at: str, to_known_at: str
) -> dict[str, Any] | None:
    """`GET /{kind}/{key}/changes`; None where the subject exists at neither reading."""
    day = date.fromisoformat(as_of)
    before = json_ready(replay_subject(envelopes, subject, as_of=day, known_at=from_known_at))
    after = json_ready(replay_subject(envelopes, subject, as_of=day, known_at=to_known_at))
    if before is None and after is None:
        return None
    start = log_position(known_events(envelopes, from_known_at), envelopes)
    end = log_position(known_events(envelopes, to_known_at), envelopes)
    return {
        "subject": subject,
        "as_of": as_of,
        "from": {"known_at": from_known_at, **start},
        "to": {"known_at": to_known_at, **end},
        "changes": structural_diff(without_version(before), without_version(after)),
        "events": [
            envelope
            for envelope in envelopes
            if envelope["subject"] == subject
            and start["position"] < envelope["seq"] <= end["position"]
            and envelope["effective_on"] <= as_of
        ],
    }


# §6a: lists ------------------------------------------------------------------------------------

NAME_FIELD = {
    "project": "name",
    "milestone": "name",
    "risk": "title",
    "contract": "title",
    "board-case": "title",
}


def _search_text(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _matches(kind: str, answer: dict[str, Any], filters: dict[str, Any]) -> bool:
    for name, value in filters.items():
        if name == "q":
            q = _search_text(value)
            if q not in _search_text(answer["key"]) and q not in _search_text(answer[NAME_FIELD[kind]]):
                return False
        elif name == "overall":
            if answer["status"] is None or answer["status"]["overall"] != value:
                return False
        elif kind == "milestone" and name == "project":
            if answer["key"].split("/", 1)[0] != value:
                return False
        elif name == "open":
            if answer["open"] != (value == "true"):
                return False
        elif name == "meeting_from":
            if answer["meeting_on"] < value:
                return False
        elif name == "meeting_to":
            if answer["meeting_on"] > value:
                return False
        elif name == "refers_to":
            refs = {*answer["refs"], *(ref for decision in answer["decisions"] for ref in decision["refs"])}
            if value not in refs:
                return False
        elif answer[name] != value:
            return False
    return True


def subject_list(
    envelopes: list[Envelope], kind: str, *, as_of: str, known_at: str, filters: dict[str, Any]
) -> list[dict[str, Any]]:
    """`GET /{kinds}` unpaged: every subject of the kind existing at (as_of, known_at),
    filtered, sorted by key."""
    day = date.fromisoformat(as_of)
    subjects = sorted(
        {envelope["subject"] for envelope in envelopes if envelope["subject"].startswith(kind + ":")}
    )
    found = []
    for subject in subjects:
        answer = json_ready(replay_subject(envelopes, subject, as_of=day, known_at=known_at))
        if answer is not None and _matches(kind, answer, filters):
            found.append(answer)
    return sorted(found, key=lambda answer: answer["key"])


# §6a: backdated and late events --------------------------------------------------------------


def recorded_on(envelope: Envelope) -> str:
    from governance.timemodel import oslo_day, parse_instant

    return oslo_day(parse_instant(envelope["recorded_at"])).isoformat()


def is_backdated(envelope: Envelope) -> bool:
    return recorded_on(envelope) > envelope["effective_on"]


def is_late(envelope: Envelope) -> bool:
    _, end, _ = tertial_period(tertial_of(envelope["effective_on"]))
    return recorded_on(envelope) > end


def tertial_of(day: str) -> str:
    month = int(day[5:7])
    return f"{day[:4]}-T{(month - 1) // 4 + 1}"
