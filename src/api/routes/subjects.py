"""Subject reads (DOMAIN.md §6, §6a): one subject at (`as_of`, `known_at`), its history,
and what changed in it between two readings of the log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from api.auth import CurrentUser, LedgerDep
from api.bodies import Envelope
from api.changes import FromKnownAt, SubjectChanges, ToKnownAt, readings
from api.problems import READ_PROBLEMS
from api.reading import At, ModelsDep, single_valued
from api.responses import OrjsonResponse
from api.writes import subject_in_path
from governance.answers import BoardCaseAnswer, ContractAnswer, MilestoneAnswer, ProjectAnswer, RiskAnswer
from governance.application import Ledger
from governance.errors import SubjectNotFound
from governance.keys import SubjectKey
from governance.projections.changes import subject_changes
from governance.projections.reads import subject_answer
from governance.projections.runner import ReadModels

router = APIRouter(tags=["subjects"])


def answer(models: ReadModels, subject: SubjectKey, at: At) -> OrjsonResponse:
    """The subject as it stands at `as_of`, as known at `known_at`; its version as ETag."""
    found = subject_answer(models, subject, as_of=at.as_of, known_at=at.known_at)
    if found is None:
        raise SubjectNotFound(str(subject))
    return OrjsonResponse(found, headers={"ETag": f'"{found["version"]}"'})


def history(ledger: Ledger, subject: SubjectKey, at: At) -> OrjsonResponse:
    """The subject's events recorded at or before `known_at`, in log order."""
    events = ledger.history(subject, known_at=at.cut)
    if not events:
        raise SubjectNotFound(str(subject))
    return OrjsonResponse(events, headers={"ETag": f'"{len(events)}"'})


def changes(
    models: ReadModels, subject: SubjectKey, at: At, from_known_at: str, to_known_at: str | None
) -> Any:
    """What changed in the subject at `as_of` between the two readings."""
    start, end = readings(from_known_at, to_known_at, models.ledger.clock())
    return subject_changes(models, subject, as_of=at.as_of, from_known_at=start, to_known_at=end)


READ = {"responses": READ_PROBLEMS}
CHANGES = {
    "response_model": SubjectChanges,
    "responses": READ_PROBLEMS,
    "dependencies": [Depends(single_valued)],
}


@router.get("/projects/{key}", response_model=ProjectAnswer, **READ)
def read_project(key: str, at: At, user: CurrentUser, models: ModelsDep) -> OrjsonResponse:
    return answer(models, subject_in_path("project", key), at)


@router.get("/projects/{key}/history", response_model=list[Envelope], **READ)
def read_project_history(key: str, at: At, user: CurrentUser, ledger: LedgerDep) -> OrjsonResponse:
    return history(ledger, subject_in_path("project", key), at)


@router.get("/projects/{key}/changes", **CHANGES)
def read_project_changes(
    key: str,
    at: At,
    user: CurrentUser,
    models: ModelsDep,
    from_known_at: FromKnownAt,
    to_known_at: ToKnownAt = None,
) -> Any:
    return changes(models, subject_in_path("project", key), at, from_known_at, to_known_at)


@router.get("/milestones/{project}/{key}", response_model=MilestoneAnswer, **READ)
def read_milestone(project: str, key: str, at: At, user: CurrentUser, models: ModelsDep) -> OrjsonResponse:
    return answer(models, subject_in_path("milestone", project, key), at)


@router.get("/milestones/{project}/{key}/history", response_model=list[Envelope], **READ)
def read_milestone_history(
    project: str, key: str, at: At, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return history(ledger, subject_in_path("milestone", project, key), at)


@router.get("/milestones/{project}/{key}/changes", **CHANGES)
def read_milestone_changes(
    project: str,
    key: str,
    at: At,
    user: CurrentUser,
    models: ModelsDep,
    from_known_at: FromKnownAt,
    to_known_at: ToKnownAt = None,
) -> Any:
    return changes(models, subject_in_path("milestone", project, key), at, from_known_at, to_known_at)


@router.get("/risks/{key}", response_model=RiskAnswer, **READ)
def read_risk(key: str, at: At, user: CurrentUser, models: ModelsDep) -> OrjsonResponse:
    return answer(models, subject_in_path("risk", key), at)


@router.get("/risks/{key}/history", response_model=list[Envelope], **READ)
def read_risk_history(key: str, at: At, user: CurrentUser, ledger: LedgerDep) -> OrjsonResponse:
    return history(ledger, subject_in_path("risk", key), at)


@router.get("/risks/{key}/changes", **CHANGES)
def read_risk_changes(
    key: str,
    at: At,
    user: CurrentUser,
    models: ModelsDep,
    from_known_at: FromKnownAt,
    to_known_at: ToKnownAt = None,
) -> Any:
    return changes(models, subject_in_path("risk", key), at, from_known_at, to_known_at)


@router.get("/contracts/{key}", response_model=ContractAnswer, **READ)
def read_contract(key: str, at: At, user: CurrentUser, models: ModelsDep) -> OrjsonResponse:
    return answer(models, subject_in_path("contract", key), at)


@router.get("/contracts/{key}/history", response_model=list[Envelope], **READ)
def read_contract_history(key: str, at: At, user: CurrentUser, ledger: LedgerDep) -> OrjsonResponse:
    return history(ledger, subject_in_path("contract", key), at)


@router.get("/contracts/{key}/changes", **CHANGES)
def read_contract_changes(
    key: str,
    at: At,
    user: CurrentUser,
    models: ModelsDep,
    from_known_at: FromKnownAt,
    to_known_at: ToKnownAt = None,
) -> Any:
    return changes(models, subject_in_path("contract", key), at, from_known_at, to_known_at)


@router.get("/board-cases/{body}/{case_no}", response_model=BoardCaseAnswer, **READ)
def read_board_case(body: str, case_no: str, at: At, user: CurrentUser, models: ModelsDep) -> OrjsonResponse:
    return answer(models, subject_in_path("board-case", body, case_no), at)


@router.get("/board-cases/{body}/{case_no}/history", response_model=list[Envelope], **READ)
def read_board_case_history(
    body: str, case_no: str, at: At, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return history(ledger, subject_in_path("board-case", body, case_no), at)


@router.get("/board-cases/{body}/{case_no}/changes", **CHANGES)
def read_board_case_changes(
    body: str,
    case_no: str,
    at: At,
    user: CurrentUser,
    models: ModelsDep,
    from_known_at: FromKnownAt,
    to_known_at: ToKnownAt = None,
) -> Any:
    return changes(models, subject_in_path("board-case", body, case_no), at, from_known_at, to_known_at)
