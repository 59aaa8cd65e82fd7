"""A history that touches every write path of the API, in an order every rule accepts."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.examples import EXAMPLES

# A history that touches every write path, in an order every rule accepts.
STORY: list[tuple[str, str, dict[str, Any]]] = [
    ("/projects", "ProjectRegistered", {**EXAMPLES["ProjectRegistered"]}),
    ("/board-cases", "BoardCaseRegistered", {**EXAMPLES["BoardCaseRegistered"], "refs": ["project:KAK"]}),
    (
        "/board-cases",
        "BoardCaseRegistered",
        {**EXAMPLES["BoardCaseRegistered"], "case_no": "31-2025", "refs": [], "effective_on": "2025-10-01"},
    ),
    ("/projects/KAK/phase", "ProjectPhaseChanged", EXAMPLES["ProjectPhaseChanged"]),
    ("/projects/KAK/status", "ProjectStatusAssessed", EXAMPLES["ProjectStatusAssessed"]),
    ("/projects/KAK/financials", "ProjectFinancialsReported", EXAMPLES["ProjectFinancialsReported"]),
    ("/projects/KAK/cost-frame", "ProjectCostFrameChanged", EXAMPLES["ProjectCostFrameChanged"]),
    ("/projects/KAK/milestones", "MilestonePlanned", EXAMPLES["MilestonePlanned"]),
    ("/projects/KAK/milestones", "MilestonePlanned", {**EXAMPLES["MilestonePlanned"], "key": "DM2"}),
    ("/projects/KAK/milestones", "MilestonePlanned", {**EXAMPLES["MilestonePlanned"], "key": "DM3"}),
    ("/contracts", "ContractSigned", EXAMPLES["ContractSigned"]),
    ("/contracts/KAK-FREQUENTIS/disputes", "ContractDisputeRaised", EXAMPLES["ContractDisputeRaised"]),
    ("/contracts/KAK-FREQUENTIS/amendments", "ContractAmended", EXAMPLES["ContractAmended"]),
    (
        "/contracts/KAK-FREQUENTIS/dispute-resolution",
        "ContractDisputeResolved",
        EXAMPLES["ContractDisputeResolved"],
    ),
    ("/milestones/KAK/DM1/forecast", "MilestoneForecastChanged", EXAMPLES["MilestoneForecastChanged"]),
    ("/milestones/KAK/DM2/rebaseline", "MilestoneRebaselined", EXAMPLES["MilestoneRebaselined"]),
    ("/milestones/KAK/DM1/achieved", "MilestoneAchieved", EXAMPLES["MilestoneAchieved"]),
    ("/milestones/KAK/DM3/cancel", "MilestoneCancelled", EXAMPLES["MilestoneCancelled"]),
    ("/risks", "RiskIdentified", EXAMPLES["RiskIdentified"]),
    ("/risks", "RiskIdentified", {**EXAMPLES["RiskIdentified"], "key": "OR-631"}),
    ("/risks/OR-821/assessments", "RiskAssessed", EXAMPLES["RiskAssessed"]),
    ("/risks/OR-821/mitigations", "MitigationAdded", EXAMPLES["MitigationAdded"]),
    (
        "/risks/OR-821/mitigations/T1/complete",
        "MitigationCompleted",
        {"note": "Satt i produksjon", "effective_on": "2025-10-24"},
    ),
    ("/risks/OR-631/close", "RiskClosed", EXAMPLES["RiskClosed"]),
    ("/risks/OR-631/reopen", "RiskReopened", {"reason": "Aktuell igjen", "effective_on": "2025-12-20"}),
    ("/board-cases/HDO/27-2025/decision", "BoardDecisionRecorded", EXAMPLES["BoardDecisionRecorded"]),
    (
        "/board-cases/HDO/27-2025/supersede",
        "BoardDecisionSuperseded",
        {**EXAMPLES["BoardDecisionSuperseded"], "by": "HDO/31-2025"},
    ),
    (
        "/contracts/KAK-FREQUENTIS/terminate",
        "ContractTerminated",
        {"reason": "Oppfylt", "effective_on": "2025-12-31"},
    ),
    ("/projects/KAK/close", "ProjectClosed", {"summary": "Avsluttet", "effective_on": "2025-12-31"}),
]


def tell_story(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Post the whole story; the stored events it answered with."""
    envelopes = []
    for path, _, body in STORY:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 201, (path, response.json())
        envelopes.append(response.json())
    return envelopes
