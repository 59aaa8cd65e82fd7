"""Subject reads (DOMAIN.md §6, §6a): one subject at (`as_of`, `known_at`), its history,
and what changed in it between two readings of the log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from api.auth import CurrentUser, LedgerDep
from api.bodies import Envelope
from api.changes import FromKnownAt, SubjectChanges, ToKnownAt, readings
from api.problems import (
    ETAG,
    READ_PROBLEMS,
    BodyInPath,
    CaseNoInPath,
    KeyInPath,
    ProjectInPath,
    with_headers,
)
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

router = APIRouter(tags=["subjects"], dependencies=[Depends(single_valued)])


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
) -> dict[str, Any]:
    """What changed in the subject at `as_of` between the two readings."""
    start, end = readings(from_known_at, to_known_at, models.ledger.clock())
    return subject_changes(models, subject, as_of=at.as_of, from_known_at=start, to_known_at=end)


SUBJECT = {**with_headers(200, "The subject at (`as_of`, `known_at`)", ETag=ETAG), **READ_PROBLEMS}
HISTORY = {
    **with_headers(200, "The subject's events recorded by `known_at`, in log order", ETag=ETAG),
    **READ_PROBLEMS,
}


@router.get("/projects/{key}", response_model=ProjectAnswer, responses=SUBJECT)
def get_project(key: KeyInPath, at: At, user: CurrentUser, models: ModelsDep) -> OrjsonResponse:
    return answer(models, subject_in_path("project", key), at)


@router.get("/projects/{key}/history", response_model=list[Envelope], responses=HISTORY)
def get_project_history(key: KeyInPath, at: At, user: CurrentUser, ledger: LedgerDep) -> OrjsonResponse:
    return history(ledger, subject_in_path("project", key), at)


@router.get("/projects/{key}/changes", response_model=SubjectChanges, responses=READ_PROBLEMS)
def get_project_changes(
    key: KeyInPath,
    at: At,
    user: CurrentUser,
    models: ModelsDep,
    from_known_at: FromKnownAt,
    to_known_at: ToKnownAt = None,
) -> dict[str, Any]:
    return changes(models, subject_in_path("project", key), at, from_known_at, to_known_at)


@router.get("/milestones/{project}/{key}", response_model=MilestoneAnswer, responses=SUBJECT)
def get_milestone(
    project: ProjectInPath, key: KeyInPath, at: At, user: CurrentUser, models: ModelsDep
) -> OrjsonResponse:
    return answer(models, subject_in_path("milestone", project, key), at)


@router.get("/milestones/{project}/{key}/history", response_model=list[Envelope], responses=HISTORY)
def get_milestone_history(
    project: ProjectInPath, key: KeyInPath, at: At, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return history(ledger, subject_in_path("milestone", project, key), at)


@router.get("/milestones/{project}/{key}/changes", response_model=SubjectChanges, responses=READ_PROBLEMS)
def get_milestone_changes(
    project: ProjectInPath,
    key: KeyInPath,
    at: At,
    user: CurrentUser,
    models: ModelsDep,
    from_known_at: FromKnownAt,
    to_known_at: ToKnownAt = None,
) -> dict[str, Any]:
    return changes(models, subject_in_path("milestone", project, key), at, from_known_at, to_known_at)


@router.get("/risks/{key}", response_model=RiskAnswer, responses=SUBJECT)
def get_risk(key: KeyInPath, at: At, user: CurrentUser, models: ModelsDep) -> OrjsonResponse:
    return answer(models, subject_in_path("risk", key), at)


@router.get("/risks/{key}/history", response_model=list[Envelope], responses=HISTORY)
def get_risk_history(key: KeyInPath, at: At, user: CurrentUser, ledger: LedgerDep) -> OrjsonResponse:
    return history(ledger, subject_in_path("risk", key), at)


@router.get("/risks/{key}/changes", response_model=SubjectChanges, responses=READ_PROBLEMS)
def get_risk_changes(
    key: KeyInPath,
    at: At,
    user: CurrentUser,
    models: ModelsDep,
    from_known_at: FromKnownAt,
    to_known_at: ToKnownAt = None,
) -> dict[str, Any]:
    return changes(models, subject_in_path("risk", key), at, from_known_at, to_known_at)


@router.get("/contracts/{key}", response_model=ContractAnswer, responses=SUBJECT)
def get_contract(key: KeyInPath, at: At, user: CurrentUser, models: ModelsDep) -> OrjsonResponse:
    return answer(models, subject_in_path("contract", key), at)


@router.get("/contracts/{key}/history", response_model=list[Envelope], responses=HISTORY)
def get_contract_history(key: KeyInPath, at: At, user: CurrentUser, ledger: LedgerDep) -> OrjsonResponse:
    return history(ledger, subject_in_path("contract", key), at)


@router.get("/contracts/{key}/changes", response_model=SubjectChanges, responses=READ_PROBLEMS)
def get_contract_changes(
    key: KeyInPath,
    at: At,
    user: CurrentUser,
    models: ModelsDep,
    from_known_at: FromKnownAt,
    to_known_at: ToKnownAt = None,
) -> dict[str, Any]:
    return changes(models, subject_in_path("contract", key), at, from_known_at, to_known_at)


@router.get("/board-cases/{body}/{case_no}", response_model=BoardCaseAnswer, responses=SUBJECT)
def get_board_case(
    body: BodyInPath, case_no: CaseNoInPath, at: At, user: CurrentUser, models: ModelsDep
) -> OrjsonResponse:
    return answer(models, subject_in_path("board-case", body, case_no), at)


@router.get("/board-cases/{body}/{case_no}/history", response_model=list[Envelope], responses=HISTORY)
def get_board_case_history(
    body: BodyInPath, case_no: CaseNoInPath, at: At, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return history(ledger, subject_in_path("board-case", body, case_no), at)


@router.get("/board-cases/{body}/{case_no}/changes", response_model=SubjectChanges, responses=READ_PROBLEMS)
def get_board_case_changes(
    body: BodyInPath,
    case_no: CaseNoInPath,
    at: At,
    user: CurrentUser,
    models: ModelsDep,
    from_known_at: FromKnownAt,
    to_known_at: ToKnownAt = None,
) -> dict[str, Any]:
    return changes(models, subject_in_path("board-case", body, case_no), at, from_known_at, to_known_at)
