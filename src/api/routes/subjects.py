"""Subject reads (DOMAIN.md §6): one subject at (`as_of`, `known_at`), and its history."""

from __future__ import annotations

from fastapi import APIRouter

from api.answers import BoardCaseAnswer, ContractAnswer, MilestoneAnswer, ProjectAnswer, RiskAnswer
from api.auth import CurrentUser, LedgerDep
from api.bodies import Envelope
from api.problems import READ_PROBLEMS
from api.reading import At
from api.responses import OrjsonResponse
from api.writes import subject_in_path
from governance.application import Ledger
from governance.errors import SubjectNotFound
from governance.keys import SubjectKey

router = APIRouter(tags=["subjects"])


def answer(ledger: Ledger, subject: SubjectKey, at: At) -> OrjsonResponse:
    """The subject as it stands at `as_of`, as known at `known_at`; its version as ETag."""
    found = ledger.subject(subject, as_of=at.as_of, known_at=at.cut)
    if found is None:
        raise SubjectNotFound(str(subject))
    return OrjsonResponse(found, headers={"ETag": f'"{found["version"]}"'})


def history(ledger: Ledger, subject: SubjectKey, at: At) -> OrjsonResponse:
    """The subject's events recorded at or before `known_at`, in log order."""
    events = ledger.history(subject, known_at=at.cut)
    if not events:
        raise SubjectNotFound(str(subject))
    return OrjsonResponse(events, headers={"ETag": f'"{len(events)}"'})


READ = {"responses": READ_PROBLEMS}


@router.get("/projects/{key}", response_model=ProjectAnswer, **READ)
def read_project(key: str, at: At, user: CurrentUser, ledger: LedgerDep) -> OrjsonResponse:
    return answer(ledger, subject_in_path("project", key), at)


@router.get("/projects/{key}/history", response_model=list[Envelope], **READ)
def read_project_history(key: str, at: At, user: CurrentUser, ledger: LedgerDep) -> OrjsonResponse:
    return history(ledger, subject_in_path("project", key), at)


@router.get("/milestones/{project}/{key}", response_model=MilestoneAnswer, **READ)
def read_milestone(project: str, key: str, at: At, user: CurrentUser, ledger: LedgerDep) -> OrjsonResponse:
    return answer(ledger, subject_in_path("milestone", project, key), at)


@router.get("/milestones/{project}/{key}/history", response_model=list[Envelope], **READ)
def read_milestone_history(
    project: str, key: str, at: At, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return history(ledger, subject_in_path("milestone", project, key), at)


@router.get("/risks/{key}", response_model=RiskAnswer, **READ)
def read_risk(key: str, at: At, user: CurrentUser, ledger: LedgerDep) -> OrjsonResponse:
    return answer(ledger, subject_in_path("risk", key), at)


@router.get("/risks/{key}/history", response_model=list[Envelope], **READ)
def read_risk_history(key: str, at: At, user: CurrentUser, ledger: LedgerDep) -> OrjsonResponse:
    return history(ledger, subject_in_path("risk", key), at)


@router.get("/contracts/{key}", response_model=ContractAnswer, **READ)
def read_contract(key: str, at: At, user: CurrentUser, ledger: LedgerDep) -> OrjsonResponse:
    return answer(ledger, subject_in_path("contract", key), at)


@router.get("/contracts/{key}/history", response_model=list[Envelope], **READ)
def read_contract_history(key: str, at: At, user: CurrentUser, ledger: LedgerDep) -> OrjsonResponse:
    return history(ledger, subject_in_path("contract", key), at)


@router.get("/board-cases/{body}/{case_no}", response_model=BoardCaseAnswer, **READ)
def read_board_case(body: str, case_no: str, at: At, user: CurrentUser, ledger: LedgerDep) -> OrjsonResponse:
    return answer(ledger, subject_in_path("board-case", body, case_no), at)


@router.get("/board-cases/{body}/{case_no}/history", response_model=list[Envelope], **READ)
def read_board_case_history(
    body: str, case_no: str, at: At, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return history(ledger, subject_in_path("board-case", body, case_no), at)
