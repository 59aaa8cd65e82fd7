"""Norwegian words for every enumerated value and field the documents show (DOMAIN.md §9).

One mapping, used by the report and by every page: a board member reads `gjennomføring`,
`høy` and `bedret`, never `execution`, `high` or `improved`.
"""

from __future__ import annotations

from typing import Any

PHASES = {
    "concept": "konsept",
    "planning": "planlegging",
    "execution": "gjennomføring",
    "closing": "avslutning",
}
RATINGS = {"green": "grønn", "yellow": "gul", "red": "rød"}
TRENDS = {"improved": "bedret", "worsened": "forverret", "unchanged": "uendret", "new": "ny"}
TREND_ARROWS = {"improved": "↑", "worsened": "↓", "unchanged": "→", "new": "○"}
LEVELS = {"low": "lav", "medium": "middels", "high": "høy", "critical": "kritisk"}
MILESTONE_KINDS = {
    "milestone": "milepæl",
    "decision_point": "beslutningspunkt",
    "delivery": "leveranse",
    "payment": "betaling",
}
MILESTONE_STATES = {
    "achieved": "oppnådd",
    "cancelled": "kansellert",
    "overdue": "forfalt",
    "planned": "planlagt",
}
AMENDMENT_KINDS = {
    "schedule": "fremdriftsplan",
    "scope": "omfang",
    "price": "pris",
    "compensation": "kompensasjon",
    "settlement": "forlik",
    "other": "annet",
}
SUBJECT_KINDS = {
    "project": "prosjekt",
    "milestone": "milepæl",
    "risk": "risiko",
    "contract": "kontrakt",
    "board-case": "styresak",
}
SUBJECT_KINDS_PLURAL = {
    "project": "prosjekter",
    "milestone": "milepæler",
    "risk": "risikoer",
    "contract": "kontrakter",
    "board-case": "styresaker",
}
ROLES = {
    "admin": "administrator",
    "secretariat": "styresekretariat",
    "project_lead": "prosjektleder",
    "auditor": "revisor",
    "viewer": "leser",
}
OPEN = {True: "åpen", False: "lukket"}
YES_NO = {True: "ja", False: "nei"}

EVENT_TYPES = {
    "ProjectRegistered": "Prosjekt registrert",
    "ProjectPhaseChanged": "Fase endret",
    "ProjectStatusAssessed": "Status vurdert",
    "ProjectFinancialsReported": "Økonomi rapportert",
    "ProjectCostFrameChanged": "Kostnadsramme endret",
    "ProjectClosed": "Prosjekt avsluttet",
    "MilestonePlanned": "Milepæl planlagt",
    "MilestoneForecastChanged": "Prognose endret",
    "MilestoneRebaselined": "Ny grunnplan",
    "MilestoneAchieved": "Milepæl oppnådd",
    "MilestoneCancelled": "Milepæl kansellert",
    "RiskIdentified": "Risiko identifisert",
    "RiskAssessed": "Risiko vurdert",
    "MitigationAdded": "Tiltak lagt til",
    "MitigationCompleted": "Tiltak gjennomført",
    "RiskClosed": "Risiko lukket",
    "RiskReopened": "Risiko gjenåpnet",
    "ContractSigned": "Kontrakt inngått",
    "ContractAmended": "Kontraktstillegg",
    "ContractDisputeRaised": "Tvist reist",
    "ContractDisputeResolved": "Tvist løst",
    "ContractTerminated": "Kontrakt hevet",
    "BoardCaseRegistered": "Styresak registrert",
    "BoardDecisionRecorded": "Vedtak fattet",
    "BoardDecisionSuperseded": "Vedtak erstattet",
}

DIMENSIONS = {
    "overall": "Samlet",
    "time": "Tid",
    "cost": "Kost",
    "scope": "Omfang",
    "quality": "Kvalitet",
    "risk_exposure": "Risiko",
    "benefits": "Gevinst",
}
DIMENSIONS_LONG = {
    "overall": "Samlet status",
    "time": "Tid",
    "cost": "Kost",
    "scope": "Omfang",
    "quality": "Kvalitet",
    "risk_exposure": "Risikoeksponering",
    "benefits": "Forberedelse for gevinstrealisering",
}
FINANCIALS = {
    "cost_frame": "Kostnadsramme (P85)",
    "steering_frame": "Styringsramme (P50)",
    "phase_budget": "Fasebudsjett",
    "forecast": "Prognose",
    "actual": "Påløpt",
    "earned_value": "Realisert verdi",
}

FIELDS = {
    "key": "Nøkkel",
    "version": "Versjon",
    "created_on": "Opprettet",
    "name": "Navn",
    "organisation": "Organisasjon",
    "phase": "Fase",
    "owner": "Eier",
    "purpose": "Formål",
    "status": "Status",
    "financials": "Økonomi",
    "closed_on": "Avsluttet",
    **DIMENSIONS_LONG,
    "comment": "Kommentar",
    "deviation": "Avvik",
    "consequence_note": "Konsekvens",
    "measures": "Tiltak",
    **FINANCIALS,
    "price_year": "Prisår",
    "reason": "Begrunnelse",
    "decision_ref": "Vedtak",
    "amendment_ref": "Kontraktstillegg",
    "summary": "Oppsummering",
    "kind": "Type",
    "baseline_on": "Grunnplan",
    "forecast_on": "Prognose",
    "achieved_on": "Oppnådd",
    "cancelled_on": "Kansellert",
    "state": "Tilstand",
    "slip_days": "Avvik (dager)",
    "approved_by": "Godkjent av",
    "note": "Merknad",
    "title": "Tittel",
    "description": "Beskrivelse",
    "project": "Prosjekt",
    "probability": "Sannsynlighet",
    "consequence": "Konsekvens",
    "score": "Skår",
    "level": "Nivå",
    "open": "Status",
    "merged_into": "Slått sammen med",
    "rationale": "Begrunnelse",
    "mitigations": "Tiltak",
    "mitigation_id": "Tiltak-ID",
    "due_on": "Frist",
    "completed": "Gjennomført",
    "supplier": "Leverandør",
    "customer": "Kunde",
    "signed_on": "Signert",
    "value": "Verdi",
    "amendments": "Kontraktstillegg",
    "amendment_no": "Nr.",
    "value_change": "Verdiendring",
    "affected_milestones": "Berørte milepæler",
    "dispute_open": "Åpen tvist",
    "terminated": "Hevet",
    "resolution": "Løsning",
    "body": "Organ",
    "case_no": "Saksnummer",
    "meeting_on": "Møtedato",
    "refs": "Viser til",
    "decisions": "Vedtak",
    "decided_on": "Vedtatt",
    "text": "Vedtakstekst",
    "superseded_by": "Erstattet av",
    "by": "Erstattet av",
    "effective_on": "Gjelder fra",
    "recorded_at": "Registrert",
    "actor": "Registrert av",
}

ENUMERATED_FIELDS: dict[str, dict[Any, str]] = {
    "phase": PHASES,
    "state": MILESTONE_STATES,
    "level": LEVELS,
    "trend": TRENDS,
    **{name: RATINGS for name in DIMENSIONS},
}
"""Fields whose values are enumerated, and their words (`kind` depends on the subject)."""

ALL: dict[str, dict[Any, str]] = {
    "phase": PHASES,
    "rating": RATINGS,
    "trend": TRENDS,
    "level": LEVELS,
    "milestone_kind": MILESTONE_KINDS,
    "milestone_state": MILESTONE_STATES,
    "amendment_kind": AMENDMENT_KINDS,
    "subject_kind": SUBJECT_KINDS,
    "event_type": EVENT_TYPES,
    "role": ROLES,
    "open": OPEN,
    "yes_no": YES_NO,
}
"""Every mapping by its name in the templates' `label` filter."""


def label(value: Any, mapping: str) -> str:
    """The Norwegian word for `value`; a value the mapping lacks is shown as it is."""
    if value is None:
        return "–"
    words = ALL[mapping]
    return words.get(value, str(value))


def field_value_label(name: str, value: Any, *, subject_kind: str | None = None) -> str | None:
    """The word for an enumerated field's value, or None when the field is free text."""
    if name == "kind":
        kinds = AMENDMENT_KINDS if subject_kind == "contract" else MILESTONE_KINDS
        return kinds.get(value)
    words = ENUMERATED_FIELDS.get(name)
    return None if words is None else words.get(value)
