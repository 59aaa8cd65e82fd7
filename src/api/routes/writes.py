"""Writes (DOMAIN.md §6): one event each, answered 201 with the stored event (§7)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel

from api.auth import CurrentUser, LedgerDep
from api.bodies import Envelope, body_model
from api.problems import (
    ETAG,
    IDEMPOTENT_REPLAYED,
    LOCATION,
    WRITE_PROBLEMS,
    BodyInPath,
    CaseNoInPath,
    KeyInPath,
    MitigationInPath,
    ProjectInPath,
    idempotency_key_header,
    with_headers,
)
from api.reading import single_valued
from api.responses import OrjsonResponse
from api.writes import record_write, subject_in_path
from governance import keys


def write_headers(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='Write only if the subject is at this version: its ETag ("7"), or `*`',
        ),
    ] = None,
    idempotency_key: Annotated[str | None, idempotency_key_header()] = None,
) -> None:
    """Declares the headers every write understands (read by `record_write`)."""


router = APIRouter(tags=["writes"], dependencies=[Depends(write_headers), Depends(single_valued)])
WRITTEN = {
    **with_headers(
        201,
        "The stored event (§7)",
        ETag=ETAG,
        Location=LOCATION,
        Idempotent_Replayed=IDEMPOTENT_REPLAYED,
    ),
    **WRITE_PROBLEMS,
}

if TYPE_CHECKING:
    # The bodies are made at run time from the events' own fields (`body_model`), so the
    # API cannot drift from the domain; to the type checker each is a model with the
    # fields the routes read of it.

    class WriteBody(BaseModel):
        effective_on: date | None

    class NewSubjectBody(WriteBody):
        key: str

    class AchievedBody(WriteBody):
        achieved_on: date | None

    class BoardCaseBody(WriteBody):
        body: str
        case_no: str

    ProjectRegisteredBody = NewSubjectBody
    ProjectPhaseChangedBody = WriteBody
    ProjectStatusAssessedBody = WriteBody
    ProjectFinancialsReportedBody = WriteBody
    ProjectCostFrameChangedBody = WriteBody
    ProjectClosedBody = WriteBody
    MilestonePlannedBody = NewSubjectBody
    MilestoneForecastChangedBody = WriteBody
    MilestoneRebaselinedBody = WriteBody
    MilestoneAchievedBody = AchievedBody
    MilestoneCancelledBody = WriteBody
    RiskIdentifiedBody = NewSubjectBody
    RiskAssessedBody = WriteBody
    MitigationAddedBody = WriteBody
    MitigationCompletedBody = WriteBody
    RiskClosedBody = WriteBody
    RiskReopenedBody = WriteBody
    ContractSignedBody = NewSubjectBody
    ContractAmendedBody = WriteBody
    ContractDisputeRaisedBody = WriteBody
    ContractDisputeResolvedBody = WriteBody
    ContractTerminatedBody = WriteBody
    BoardCaseRegisteredBody = BoardCaseBody
    BoardDecisionRecordedBody = WriteBody
    BoardDecisionSupersededBody = WriteBody
else:
    ProjectRegisteredBody = body_model("ProjectRegistered", key_field="key")
    ProjectPhaseChangedBody = body_model("ProjectPhaseChanged")
    ProjectStatusAssessedBody = body_model("ProjectStatusAssessed")
    ProjectFinancialsReportedBody = body_model("ProjectFinancialsReported")
    ProjectCostFrameChangedBody = body_model("ProjectCostFrameChanged")
    ProjectClosedBody = body_model("ProjectClosed")
    MilestonePlannedBody = body_model("MilestonePlanned", key_field="key")
    MilestoneForecastChangedBody = body_model("MilestoneForecastChanged")
    MilestoneRebaselinedBody = body_model("MilestoneRebaselined")
    MilestoneAchievedBody = body_model("MilestoneAchieved", optional=("achieved_on",))
    MilestoneCancelledBody = body_model("MilestoneCancelled")
    RiskIdentifiedBody = body_model("RiskIdentified", key_field="key")
    RiskAssessedBody = body_model("RiskAssessed")
    MitigationAddedBody = body_model("MitigationAdded")
    MitigationCompletedBody = body_model("MitigationCompleted", leave_out=("mitigation_id",))
    RiskClosedBody = body_model("RiskClosed")
    RiskReopenedBody = body_model("RiskReopened")
    ContractSignedBody = body_model("ContractSigned", key_field="key")
    ContractAmendedBody = body_model("ContractAmended")
    ContractDisputeRaisedBody = body_model("ContractDisputeRaised")
    ContractDisputeResolvedBody = body_model("ContractDisputeResolved")
    ContractTerminatedBody = body_model("ContractTerminated")
    BoardCaseRegisteredBody = body_model("BoardCaseRegistered")
    BoardDecisionRecordedBody = body_model("BoardDecisionRecorded")
    BoardDecisionSupersededBody = body_model("BoardDecisionSuperseded")


@router.post("/projects", status_code=201, response_model=Envelope, responses=WRITTEN)
def register_project(
    request: Request, body: ProjectRegisteredBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return record_write(request, ledger, user, keys.project(body.key), "ProjectRegistered", body)


@router.post("/projects/{key}/phase", status_code=201, response_model=Envelope, responses=WRITTEN)
def change_project_phase(
    request: Request, key: KeyInPath, body: ProjectPhaseChangedBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return record_write(request, ledger, user, subject_in_path("project", key), "ProjectPhaseChanged", body)


@router.post("/projects/{key}/status", status_code=201, response_model=Envelope, responses=WRITTEN)
def assess_project_status(
    request: Request, key: KeyInPath, body: ProjectStatusAssessedBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return record_write(request, ledger, user, subject_in_path("project", key), "ProjectStatusAssessed", body)


@router.post("/projects/{key}/financials", status_code=201, response_model=Envelope, responses=WRITTEN)
def report_project_financials(
    request: Request,
    key: KeyInPath,
    body: ProjectFinancialsReportedBody,
    user: CurrentUser,
    ledger: LedgerDep,
) -> OrjsonResponse:
    return record_write(
        request, ledger, user, subject_in_path("project", key), "ProjectFinancialsReported", body
    )


@router.post("/projects/{key}/cost-frame", status_code=201, response_model=Envelope, responses=WRITTEN)
def change_project_cost_frame(
    request: Request, key: KeyInPath, body: ProjectCostFrameChangedBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return record_write(
        request, ledger, user, subject_in_path("project", key), "ProjectCostFrameChanged", body
    )


@router.post("/projects/{key}/close", status_code=201, response_model=Envelope, responses=WRITTEN)
def close_project(
    request: Request, key: KeyInPath, body: ProjectClosedBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return record_write(request, ledger, user, subject_in_path("project", key), "ProjectClosed", body)


@router.post("/projects/{key}/milestones", status_code=201, response_model=Envelope, responses=WRITTEN)
def plan_milestone(
    request: Request, key: KeyInPath, body: MilestonePlannedBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return record_write(
        request,
        ledger,
        user,
        keys.milestone(subject_in_path("project", key).key, body.key),
        "MilestonePlanned",
        body,
    )


@router.post(
    "/milestones/{project}/{key}/forecast", status_code=201, response_model=Envelope, responses=WRITTEN
)
def change_milestone_forecast(
    request: Request,
    project: ProjectInPath,
    key: KeyInPath,
    body: MilestoneForecastChangedBody,
    user: CurrentUser,
    ledger: LedgerDep,
) -> OrjsonResponse:
    return record_write(
        request, ledger, user, subject_in_path("milestone", project, key), "MilestoneForecastChanged", body
    )


@router.post(
    "/milestones/{project}/{key}/rebaseline", status_code=201, response_model=Envelope, responses=WRITTEN
)
def rebaseline_milestone(
    request: Request,
    project: ProjectInPath,
    key: KeyInPath,
    body: MilestoneRebaselinedBody,
    user: CurrentUser,
    ledger: LedgerDep,
) -> OrjsonResponse:
    return record_write(
        request, ledger, user, subject_in_path("milestone", project, key), "MilestoneRebaselined", body
    )


@router.post(
    "/milestones/{project}/{key}/cancel", status_code=201, response_model=Envelope, responses=WRITTEN
)
def cancel_milestone(
    request: Request,
    project: ProjectInPath,
    key: KeyInPath,
    body: MilestoneCancelledBody,
    user: CurrentUser,
    ledger: LedgerDep,
) -> OrjsonResponse:
    return record_write(
        request, ledger, user, subject_in_path("milestone", project, key), "MilestoneCancelled", body
    )


@router.post("/risks", status_code=201, response_model=Envelope, responses=WRITTEN)
def identify_risk(
    request: Request, body: RiskIdentifiedBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return record_write(request, ledger, user, keys.risk(body.key), "RiskIdentified", body)


@router.post("/risks/{key}/assessments", status_code=201, response_model=Envelope, responses=WRITTEN)
def assess_risk(
    request: Request, key: KeyInPath, body: RiskAssessedBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return record_write(request, ledger, user, subject_in_path("risk", key), "RiskAssessed", body)


@router.post("/risks/{key}/mitigations", status_code=201, response_model=Envelope, responses=WRITTEN)
def add_mitigation(
    request: Request, key: KeyInPath, body: MitigationAddedBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return record_write(request, ledger, user, subject_in_path("risk", key), "MitigationAdded", body)


@router.post("/risks/{key}/close", status_code=201, response_model=Envelope, responses=WRITTEN)
def close_risk(
    request: Request, key: KeyInPath, body: RiskClosedBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return record_write(request, ledger, user, subject_in_path("risk", key), "RiskClosed", body)


@router.post("/risks/{key}/reopen", status_code=201, response_model=Envelope, responses=WRITTEN)
def reopen_risk(
    request: Request, key: KeyInPath, body: RiskReopenedBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return record_write(request, ledger, user, subject_in_path("risk", key), "RiskReopened", body)


@router.post("/contracts", status_code=201, response_model=Envelope, responses=WRITTEN)
def sign_contract(
    request: Request, body: ContractSignedBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return record_write(request, ledger, user, keys.contract(body.key), "ContractSigned", body)


@router.post("/contracts/{key}/amendments", status_code=201, response_model=Envelope, responses=WRITTEN)
def amend_contract(
    request: Request, key: KeyInPath, body: ContractAmendedBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return record_write(request, ledger, user, subject_in_path("contract", key), "ContractAmended", body)


@router.post("/contracts/{key}/disputes", status_code=201, response_model=Envelope, responses=WRITTEN)
def raise_dispute(
    request: Request, key: KeyInPath, body: ContractDisputeRaisedBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return record_write(
        request, ledger, user, subject_in_path("contract", key), "ContractDisputeRaised", body
    )


@router.post(
    "/contracts/{key}/dispute-resolution", status_code=201, response_model=Envelope, responses=WRITTEN
)
def resolve_dispute(
    request: Request, key: KeyInPath, body: ContractDisputeResolvedBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return record_write(
        request, ledger, user, subject_in_path("contract", key), "ContractDisputeResolved", body
    )


@router.post("/contracts/{key}/terminate", status_code=201, response_model=Envelope, responses=WRITTEN)
def terminate_contract(
    request: Request, key: KeyInPath, body: ContractTerminatedBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    return record_write(request, ledger, user, subject_in_path("contract", key), "ContractTerminated", body)


@router.post(
    "/milestones/{project}/{key}/achieved", status_code=201, response_model=Envelope, responses=WRITTEN
)
def achieve_milestone(
    request: Request,
    project: ProjectInPath,
    key: KeyInPath,
    body: MilestoneAchievedBody,
    user: CurrentUser,
    ledger: LedgerDep,
) -> OrjsonResponse:
    """Give `achieved_on` or `effective_on` (or both, equal); the stored event carries both."""
    day = body.achieved_on or body.effective_on or ledger.today()
    achieved_on = body.achieved_on or day
    return record_write(
        request,
        ledger,
        user,
        subject_in_path("milestone", project, key),
        "MilestoneAchieved",
        body,
        fields={"achieved_on": achieved_on.isoformat()},
        effective_on=body.effective_on or day,
    )


@router.post(
    "/risks/{key}/mitigations/{mitigation_id}/complete",
    status_code=201,
    response_model=Envelope,
    responses=WRITTEN,
)
def complete_mitigation(
    request: Request,
    key: KeyInPath,
    mitigation_id: MitigationInPath,
    body: MitigationCompletedBody,
    user: CurrentUser,
    ledger: LedgerDep,
) -> OrjsonResponse:
    return record_write(
        request,
        ledger,
        user,
        subject_in_path("risk", key),
        "MitigationCompleted",
        body,
        fields={"mitigation_id": mitigation_id},
    )


@router.post("/board-cases", status_code=201, response_model=Envelope, responses=WRITTEN)
def register_board_case(
    request: Request, body: BoardCaseRegisteredBody, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    subject = keys.board_case(body.body, body.case_no)
    return record_write(request, ledger, user, subject, "BoardCaseRegistered", body, leave_out=())


@router.post(
    "/board-cases/{body}/{case_no}/decision", status_code=201, response_model=Envelope, responses=WRITTEN
)
def record_decision(
    request: Request,
    body: BodyInPath,
    case_no: CaseNoInPath,
    decision: BoardDecisionRecordedBody,
    user: CurrentUser,
    ledger: LedgerDep,
) -> OrjsonResponse:
    return record_write(
        request, ledger, user, subject_in_path("board-case", body, case_no), "BoardDecisionRecorded", decision
    )


@router.post(
    "/board-cases/{body}/{case_no}/supersede", status_code=201, response_model=Envelope, responses=WRITTEN
)
def supersede_decisions(
    request: Request,
    body: BodyInPath,
    case_no: CaseNoInPath,
    supersession: BoardDecisionSupersededBody,
    user: CurrentUser,
    ledger: LedgerDep,
) -> OrjsonResponse:
    return record_write(
        request,
        ledger,
        user,
        subject_in_path("board-case", body, case_no),
        "BoardDecisionSuperseded",
        supersession,
    )
