"""Valid fields for every event type, so a test states only what it is about."""

from __future__ import annotations

from datetime import date
from typing import Any

from governance.application import Command
from governance.keys import SubjectKey

VALID_FIELDS: dict[str, dict[str, Any]] = {
    "ProjectRegistered": {
        "name": "Ny felles kommunikasjonsløsning (KAK)",
        "organisation": "HDO",
        "phase": "execution",
        "owner": "Administrerende direktør",
    },
    "ProjectPhaseChanged": {"phase": "closing"},
    "ProjectStatusAssessed": {
        "overall": "yellow",
        "time": "red",
        "cost": "yellow",
        "scope": "green",
        "quality": "yellow",
        "risk_exposure": "yellow",
        "benefits": "green",
        "measures": ["Tett oppfølging av leverandør"],
    },
    "ProjectFinancialsReported": {
        "phase_budget": 120_000_000,
        "forecast": 118_000_000,
        "actual": 64_000_000,
        "earned_value": 60_000_000,
    },
    "ProjectCostFrameChanged": {
        "cost_frame": 450_000_000,
        "steering_frame": 400_000_000,
        "reason": "Styrevedtak",
    },
    "ProjectClosed": {"summary": "Prosjektet er avsluttet"},
    "MilestonePlanned": {"name": "Delleveranse 1", "kind": "delivery", "baseline_on": "2025-06-01"},
    "MilestoneForecastChanged": {"forecast_on": "2025-07-01", "reason": "Forsinket leveranse"},
    "MilestoneRebaselined": {"baseline_on": "2025-10-24", "reason": "Forlik"},
    "MilestoneAchieved": {},
    "MilestoneCancelled": {"reason": "Utgår"},
    "RiskIdentified": {
        "title": "Risiko for forsinkelser",
        "organisation": "HDO",
        "owner": "Prosjektleder",
        "probability": 3,
        "consequence": 4,
    },
    "RiskAssessed": {"probability": 2, "consequence": 4},
    "MitigationAdded": {"mitigation_id": "T1", "description": "Tett oppfølging"},
    "MitigationCompleted": {"mitigation_id": "T1"},
    "RiskClosed": {"reason": "Risikoen er håndtert"},
    "RiskReopened": {"reason": "Risikoen er aktuell igjen"},
    "ContractSigned": {
        "title": "Kontrakt om ny kommunikasjonsløsning",
        "supplier": "Frequentis AG",
        "customer": "HDO",
        "signed_on": "2021-03-01",
    },
    "ContractAmended": {
        "amendment_no": 1,
        "kind": "schedule",
        "title": "Kontraktstillegg",
        "summary": "Milepæler kan passeres med ikke-blokkerende feil",
        "affected_milestones": [],
    },
    "ContractDisputeRaised": {"description": "Uenighet om forsinkelse"},
    "ContractDisputeResolved": {"resolution": "Forlik"},
    "ContractTerminated": {"reason": "Kontrakten er avsluttet"},
    "BoardCaseRegistered": {"title": "Tertialrapport 2 2025", "meeting_on": "2025-09-10", "refs": []},
    "BoardDecisionRecorded": {
        "decided_on": "2025-09-10",
        "text": "Styret tar rapporten til orientering",
        "refs": [],
    },
    "BoardDecisionSuperseded": {"reason": "Nytt vedtak"},
}


def command(subject: str, type_: str, effective_on: date | str | None = None, **fields: Any) -> Command:
    """A command for `type_` on `subject` with valid fields; `fields` override them, and
    a field given as ``...`` is left out."""
    key = SubjectKey.parse(subject)
    data = dict(VALID_FIELDS[type_])
    if type_ == "BoardCaseRegistered":
        body, case_no = key.parts
        data |= {"body": body, "case_no": case_no}
    if type_ == "MilestoneAchieved" and "achieved_on" not in fields:
        data["achieved_on"] = str(effective_on) if effective_on is not None else None
    data |= fields
    data = {name: value for name, value in data.items() if value is not ... and value is not None}
    return Command(key, type_, data, effective_on=effective_on)
