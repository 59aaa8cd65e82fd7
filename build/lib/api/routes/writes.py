"""Writes (DOMAIN.md §6): one event each, answered 201 with the stored event (§7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response

from api.auth import CurrentUser, LedgerDep
from api.bodies import Envelope, body_model
from api.problems import PROBLEMS
from api.writes import record_write, subject_in_path
from governance import keys


def write_headers(
    if_match: Annotated[
        str | None, Header(description='Write only if the subject is at this version ("7")')
    ] = None,
    idempotency_key: Annotated[
        str | None, Header(description="Retry safely: a repeated key answers the first response again")
    ] = None,
) -> None:
    """Declares the headers every write understands (read by `record_write`)."""


router = APIRouter(tags=["writes"], dependencies=[Depends(write_headers)])
WRITE = {"status_code": 201, "response_model": Envelope, "responses": PROBLEMS}

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

# mypy cannot follow models made at run time; the annotations below are for FastAPI.


@router.post("/projects", **WRITE)
def register_project(
    request: Request, body: ProjectRegisteredBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    return record_write(request, ledger, user, keys.project(body.key), "ProjectRegistered", body)  # type: ignore[attr-defined]


@router.post("/projects/{key}/phase", **WRITE)
def change_project_phase(
    request: Request, key: str, body: ProjectPhaseChangedBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    return record_write(request, ledger, user, subject_in_path("project", key), "ProjectPhaseChanged", body)


@router.post("/projects/{key}/status", **WRITE)
def assess_project_status(
    request: Request, key: str, body: ProjectStatusAssessedBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    return record_write(request, ledger, user, subject_in_path("project", key), "ProjectStatusAssessed", body)


@router.post("/projects/{key}/financials", **WRITE)
def report_project_financials(
    request: Request, key: str, body: ProjectFinancialsReportedBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    return record_write(
        request, ledger, user, subject_in_path("project", key), "ProjectFinancialsReported", body
    )


@router.post("/projects/{key}/cost-frame", **WRITE)
def change_project_cost_frame(
    request: Request, key: str, body: ProjectCostFrameChangedBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    return record_write(
        request, ledger, user, subject_in_path("project", key), "ProjectCostFrameChanged", body
    )


@router.post("/projects/{key}/close", **WRITE)
def close_project(
    request: Request, key: str, body: ProjectClosedBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    return record_write(request, ledger, user, subject_in_path("project", key), "ProjectClosed", body)


@router.post("/projects/{key}/milestones", **WRITE)
def plan_milestone(
    request: Request, key: str, body: MilestonePlannedBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    project = subject_in_path("project", key)
    return record_write(
        request, ledger, user, keys.milestone(project.key, body.key), "MilestonePlanned", body
    )  # type: ignore[attr-defined]


@router.post("/milestones/{project}/{key}/forecast", **WRITE)
def change_milestone_forecast(
    request: Request,
    project: str,
    key: str,
    body: MilestoneForecastChangedBody,
    user: CurrentUser,
    ledger: LedgerDep,
) -> Response:  # type: ignore[valid-type]
    return record_write(
        request, ledger, user, subject_in_path("milestone", project, key), "MilestoneForecastChanged", body
    )


@router.post("/milestones/{project}/{key}/rebaseline", **WRITE)
def rebaseline_milestone(
    request: Request,
    project: str,
    key: str,
    body: MilestoneRebaselinedBody,
    user: CurrentUser,
    ledger: LedgerDep,
) -> Response:  # type: ignore[valid-type]
    return record_write(
        request, ledger, user, subject_in_path("milestone", project, key), "MilestoneRebaselined", body
    )


@router.post("/milestones/{project}/{key}/achieved", **WRITE)
def achieve_milestone(
    request: Request,
    project: str,
    key: str,
    body: MilestoneAchievedBody,
    user: CurrentUser,
    ledger: LedgerDep,
) -> Response:  # type: ignore[valid-type]
    """Give `achieved_on` or `effective_on` (or both, equal); the stored event carries both."""
    day = body.achieved_on or body.effective_on or ledger.today()  # type: ignore[attr-defined]
    achieved_on = body.achieved_on or day  # type: ignore[attr-defined]
    return record_write(
        request,
        ledger,
        user,
        subject_in_path("milestone", project, key),
        "MilestoneAchieved",
        body,
        fields={"achieved_on": achieved_on.isoformat()},
        effective_on=body.effective_on or day,  # type: ignore[attr-defined]
    )


@router.post("/milestones/{project}/{key}/cancel", **WRITE)
def cancel_milestone(
    request: Request,
    project: str,
    key: str,
    body: MilestoneCancelledBody,
    user: CurrentUser,
    ledger: LedgerDep,
) -> Response:  # type: ignore[valid-type]
    return record_write(
        request, ledger, user, subject_in_path("milestone", project, key), "MilestoneCancelled", body
    )


@router.post("/risks", **WRITE)
def identify_risk(
    request: Request, body: RiskIdentifiedBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    return record_write(request, ledger, user, keys.risk(body.key), "RiskIdentified", body)  # type: ignore[attr-defined]


@router.post("/risks/{key}/assessments", **WRITE)
def assess_risk(
    request: Request, key: str, body: RiskAssessedBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    return record_write(request, ledger, user, subject_in_path("risk", key), "RiskAssessed", body)


@router.post("/risks/{key}/mitigations", **WRITE)
def add_mitigation(
    request: Request, key: str, body: MitigationAddedBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    return record_write(request, ledger, user, subject_in_path("risk", key), "MitigationAdded", body)


@router.post("/risks/{key}/mitigations/{mitigation_id}/complete", **WRITE)
def complete_mitigation(
    request: Request,
    key: str,
    mitigation_id: str,
    body: MitigationCompletedBody,
    user: CurrentUser,
    ledger: LedgerDep,
) -> Response:  # type: ignore[valid-type]
    return record_write(
        request,
        ledger,
        user,
        subject_in_path("risk", key),
        "MitigationCompleted",
        body,
        fields={"mitigation_id": mitigation_id},
    )


@router.post("/risks/{key}/close", **WRITE)
def close_risk(
    request: Request, key: str, body: RiskClosedBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    return record_write(request, ledger, user, subject_in_path("risk", key), "RiskClosed", body)


@router.post("/risks/{key}/reopen", **WRITE)
def reopen_risk(
    request: Request, key: str, body: RiskReopenedBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    return record_write(request, ledger, user, subject_in_path("risk", key), "RiskReopened", body)


@router.post("/contracts", **WRITE)
def sign_contract(
    request: Request, body: ContractSignedBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    return record_write(request, ledger, user, keys.contract(body.key), "ContractSigned", body)  # type: ignore[attr-defined]


@router.post("/contracts/{key}/amendments", **WRITE)
def amend_contract(
    request: Request, key: str, body: ContractAmendedBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    return record_write(request, ledger, user, subject_in_path("contract", key), "ContractAmended", body)


@router.post("/contracts/{key}/disputes", **WRITE)
def raise_dispute(
    request: Request, key: str, body: ContractDisputeRaisedBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    return record_write(
        request, ledger, user, subject_in_path("contract", key), "ContractDisputeRaised", body
    )


@router.post("/contracts/{key}/dispute-resolution", **WRITE)
def resolve_dispute(
    request: Request, key: str, body: ContractDisputeResolvedBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    return record_write(
        request, ledger, user, subject_in_path("contract", key), "ContractDisputeResolved", body
    )


@router.post("/contracts/{key}/terminate", **WRITE)
def terminate_contract(
    request: Request, key: str, body: ContractTerminatedBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    return record_write(request, ledger, user, subject_in_path("contract", key), "ContractTerminated", body)


@router.post("/board-cases", **WRITE)
def register_board_case(
    request: Request, body: BoardCaseRegisteredBody, user: CurrentUser, ledger: LedgerDep
) -> Response:  # type: ignore[valid-type]
    subject = keys.board_case(body.body, body.case_no)  # type: ignore[attr-defined]
    return record_write(request, ledger, user, subject, "BoardCaseRegistered", body, leave_out=())


@router.post("/board-cases/{body}/{case_no}/decision", **WRITE)
def record_decision(
    request: Request,
    body: str,
    case_no: str,
    decision: BoardDecisionRecordedBody,
    user: CurrentUser,
    ledger: LedgerDep,
) -> Response:  # type: ignore[valid-type]
    return record_write(
        request, ledger, user, subject_in_path("board-case", body, case_no), "BoardDecisionRecorded", decision
    )


@router.post("/board-cases/{body}/{case_no}/supersede", **WRITE)
def supersede_decisions(
    request: Request,
    body: str,
    case_no: str,
    supersession: BoardDecisionSupersededBody,
    user: CurrentUser,
    ledger: LedgerDep,
) -> Response:  # type: ignore[valid-type]
    return record_write(
        request,
        ledger,
        user,
        subject_in_path("board-case", body, case_no),
        "BoardDecisionSuperseded",
        supersession,
    )
