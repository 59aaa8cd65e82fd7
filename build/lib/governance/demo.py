"""The demo history: HDO's 2025 as its board reports tell it.

`governance demo` (and `make run`) loads this history into an empty store. It follows two
real reports of Helsetjenestens driftsorganisasjon for nødnett HF (HDO), kept in
``shared/seeds``:

- the business report per August 2025 (tertial report 2, "Virksomhetsrapport per august
  2025", attachment 1 to board case 27-2025): management's review of the enterprise risks
  at level 8 or higher (OR-631, OR-821, OR-611, OR-851), the economy, and the project
  reports for KAK, Medielogg and Nytt nødnett;
- the annual report 2025 ("Årlig melding 2025"): delleveranse 1 and the pilot, the
  settlement (forlik) with Frequentis and its three sub-milestones, the first of them
  approved on 24 October 2025, the national rollout plan approved by the KAK project
  board on 17 December 2025, Medielogg's acceptance test, and the handover of Nytt
  nødnett from JD/DSB to DFD/Nkom.

Titles, descriptions, reasons and measures are taken from the reports' Norwegian text,
shortened where needed. Where the reports are silent (exact days, owners, probability and
consequence scores, case numbers other than 27-2025 and 22-2025, the split of HDO's
investment budget between the projects) the values below are chosen to be plausible, and a
comment says so. Amounts are whole NOK.

How the history is written: each subject's story is told by one small function, each
event with its effective day (`on`, valid time, a day in Europe/Oslo) and the moment it
was recorded (`at`, Oslo local time, stored as the canonical UTC `recorded_at`) and the
user who recorded it. `demo_commands` merges the stories in recorded order, which is the
log's order. The ledger was taken into use at the start of January 2025: subjects that
existed before then are recorded in the first week of January, backdated to the day they
came about (chosen where the reports are silent), and the plans in force are recorded as of
2 January 2025. A few events are deliberate late corrections (recorded weeks after their
effective day), so that "T2 2025 as the board saw it on 2025-09-15" differs from "T2 2025
as known now".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from governance import keys
from governance.application import BatchError, Command, Ledger
from governance.errors import ConcurrentAppend, LedgerError
from governance.keys import SubjectKey
from governance.timemodel import OSLO, format_instant


class DemoError(LedgerError):
    """The demo history is only loaded into an empty store."""

    title = "Demo not loaded"


# Users who record the history (§7 `actor`).
SECRETARIAT = "styresekretariat"
KAK_LEAD = "kak-prosjektleder"
MEDIELOGG_LEAD = "medielogg-prosjektleder"
NNN_LEAD = "nnn-prosjektleder"
RISK_OFFICER = "risikoansvarlig"

HDO = "HDO"

# Subjects.
KAK = keys.project("KAK")
MEDIELOGG = keys.project("MEDIELOGG")
NNN = keys.project("NNN")
FREQUENTIS = keys.contract("KAK-FREQUENTIS")
OR_631 = keys.risk("OR-631")
OR_821 = keys.risk("OR-821")
OR_611 = keys.risk("OR-611")
OR_851 = keys.risk("OR-851")
CASE_T1 = keys.board_case("HDO", "22-2025")
CASE_T2 = keys.board_case("HDO", "27-2025")
CASE_ROLLOUT = keys.board_case("KAK-PS", "09-2025")

# Tertial ends: status assessments and financial reports are effective on these days.
T1_END = "2025-04-30"
T2_END = "2025-08-31"
T3_END = "2025-12-31"

# The day the ledger was taken into use: the plans in force then are recorded as of it.
OPENING = "2025-01-02"


def _at(local: str) -> str:
    """Oslo local time ``YYYY-MM-DD HH:MM`` as the canonical UTC `recorded_at`."""
    return format_instant(datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=OSLO))


def _event(subject: SubjectKey, type_: str, on: str, at: str, actor: str, **fields: Any) -> Command:
    return Command(
        subject=subject, type=type_, fields=fields, effective_on=on, recorded_at=_at(at), actor=actor
    )


def _mnok(amount: float) -> int:
    """MNOK as reported (one decimal) in whole NOK."""
    return round(amount * 10) * 100_000


def _status(
    project: SubjectKey,
    on: str,
    at: str,
    actor: str,
    ratings: str,
    *,
    measures: list[str],
    comment: str | None = None,
    deviation: str | None = None,
    consequence_note: str | None = None,
) -> Command:
    """A status assessment; `ratings` gives overall, time, cost, scope, quality, risk
    exposure and benefits in that order, e.g. ``"yellow red green green yellow red yellow"``."""
    names = ("overall", "time", "cost", "scope", "quality", "risk_exposure", "benefits")
    fields: dict[str, Any] = dict(zip(names, ratings.split(), strict=True))
    optional = {"comment": comment, "deviation": deviation, "consequence_note": consequence_note}
    fields |= {name: value for name, value in optional.items() if value is not None}
    return _event(project, "ProjectStatusAssessed", on, at, actor, measures=measures, **fields)


def _financials(
    project: SubjectKey,
    on: str,
    at: str,
    actor: str,
    budget: float,
    forecast: float,
    actual: float,
    earned: float,
) -> Command:
    """A financial report, figures in MNOK as the reports give them."""
    return _event(
        project,
        "ProjectFinancialsReported",
        on,
        at,
        actor,
        phase_budget=_mnok(budget),
        forecast=_mnok(forecast),
        actual=_mnok(actual),
        earned_value=_mnok(earned),
    )


def _planned(
    project: SubjectKey, key: str, name: str, kind: str, baseline_on: str, on: str, at: str, actor: str
) -> Command:
    return _event(
        keys.milestone(project.key, key),
        "MilestonePlanned",
        on,
        at,
        actor,
        name=name,
        kind=kind,
        baseline_on=baseline_on,
    )


def _achieved(project: SubjectKey, key: str, on: str, at: str, actor: str, **fields: Any) -> Command:
    milestone = keys.milestone(project.key, key)
    return _event(milestone, "MilestoneAchieved", on, at, actor, achieved_on=on, **fields)


def _forecast(
    project: SubjectKey, key: str, forecast_on: str, reason: str, on: str, at: str, actor: str
) -> Command:
    return _event(
        keys.milestone(project.key, key),
        "MilestoneForecastChanged",
        on,
        at,
        actor,
        forecast_on=forecast_on,
        reason=reason,
    )


# Projects -------------------------------------------------------------------------------


def kak_project() -> list[Command]:
    """KAK: ny felles kommunikasjonsløsning i akuttmedisinsk kjede (HDO Kontrollsenter, LifeX).

    The registration day and the owner are not in the reports (chosen: the project was in
    execution with investment budgets from 2023). The reports give HDO's investment budget
    2025 (139,1 MNOK, of which 126,1 MNOK expected used per August), invoices for 63,1 MNOK
    against it per August and 112,2 MNOK activated for the 2025 programme, but not split per
    project: the split below (KAK 98,0 MNOK, Medielogg 21,0 MNOK, the rest other
    investments) and the earned values are illustrative. The reports give no cost frame
    figures ("innenfor handlingsrommet av total prosjektramme"), so none is recorded.
    """
    return [
        _event(
            KAK,
            "ProjectRegistered",
            "2022-12-01",
            "2025-01-06 09:00",
            SECRETARIAT,
            name="KAK – ny felles kommunikasjonsløsning i akuttmedisinsk kjede (HDO Kontrollsenter, LifeX)",
            organisation=HDO,
            phase="execution",
            owner="Administrerende direktør, HDO",
            purpose=(
                "Innføre ny felles kommunikasjonsløsning (LifeX fra Frequentis) på alle landets akuttmottak, "
                "AMK- og legevaktsentraler, og fase ut dagens ICCS."
            ),
        ),
        # T1: delleveranse 1 is in an acceptance test that finds more faults than reported.
        _status(
            KAK,
            T1_END,
            "2025-05-06 10:00",
            KAK_LEAD,
            "red red yellow green red red yellow",
            comment=(
                "Delleveranse 1 fra Frequentis ble mottatt ved utgangen av februar og er i omfattende "
                "akseptansetest."
            ),
            deviation=(
                "Testene avdekket flere feil enn rapportert av leverandøren, noe som forlenger testperioden "
                "betydelig."
            ),
            consequence_note=(
                "Pilot og utrulling av LifeX forsinkes; merkostnader i 2026 varsles i tertialrapport 1."
            ),
            measures=[
                "Frequentis leverer fortløpende feilrettinger for feil som avdekkes av HDO",
                "Forhandle kontraktstillegg og kompensasjon med Frequentis",
            ],
        ),
        _financials(KAK, T1_END, "2025-05-06 10:05", KAK_LEAD, 98.0, 98.0, 21.4, 17.9),
        # T2, as reported for the board meeting of 11 September (board case 27-2025).
        _status(
            KAK,
            T2_END,
            "2025-09-02 10:00",
            KAK_LEAD,
            "yellow red green yellow yellow red yellow",
            comment=(
                "Det er i perioden fremforhandlet et kontraktstillegg med Frequentis. Delleveranse 1 er "
                "godkjent, og to legevaktsentraler, to AMK-sentraler og ett akuttmottak ble satt i pilot i "
                "juni. "
                "Delleveranse 2 ble levert 20. juni og er i akseptansetest."
            ),
            deviation=(
                "På AMK gjennomføres en begrenset pilot: integrasjon med kart- og oppdragsverktøyet er ikke "
                "på "
                "plass. En fullverdig pilot på AMK kan tidligst gjennomføres inn mot sommeren 2026."
            ),
            consequence_note=(
                "Oppstart av avskrivninger forventes i november 2025, fem måneder senere enn lagt til grunn "
                "i "
                "budsjettet."
            ),
            measures=[
                "Tidlig test av kritisk feilretting fra og med uke 33; leveranse i uke 39",
                "Arbeid på tvers av foretaket for å starte innføring av små kontrollrom i uke 44",
                "Kompensasjonsavtale med Frequentis for merkostnader i 2026",
            ],
        ),
        _financials(KAK, T2_END, "2025-09-03 09:30", KAK_LEAD, 98.0, 89.3, 44.6, 38.5),
        # A late correction (chosen): a Frequentis invoice of August was booked after the
        # report. T2 as the board saw it shows 44,6 MNOK actual; as known now 46,1 MNOK.
        _financials(KAK, T2_END, "2025-10-14 13:20", KAK_LEAD, 98.0, 89.3, 46.1, 38.5),
        # T3, per the annual report.
        _status(
            KAK,
            T3_END,
            "2026-01-08 10:00",
            KAK_LEAD,
            "yellow red green yellow green red yellow",
            comment=(
                "Første delmilepæl ble godkjent 24. oktober. LifeX og Medielogg ble innført i ytterligere "
                "seks små "
                "kontrollrom i ukene 46–48, og nasjonal utrullingsplan for legevaktsentraler og akuttmottak "
                "ble "
                "godkjent av prosjektstyret 17. desember 2025."
            ),
            deviation=(
                "Innføringen for AMK-sentraler er foreløpig avventende: fullverdig drift krever integrasjon "
                "mellom "
                "LifeX og oppdragshåndteringsverktøyet (AMIS/Transmed eller Locus Emergency)."
            ),
            consequence_note=(
                "Ferdigstillelse av prosjektet ventes om lag seks måneder forsinket, med ny forventet "
                "sluttføring "
                "sommeren 2027."
            ),
            measures=[
                "Innføring i de resterende 141 små kontrollrommene i løpet av 2026",
                (
                    "Videreføre dialogen med Nasjonalt AMK-prosjekt om integrasjon mellom LifeX og Locus "
                    "Emergency"
                ),
            ],
        ),
        _financials(KAK, T3_END, "2026-01-08 10:05", KAK_LEAD, 98.0, 87.6, 80.4, 76.0),
    ]


def medielogg_project() -> list[Command]:
    """HDO Medielogg: ny nasjonal medielogg, innført sammen med LifeX (figures illustrative,
    see `kak_project`)."""
    return [
        _event(
            MEDIELOGG,
            "ProjectRegistered",
            "2023-01-02",
            "2025-01-06 09:10",
            SECRETARIAT,
            name="HDO Medielogg – ny nasjonal medielogg",
            organisation=HDO,
            phase="execution",
            owner="Leder for tjenesteleveranser, HDO",
            purpose=(
                "Nasjonal løsning for logging og lagring av samtaler fra kommunikasjonsløsningen, med "
                "transkribering, som innføres sammen med LifeX."
            ),
        ),
        _status(
            MEDIELOGG,
            T1_END,
            "2025-05-06 11:00",
            MEDIELOGG_LEAD,
            "yellow yellow green green yellow yellow green",
            comment="Medielogg følger KAKs prosjektplan og venter på godkjent LifeX-leveranse for pilot.",
            deviation=(
                "A-feil i meldingsflyt fra LifeX gjør at opptak av telefonsamtaler i gitte scenarioer feiler."
            ),
            measures=[
                "Kortsiktig løsning: eksport av alle opptak fra LifeX' korttidslydlogg til lagring hos HDO"
            ],
        ),
        _financials(MEDIELOGG, T1_END, "2025-05-06 11:05", MEDIELOGG_LEAD, 21.0, 21.0, 4.6, 4.2),
        # T2 as first reported: quality green, since the fix works in the test system.
        _status(
            MEDIELOGG,
            T2_END,
            "2025-09-02 11:00",
            MEDIELOGG_LEAD,
            "yellow yellow green green green yellow green",
            comment=(
                "Prosjektet har gått i pilot sammen med LifeX, og løsningen er tilgjengelig for "
                "pilotkundene. "
                "Frequentis AG har levert en feilretting for A-feilen som er verifisert i testsystemet."
            ),
            measures=[
                "Få LifeX-versjonen med rettelsen i produksjon sammen med KAK",
                "Dialog med NHN om integrasjon mellom NHNs videomotor og Medielogg",
            ],
        ),
        _financials(MEDIELOGG, T2_END, "2025-09-03 09:40", MEDIELOGG_LEAD, 21.0, 17.8, 9.8, 9.1),
        # A late correction (chosen): after the board meeting the project lead corrects the
        # T2 quality rating, because the fix was not yet in production on 31 August.
        _status(
            MEDIELOGG,
            T2_END,
            "2025-09-22 14:30",
            MEDIELOGG_LEAD,
            "yellow yellow green green yellow yellow green",
            comment=(
                "Korrigert vurdering per 31. august: feilrettingen for A-feilen er verifisert i "
                "testsystemet, men "
                "ikke satt i produksjon; pilotkundene har fortsatt den kortsiktige løsningen."
            ),
            deviation="A-feil i meldingsflyt fra LifeX er ikke rettet i produksjon per 31. august.",
            measures=[
                "Få LifeX-versjonen med rettelsen i produksjon sammen med KAK",
                "Dialog med NHN om integrasjon mellom NHNs videomotor og Medielogg",
            ],
        ),
        _status(
            MEDIELOGG,
            T3_END,
            "2026-01-08 11:00",
            MEDIELOGG_LEAD,
            "green green green green green yellow green",
            comment=(
                "HDO Medielogg er implementert og pilotert i henhold til prosjektplanen. Kundens "
                "akseptansetest "
                "ble godkjent, og løsningen er ved utgangen av 2025 i en stabiliseringsperiode før endelig "
                "godkjenning. Transkriberingsfunksjonen har fått gode tilbakemeldinger."
            ),
            measures=[
                "Ferdigstille driftsprosesser og overvåkning av løsningen ved årsskiftet",
                "Følge KAKs utrullingsplan for de små kontrollrommene i 2026",
            ],
        ),
        # Recorded a few days after the other year-end figures (chosen).
        _financials(MEDIELOGG, T3_END, "2026-01-12 09:15", MEDIELOGG_LEAD, 21.0, 17.5, 17.3, 16.9),
    ]


def nytt_nodnett_project() -> list[Command]:
    """Nytt nødnett: HDO leads and coordinates the health service's part. The reports give
    no HDO investment figures for it, so it has status assessments but no financials."""
    return [
        _event(
            NNN,
            "ProjectRegistered",
            "2024-01-02",
            "2025-01-06 09:20",
            SECRETARIAT,
            name="Nytt nødnett – helsetjenestens deltakelse",
            organisation=HDO,
            phase="concept",
            owner="Leder for forretningsutvikling, HDO",
            purpose=(
                "Lede og koordinere helsetjenestens arbeid med neste generasjon nødnett, og representere "
                "helsetjenesten i det nasjonale nytt nødnett-prosjektet."
            ),
        ),
        _status(
            NNN,
            T1_END,
            "2025-05-06 12:00",
            NNN_LEAD,
            "green green green green green yellow green",
            comment=(
                "HDO bistår DSB i videreutvikling av sentralt styringsdokument (SSD) frem mot KS2, og "
                "helsetjenestens ressursgruppe deltar i forberedelser til anskaffelser."
            ),
            measures=["Etablere arena for test og utvikling på tvers av nød- og beredskapsaktørene"],
        ),
        _status(
            NNN,
            T2_END,
            "2025-09-02 12:00",
            NNN_LEAD,
            "yellow yellow green green green yellow green",
            comment=(
                "Den 12. juni ble det offentliggjort en ny tidsambisjon: brukermigrering er skjøvet fra "
                "2028–2029 "
                "til 2030–2031. Den 29. august overtok DFD og Nkom ansvaret for nytt nødnett-prosjektet med "
                "umiddelbar virkning."
            ),
            deviation="Brukermigrering skjøvet fra perioden 2028–2029 til 2030–2031.",
            consequence_note=(
                "Tidslinje og tidspunkt for avvikling av dagens nett (31.12.2031) opprettholdes."
            ),
            measures=[
                "Prioritere etablering av prosjektorganisasjon for gjennomføringsprosjektet i helsetjenesten",
                "Rette fokus i tverretatlig styringsgruppe på risiko knyttet til styring og organisering",
                (
                    "Kartlegge kommunikasjonsbehov hos utvidede brukergrupper (hjemmetjeneste, nødnett i "
                    "sykehus, "
                    "rus og psykiatri)"
                ),
            ],
        ),
        _status(
            NNN,
            T3_END,
            "2026-01-08 12:00",
            NNN_LEAD,
            "yellow yellow green yellow green yellow green",
            comment=(
                "Med ansvarsoverføringen fulgte et nytt løsningskonsept, «konsept S». Nkoms utredning ble "
                "overlevert DFD 12. desember og omfatter plan for forprosjektet våren 2026."
            ),
            deviation=(
                "Nytt løsningskonsept (konsept S) og nytt forprosjekt; avviklingstidspunktet ligger fast."
            ),
            measures=[
                "Bruke sluttrapporten fra innsiktsarbeidet som innspill til forprosjektet våren 2026",
                (
                    "Sikkerhetsmessig verdivurdering av nytt nødnett sammen med helseforetak, KS og "
                    "beredskapsmiljøer"
                ),
            ],
        ),
    ]


# Milestones -----------------------------------------------------------------------------


def kak_milestones() -> list[Command]:
    """KAK's milestones. The original baselines (as of January 2025) are not in the reports
    and are chosen; the achieved days are the reports' (delleveranse 1 received at the end
    of February; pilot from 2 June, in all five control rooms by mid-June; delleveranse 2 on
    20 June; first sub-milestone 24 October; introductions in weeks 46–48; rollout plan 17
    December). The reports disagree on the day delleveranse 1 was approved for pilot (the
    August report: pilot from 2 June; the annual report: "i midten av juni"): it is recorded
    as approved on 2 June, and the pilot as established in all five rooms on 16 June.
    """
    p, lead = KAK, KAK_LEAD
    return [
        _planned(
            p,
            "DL1",
            "Delleveranse 1 mottatt fra Frequentis",
            "delivery",
            "2025-02-28",
            OPENING,
            "2025-01-06 10:00",
            lead,
        ),
        _planned(
            p,
            "DL1-GODKJENT",
            "Delleveranse 1 akseptansetestet og godkjent for pilot",
            "milestone",
            "2025-03-31",
            OPENING,
            "2025-01-06 10:01",
            lead,
        ),
        _planned(
            p,
            "PILOT",
            "Pilotdrift av LifeX i fem kontrollrom",
            "milestone",
            "2025-04-22",
            OPENING,
            "2025-01-06 10:02",
            lead,
        ),
        _planned(
            p,
            "DL2",
            "Delleveranse 2 (ny programvare) levert fra Frequentis",
            "delivery",
            "2025-05-30",
            OPENING,
            "2025-01-06 10:03",
            lead,
        ),
        _planned(
            p,
            "AMK",
            "Oppstart innføring på AMK-sentraler",
            "milestone",
            "2026-01-12",
            OPENING,
            "2025-01-06 10:04",
            lead,
        ),
        _planned(
            p,
            "FERDIG",
            "KAK ferdigstilt: LifeX innført i alle kontrollrom",
            "milestone",
            "2026-12-31",
            OPENING,
            "2025-01-06 10:05",
            lead,
        ),
        _achieved(
            p,
            "DL1",
            "2025-02-28",
            "2025-03-03 09:30",
            lead,
            note="Mottatt ved utgangen av februar; omfattende akseptansetest starter.",
        ),
        _forecast(
            p,
            "DL1-GODKJENT",
            "2025-05-30",
            "Akseptansetesten avdekket flere feil enn rapportert av leverandøren; testperioden forlenges.",
            "2025-03-20",
            "2025-03-20 15:00",
            lead,
        ),
        _forecast(
            p,
            "PILOT",
            "2025-06-02",
            "Pilot forutsetter godkjent delleveranse 1.",
            "2025-03-20",
            "2025-03-20 15:01",
            lead,
        ),
        # Kontraktstillegg 1 redefines the schedule; delleveranse 2 is moved with it.
        _event(
            keys.milestone("KAK", "DL2"),
            "MilestoneRebaselined",
            "2025-05-28",
            "2025-05-28 15:30",
            lead,
            baseline_on="2025-06-20",
            reason="Fremdriftsplanen er redefinert i kontraktstillegget med Frequentis.",
            amendment_ref="KAK-FREQUENTIS#1",
        ),
        _achieved(
            p,
            "DL1-GODKJENT",
            "2025-06-02",
            "2025-06-02 16:00",
            lead,
            approved_by="KAK-prosjektet, HDO",
            note="Godkjent da delleveransen ikke har blokkerende feil for å sette LifeX i pilot.",
        ),
        _achieved(
            p,
            "PILOT",
            "2025-06-16",
            "2025-06-16 15:00",
            lead,
            note=(
                "Pilot startet 2. juni. Legevaktsentralene i Bodø og Lofoten og akuttmottaket i "
                "Tromsø i full "
                "pilotdrift 24/7; AMK Trondheim og Ålesund i begrenset pilot."
            ),
        ),
        _achieved(
            p,
            "DL2",
            "2025-06-20",
            "2025-06-23 09:00",
            lead,
            note="Ny programvare (delleveranse 2) levert 20. juni; i akseptansetest.",
        ),
        # Planned with the August report (its prosjektrisiko names weeks 39 and 44).
        _planned(
            p,
            "FEILRETTING-U39",
            "Kritisk feilretting levert (uke 39)",
            "delivery",
            "2025-09-26",
            "2025-08-15",
            "2025-08-15 10:00",
            lead,
        ),
        _planned(
            p,
            "INNFORING-SMA",
            "Oppstart innføring i små kontrollrom (uke 44)",
            "milestone",
            "2025-10-27",
            "2025-08-15",
            "2025-08-15 10:01",
            lead,
        ),
        _forecast(
            p,
            "AMK",
            "2026-09-01",
            "En fullverdig pilot på AMK kan tidligst gjennomføres inn mot sommeren 2026: integrasjon "
            "med "
            "kart- og oppdragsverktøyet er ikke på plass.",
            "2025-08-15",
            "2025-08-15 10:02",
            lead,
        ),
        # The settlement's three sub-milestones, first planned from HDO's negotiating
        # position (chosen dates), then fixed by the settlement (`settlement_milestones`).
        _planned(
            p,
            "DM1",
            "Delmilepæl 1: blokkerende feil for innføring i små kontrollrom utbedret",
            "milestone",
            "2025-10-17",
            "2025-09-19",
            "2025-09-19 11:00",
            lead,
        ),
        _planned(
            p,
            "DM2",
            "Delmilepæl 2: øvrig kritisk funksjonalitet for små kontrollrom",
            "milestone",
            "2026-02-27",
            "2025-09-19",
            "2025-09-19 11:01",
            lead,
        ),
        _planned(
            p,
            "DM3",
            "Delmilepæl 3: kritisk funksjonalitet for AMK-sentraler",
            "milestone",
            "2026-06-30",
            "2025-09-19",
            "2025-09-19 11:02",
            lead,
        ),
        # Recorded late: the delivery was confirmed with the sub-milestone work (chosen day).
        _achieved(
            p,
            "FEILRETTING-U39",
            "2025-09-26",
            "2025-10-06 09:00",
            lead,
            note="Kritisk feilretting levert i uke 39; testet før oppstart innføring.",
        ),
        _achieved(
            p,
            "DM1",
            "2025-10-24",
            "2025-10-24 15:00",
            lead,
            approved_by="HDO",
            note=(
                "Bekreftet at alle blokkerende feil for innføring i små kontrollrom "
                "(legevaktsentraler og "
                "akuttmottak) er utbedret. Grunnlag for å starte nasjonal utrulling."
            ),
        ),
        _forecast(
            p,
            "INNFORING-SMA",
            "2025-11-10",
            "Innføring i små kontrollrom planlegges i ukene 46–48, etter passering av delmilepæl 1.",
            "2025-10-24",
            "2025-10-24 15:10",
            lead,
        ),
        _achieved(
            p,
            "INNFORING-SMA",
            "2025-11-10",
            "2025-11-10 16:00",
            lead,
            note="LifeX og Medielogg innført i ytterligere seks små kontrollrom i ukene 46–48.",
        ),
        _planned(
            p,
            "UTRULLINGSPLAN",
            "Nasjonal utrullingsplan for legevaktsentraler og akuttmottak godkjent",
            "decision_point",
            "2025-12-17",
            "2025-11-28",
            "2025-11-28 10:00",
            lead,
        ),
        _achieved(
            p,
            "UTRULLINGSPLAN",
            "2025-12-17",
            "2025-12-17 15:30",
            lead,
            approved_by="Prosjektstyret KAK (sak KAK-PS/09-2025)",
            note="Innføring i de resterende 141 små kontrollrommene i løpet av 2026.",
        ),
        _forecast(
            p,
            "AMK",
            "2026-10-01",
            "Innføringen for AMK-sentraler er foreløpig avventende: integrasjon mellom LifeX og Locus "
            "Emergency er ikke startet, og nasjonal utrullingstakt er usikker.",
            T3_END,
            "2026-01-08 09:00",
            lead,
        ),
        _forecast(
            p,
            "FERDIG",
            "2027-06-30",
            "Forsinkelser i leveranser, uavklarte integrasjonsforutsetninger og manglende grunnlag "
            "for en "
            "detaljert utrullingsplan for AMK-sentralene gir om lag seks måneders forsinkelse.",
            T3_END,
            "2026-01-08 09:01",
            lead,
        ),
    ]


def settlement_milestones() -> list[Command]:
    """The settlement (kontraktstillegg 3) fixes the sub-milestones between October 2025
    and September 2026 (the reports give the span; the days are chosen)."""
    reason = (
        "Forliket med Frequentis deler leveranser av kritisk funksjonalitet for små kontrollrom og "
        "AMK-sentraler i tre delmilepæler mellom oktober 2025 og september 2026."
    )
    return [
        _event(
            keys.milestone("KAK", key),
            "MilestoneRebaselined",
            "2025-10-03",
            at,
            KAK_LEAD,
            baseline_on=baseline_on,
            reason=reason,
            amendment_ref="KAK-FREQUENTIS#3",
        )
        for key, baseline_on, at in (
            ("DM1", "2025-10-31", "2025-10-03 14:10"),
            ("DM2", "2026-03-31", "2025-10-03 14:11"),
            ("DM3", "2026-09-30", "2025-10-03 14:12"),
        )
    ]


def medielogg_milestones() -> list[Command]:
    """Medielogg's milestones; baselines and the days of the fix in production and of the
    acceptance test are chosen (the reports give the order of events, not the days)."""
    p, lead = MEDIELOGG, MEDIELOGG_LEAD
    return [
        _planned(
            p,
            "PILOT",
            "Medielogg i pilot sammen med LifeX",
            "milestone",
            "2025-04-22",
            OPENING,
            "2025-01-06 10:10",
            lead,
        ),
        _planned(
            p,
            "AKSEPTANSE",
            "Kundens akseptansetest av HDO Medielogg godkjent",
            "milestone",
            "2025-09-30",
            OPENING,
            "2025-01-06 10:11",
            lead,
        ),
        _planned(
            p,
            "A-FEIL",
            "Feilretting for A-feil i meldingsflyt fra LifeX satt i produksjon",
            "delivery",
            "2025-06-30",
            "2025-04-28",
            "2025-04-28 13:00",
            lead,
        ),
        _achieved(
            p,
            "PILOT",
            "2025-06-16",
            "2025-06-16 15:10",
            lead,
            note="Løsningen er tilgjengelig for pilotkundene.",
        ),
        _forecast(
            p,
            "A-FEIL",
            "2025-10-31",
            "Frequentis AG har levert en feilretting som er verifisert i testsystemet; "
            "produksjonssetting "
            "følger LifeX-versjonen som KAK setter i produksjon.",
            "2025-08-29",
            "2025-08-29 10:00",
            lead,
        ),
        _forecast(
            p,
            "AKSEPTANSE",
            "2025-12-15",
            "Egentester kan først gjennomføres uten restanser når rettelsen er i produksjon.",
            "2025-08-29",
            "2025-08-29 10:01",
            lead,
        ),
        _achieved(
            p,
            "A-FEIL",
            "2025-11-10",
            "2025-11-10 16:10",
            lead,
            note=(
                "LifeX-versjonen med rettelsen er i produksjon; Medielogg piloteres med full funksjonalitet."
            ),
        ),
        _achieved(
            p,
            "AKSEPTANSE",
            "2025-12-12",
            "2025-12-12 14:00",
            lead,
            note="Leveransen ligger innenfor akseptansekriteriene vedrørende antall feil.",
        ),
        _planned(
            p,
            "ENDELIG",
            "Endelig godkjenning etter stabiliseringsperiode",
            "milestone",
            "2026-02-27",
            "2025-12-12",
            "2025-12-12 14:05",
            lead,
        ),
    ]


def nytt_nodnett_milestones() -> list[Command]:
    """Nytt nødnett's milestones as HDO follows them.

    DSB's new timeline of 12 June 2025 is recorded as forecast changes, not rebaselines:
    it is the central project's published ambition, not a decision of an HDO body or an
    amendment of an HDO contract, and a rebaseline must cite one of those. HDO's baseline
    stays until HDO's board adopts the new plan. The dates inside the reported periods
    ("2028–2029", "2030–2031", "2026") are chosen as the periods' first or last days.
    """
    p, lead = NNN, NNN_LEAD
    return [
        _planned(
            p,
            "MIGRERING",
            "Oppstart brukermigrering til nytt nødnett",
            "milestone",
            "2028-01-03",
            OPENING,
            "2025-01-06 10:20",
            lead,
        ),
        _planned(
            p,
            "SSD",
            "Sentralt styringsdokument (SSD) klart for KS2 og Stortingsbehandling",
            "decision_point",
            "2025-12-31",
            OPENING,
            "2025-01-06 10:21",
            lead,
        ),
        _planned(
            p,
            "AVVIKLING",
            "Avvikling av dagens nødnett",
            "milestone",
            "2031-12-31",
            OPENING,
            "2025-01-06 10:22",
            lead,
        ),
        _planned(
            p,
            "INNSIKT",
            "Sluttrapport: kommunikasjonsbehov hos nye og utvidede brukergrupper",
            "delivery",
            "2025-12-31",
            OPENING,
            "2025-01-06 10:23",
            lead,
        ),
        _forecast(
            p,
            "MIGRERING",
            "2030-01-02",
            "Ny tidsambisjon for nytt nødnett offentliggjort av DSB 12. juni 2025: brukermigrering er "
            "skjøvet "
            "fra perioden 2028–2029 til 2030–2031.",
            "2025-06-12",
            "2025-06-13 09:00",
            lead,
        ),
        _forecast(
            p,
            "SSD",
            "2026-06-30",
            "Ny tidsambisjon 12. juni 2025: SSD forventes klart for Stortingsbehandling i 2026, etter "
            "ekstern "
            "kvalitetssikring (KS2).",
            "2025-06-12",
            "2025-06-13 09:01",
            lead,
        ),
        _planned(
            p,
            "UTREDNING",
            "Nkoms utredning av konsept S overlevert DFD",
            "delivery",
            "2025-12-19",
            "2025-09-22",
            "2025-09-22 10:00",
            lead,
        ),
        _achieved(
            p,
            "UTREDNING",
            "2025-12-12",
            "2025-12-15 09:00",
            lead,
            note=(
                "Overlevert DFD 12. desember: re-estimert kostnadsramme, oppdatert "
                "løsningsbeskrivelse, "
                "justert kontraktstrategi og plan for forprosjektet våren 2026."
            ),
        ),
        _achieved(
            p,
            "INNSIKT",
            "2025-12-19",
            "2025-12-19 13:00",
            lead,
            note="Innsiktsarbeidet er sammenstilt i en sluttrapport levert i desember 2025.",
        ),
    ]


# Contract -------------------------------------------------------------------------------


def frequentis_contract() -> list[Command]:
    """The KAK contract with Frequentis AG. The signing day and the amendments' days are
    not in the reports and are chosen: kontraktstillegg 1 before delleveranse 1 was
    approved (the August report: "fremforhandlet i perioden"), the compensation agreement
    in June (the reports: "i juni 2025"), the settlement before the first sub-milestone was
    approved on 24 October. The reports give no amounts for the compensation, so no
    `value_change` is recorded. The annual report's "juridisk prosess" is the dispute.
    """
    c, lead = FREQUENTIS, KAK_LEAD
    return [
        _event(
            c,
            "ContractSigned",
            "2023-01-20",
            "2025-01-06 09:30",
            lead,
            title="Kontrakt om ny felles kommunikasjonsløsning i akuttmedisinsk kjede (LifeX)",
            supplier="Frequentis AG",
            customer="Helsetjenestens driftsorganisasjon for nødnett HF (HDO)",
            signed_on="2023-01-20",
            project="KAK",
        ),
        _event(
            c,
            "ContractDisputeRaised",
            "2025-04-10",
            "2025-04-10 14:00",
            lead,
            description=(
                "Forsinkelser i delleveranse 1: akseptansetesten avdekker flere feil enn rapportert av "
                "leverandøren. HDO varsler krav om kompensasjon for merkostnader ved forsinket utrulling av "
                "LifeX."
            ),
        ),
        _event(
            c,
            "ContractAmended",
            "2025-05-28",
            "2025-05-28 15:00",
            lead,
            amendment_no=1,
            kind="schedule",
            title="Kontraktstillegg: milepælspassering med ikke-blokkerende feil",
            summary=(
                "Tillegget redefinerer fremdriftsplanen slik at kommende milepæler passeres så lenge "
                "blokkerende "
                "feil for å sette løsningen i pilot og drift er levert. Milepæler kan passeres med flere "
                "feil enn "
                "den opprinnelige kontrakten tilsier, så lenge feilene ikke blokkerer videre fremdrift."
            ),
            affected_milestones=["KAK/DL1-GODKJENT", "KAK/PILOT", "KAK/DL2"],
        ),
        _event(
            c,
            "ContractAmended",
            "2025-06-24",
            "2025-06-25 09:00",
            lead,
            amendment_no=2,
            kind="compensation",
            title="Kompensasjonsavtale om merkostnader ved forsinket utrulling av LifeX",
            summary=(
                "HDO inngikk i juni 2025 en kompensasjonsavtale med Frequentis AG vedrørende merkostnader "
                "ved "
                "forsinket utrulling av LifeX. Avtalen kompenserer foretaket for store deler av "
                "merkostnadene i "
                "2026 sammenlignet med hva som ble varslet i tertialrapport 1 2025."
            ),
            affected_milestones=[],
        ),
        _event(
            c,
            "ContractAmended",
            "2025-10-03",
            "2025-10-03 14:00",
            lead,
            amendment_no=3,
            kind="settlement",
            title="Forlik: leveranser av kritisk funksjonalitet delt i tre delmilepæler",
            summary=(
                "Forliket fastsetter økonomisk kompensasjon og at leveranser knyttet til kritisk "
                "funksjonalitet "
                "for små kontrollrom og AMK-sentraler deles i tre delmilepæler mellom oktober 2025 og "
                "september 2026."
            ),
            affected_milestones=["KAK/DM1", "KAK/DM2", "KAK/DM3"],
        ),
        _event(
            c,
            "ContractDisputeResolved",
            "2025-10-03",
            "2025-10-03 14:05",
            lead,
            resolution=(
                "Den juridiske prosessen endte i forlik mellom HDO og Frequentis (kontraktstillegg 3)."
            ),
            amendment_no=3,
        ),
    ]


# Risks ----------------------------------------------------------------------------------
#
# The four enterprise risks at level 8 or higher in management's review per August 2025.
# The reports give titles and descriptions, not scores or owners: the scores (all 8 or
# more, as the report's selection says) and the owners (from HDO's management team) are
# chosen, as are the days the three older risks were identified. OR-851 is the one new
# risk of the period May–August ("Nye risikoer i perioden: 1").


def risk_or_631() -> list[Command]:
    r = OR_631
    return [
        _event(
            r,
            "RiskIdentified",
            "2024-10-01",
            "2025-01-07 09:00",
            RISK_OFFICER,
            title=(
                "Risiko for økte kostnader i 2026 hvis innføring av LifeX/utfasing av ICCS på "
                "AMK-sentralene ikke "
                "kan gjennomføres som følge av avhengigheter til AMK IKT-prosjektet"
            ),
            description=(
                "Innføring av LifeX på AMK-sentralene forutsetter integrasjon mellom LifeX og den nye "
                "AMK-løsningen. "
                "Blir innføringen forsinket, må ICCS driftes lenger."
            ),
            organisation=HDO,
            project="KAK",
            owner="Administrerende direktør",
            probability=3,
            consequence=4,
        ),
        _event(
            r,
            "MitigationAdded",
            "2024-10-01",
            "2025-01-07 09:01",
            RISK_OFFICER,
            mitigation_id="M1",
            description=(
                "Adressere risikoen i KAKs prosjektstyre og i dialog med AMK IKT-prosjektet for å avklare "
                "avhengighetene mellom prosjektenes innføringsplaner."
            ),
            owner="Prosjektleder KAK",
        ),
        _event(
            r,
            "RiskAssessed",
            T2_END,
            "2025-09-02 09:00",
            RISK_OFFICER,
            probability=3,
            consequence=4,
            rationale="Per august 2025 pågår fortsatt avklaringene med AMK IKT-prosjektet.",
        ),
        _event(
            r,
            "RiskAssessed",
            T3_END,
            "2026-01-08 13:00",
            RISK_OFFICER,
            probability=4,
            consequence=4,
            rationale=(
                "AMK IKT-prosjektet har ikke hatt kapasitet til å prioritere integrasjonen mellom LifeX "
                "og den "
                "nye AMK-løsningen i 2025; høy risiko for ytterligere forsinkelser."
            ),
        ),
        _event(
            r,
            "MitigationAdded",
            T3_END,
            "2026-01-08 13:01",
            RISK_OFFICER,
            mitigation_id="M2",
            description=(
                "Videreføre dialogen med Nasjonalt AMK-prosjekt i 2026 for å sikre fremdrift og "
                "avklaringer som "
                "gjør det mulig å planlegge innføring på AMK-sentralene."
            ),
            owner="Prosjektleder KAK",
            due_on="2026-06-30",
        ),
    ]


def risk_or_821() -> list[Command]:
    r = OR_821
    return [
        _event(
            r,
            "RiskIdentified",
            "2024-05-02",
            "2025-01-07 09:10",
            RISK_OFFICER,
            title=(
                "Risiko for forsinkelser i KAK-prosjektet som følge av at LifeX-leveransen ikke blir godkjent"
            ),
            description=(
                "Før innføring gjennomføres godkjenning av kommunikasjonsløsningen LifeX. Kontrakten mellom "
                "HDO og "
                "Frequentis er tydelig på kvalitetskriteriene for at HDO skal kunne godkjenne løsningen."
            ),
            organisation=HDO,
            project="KAK",
            owner="Prosjektleder KAK",
            probability=4,
            consequence=4,
        ),
        _event(
            r,
            "MitigationAdded",
            "2024-05-02",
            "2025-01-07 09:11",
            RISK_OFFICER,
            mitigation_id="M1",
            description="Frequentis leverer fortløpende feilrettinger for feil som avdekkes av HDO.",
            owner="Prosjektleder KAK",
        ),
        _event(
            r,
            "MitigationAdded",
            "2025-04-10",
            "2025-04-10 14:10",
            RISK_OFFICER,
            mitigation_id="M2",
            description=(
                "Forhandle kontraktstillegg slik at milepæler passeres når blokkerende feil for pilot og "
                "drift "
                "er rettet."
            ),
            owner="Prosjektleder KAK",
            due_on="2025-06-30",
        ),
        _event(
            r,
            "MitigationCompleted",
            "2025-05-28",
            "2025-05-28 16:00",
            RISK_OFFICER,
            mitigation_id="M2",
            note="Kontraktstillegg 1 med Frequentis er inngått.",
        ),
        _event(
            r,
            "MitigationAdded",
            "2025-08-15",
            "2025-08-15 11:00",
            RISK_OFFICER,
            mitigation_id="M3",
            description="Tidlig test av kritisk feilretting fra og med uke 33, før leveransen i uke 39.",
            owner="Prosjektleder KAK",
            due_on="2025-09-26",
        ),
        _event(
            r,
            "RiskAssessed",
            T2_END,
            "2025-09-02 09:10",
            RISK_OFFICER,
            probability=3,
            consequence=4,
            rationale=(
                "Delleveranse 1 er godkjent etter kontraktstillegget; delleveranse 2 er i akseptansetest."
            ),
        ),
        _event(
            r,
            "MitigationCompleted",
            "2025-10-24",
            "2025-10-24 15:20",
            RISK_OFFICER,
            mitigation_id="M3",
            note="Delmilepæl 1 godkjent 24. oktober.",
        ),
        _event(
            r,
            "RiskAssessed",
            "2025-10-24",
            "2025-10-24 15:21",
            RISK_OFFICER,
            probability=2,
            consequence=4,
            rationale=(
                "Første delmilepæl er godkjent: alle blokkerende feil for innføring i små kontrollrom er "
                "utbedret."
            ),
        ),
    ]


def risk_or_611() -> list[Command]:
    r = OR_611
    return [
        _event(
            r,
            "RiskIdentified",
            "2024-09-02",
            "2025-01-07 09:20",
            RISK_OFFICER,
            title=(
                "Risiko for at utsettelse av LifeX på AMK medfører økte kostnader til drift og vedlikehold "
                "av dagens "
                "VMware-plattform"
            ),
            description=(
                "I dag har alle AMK egne VMware-clustere med tilhørende SAN-diskløsninger. Disse løper ut på "
                "service og garanti. Det er en viss usikkerhet knyttet til behov for ytterligere "
                "utskiftinger innen "
                "alle AMK er over på LifeX, herunder tilhørende lisensiering."
            ),
            organisation=HDO,
            project="KAK",
            owner="Leder for tjenesteleveranser",
            probability=3,
            consequence=3,
        ),
        _event(
            r,
            "MitigationAdded",
            "2024-09-02",
            "2025-01-07 09:21",
            RISK_OFFICER,
            mitigation_id="M1",
            description=(
                "Bytte utstyr på AMK til HDO-driftet Dell Robo-cluster (byttet på 7 AMK per august 2025)."
            ),
            owner="Leder for tjenesteleveranser",
        ),
        _event(
            r,
            "MitigationAdded",
            T2_END,
            "2025-09-02 09:20",
            RISK_OFFICER,
            mitigation_id="M2",
            description=(
                "Kartlegge behov for ytterligere utskiftinger og lisensiering inntil alle AMK er over på "
                "LifeX."
            ),
            owner="Leder for tjenesteleveranser",
            due_on="2026-03-31",
        ),
        _event(
            r,
            "RiskAssessed",
            T2_END,
            "2025-09-02 09:21",
            RISK_OFFICER,
            probability=3,
            consequence=3,
            rationale="Utstyr er byttet på 7 AMK; usikkerhet om ytterligere utskiftinger består.",
        ),
    ]


def risk_or_851() -> list[Command]:
    r = OR_851
    return [
        _event(
            r,
            "RiskIdentified",
            "2025-06-30",
            "2025-07-01 10:00",
            RISK_OFFICER,
            title=(
                "Risiko for kapasitetsutfordringer i interne driftsforberedelser som følge av belastning fra "
                "KAK-prosjektet"
            ),
            description=(
                "KAK-prosjektet har medført betydelig økt arbeidsmengde knyttet til test, akseptanse og "
                "godkjenning "
                "av programvare, inkludert flere ikke-planlagte oppdateringer. Dette har redusert HDOs "
                "kapasitet "
                "til å ferdigstille interne driftsprosesser og prosedyrer i tråd med innføringsplanen for "
                "LifeX."
            ),
            organisation=HDO,
            project="KAK",
            owner="Leder for tjenesteleveranser",
            probability=3,
            consequence=4,
        ),
        _event(
            r,
            "MitigationAdded",
            "2025-06-30",
            "2025-07-01 10:01",
            RISK_OFFICER,
            mitigation_id="M1",
            description=(
                "Ansette to nye personalledere for tettere medarbeideroppfølging; den siste på plass 1. "
                "oktober."
            ),
            owner="Administrerende direktør",
            due_on="2025-10-01",
        ),
        _event(
            r,
            "MitigationAdded",
            T2_END,
            "2025-09-02 09:30",
            RISK_OFFICER,
            mitigation_id="M2",
            description="Prioritere revidering av driftsprosesser og prosedyrer før oppstart innføring.",
            owner="Leder for tjenesteleveranser",
            due_on="2025-12-31",
        ),
        _event(
            r,
            "RiskAssessed",
            T2_END,
            "2025-09-02 09:31",
            RISK_OFFICER,
            probability=3,
            consequence=4,
            rationale="Piloteringen av LifeX i juni ga flere AML-brudd og mye overtid.",
        ),
        _event(
            r,
            "MitigationCompleted",
            "2025-10-01",
            "2025-10-01 09:00",
            RISK_OFFICER,
            mitigation_id="M1",
            note="Den siste personallederen er på plass 1. oktober.",
        ),
    ]


# Board cases ----------------------------------------------------------------------------

_REPORTED_SUBJECTS = [
    str(KAK),
    str(MEDIELOGG),
    str(NNN),
    str(FREQUENTIS),
    str(OR_631),
    str(OR_821),
    str(OR_611),
    str(OR_851),
]


def board_case_t1() -> list[Command]:
    """HDO's board, case 22-2025. The annual report names the case (where HDO proposed to
    drop the accessibility directive as a separate assignment); we take it to be the
    business report per April 2025 (tertial report 1). Its meeting day and decision text
    are chosen; the meeting lies before the June compensation agreement, which is compared
    with what "ble varslet i tertialrapport 1 2025"."""
    return [
        _event(
            CASE_T1,
            "BoardCaseRegistered",
            "2025-05-15",
            "2025-05-15 12:00",
            SECRETARIAT,
            body="HDO",
            case_no="22-2025",
            title="Virksomhetsrapport per april 2025 (tertialrapport 1)",
            meeting_on="2025-05-22",
            refs=[str(KAK), str(MEDIELOGG), str(NNN), str(FREQUENTIS), str(OR_631), str(OR_821), str(OR_611)],
        ),
        _event(
            CASE_T1,
            "BoardDecisionRecorded",
            "2025-05-22",
            "2025-05-23 09:00",
            SECRETARIAT,
            decided_on="2025-05-22",
            text=(
                "Styret tar virksomhetsrapport per april 2025 til orientering og slutter seg til forslaget "
                "om å "
                "fjerne tilgjengelighetsdirektivet som eget virksomhetsspesifikt oppdrag."
            ),
            refs=[str(KAK)],
        ),
    ]


def board_case_t2() -> list[Command]:
    """HDO's board, case 27-2025: the business report per August 2025 (tertial report 2),
    attachment 1 of the case. The meeting day and the wording of the decision are chosen."""
    return [
        _event(
            CASE_T2,
            "BoardCaseRegistered",
            "2025-09-04",
            "2025-09-04 12:00",
            SECRETARIAT,
            body="HDO",
            case_no="27-2025",
            title=(
                "Virksomhetsrapport per august 2025 (tertialrapport 2), med ledelsens gjennomgang av "
                "virksomhetsrisiko"
            ),
            meeting_on="2025-09-11",
            refs=[*_REPORTED_SUBJECTS, str(CASE_T1)],
        ),
        _event(
            CASE_T2,
            "BoardDecisionRecorded",
            "2025-09-11",
            "2025-09-12 09:00",
            SECRETARIAT,
            decided_on="2025-09-11",
            text=(
                "Styret tar virksomhetsrapport per august 2025, herunder ledelsens gjennomgang av "
                "foretakets åpne "
                "risikoer på nivå 8 eller høyere, til orientering."
            ),
            refs=[str(KAK), str(OR_631), str(OR_821), str(OR_611), str(OR_851)],
        ),
    ]


def board_case_rollout() -> list[Command]:
    """The KAK project board (prosjektstyret, body KAK-PS) approving the national rollout
    plan on 17 December 2025. The case number and registration day are chosen."""
    return [
        _event(
            CASE_ROLLOUT,
            "BoardCaseRegistered",
            "2025-12-10",
            "2025-12-10 12:00",
            SECRETARIAT,
            body="KAK-PS",
            case_no="09-2025",
            title="Nasjonal utrullingsplan for legevaktsentraler og akuttmottak",
            meeting_on="2025-12-17",
            refs=[
                str(KAK),
                "milestone:KAK/UTRULLINGSPLAN",
                "milestone:KAK/DM1",
                "milestone:KAK/INNFORING-SMA",
            ],
        ),
        _event(
            CASE_ROLLOUT,
            "BoardDecisionRecorded",
            "2025-12-17",
            "2025-12-17 15:00",
            SECRETARIAT,
            decided_on="2025-12-17",
            text=(
                "Prosjektstyret godkjenner nasjonal utrullingsplan for legevaktsentraler og akuttmottak, med "
                "innføring i de resterende 141 små kontrollrommene i løpet av 2026. Innføring på "
                "AMK-sentraler "
                "avventer integrasjon mellom LifeX og oppdragshåndteringsverktøyet."
            ),
            refs=[str(KAK), "milestone:KAK/UTRULLINGSPLAN"],
        ),
    ]


# The history ----------------------------------------------------------------------------


def demo_commands() -> list[Command]:
    """Every event of the demo history, in the order it was recorded."""
    stories = [
        kak_project(),
        medielogg_project(),
        nytt_nodnett_project(),
        frequentis_contract(),
        kak_milestones(),
        settlement_milestones(),
        medielogg_milestones(),
        nytt_nodnett_milestones(),
        risk_or_631(),
        risk_or_821(),
        risk_or_611(),
        risk_or_851(),
        board_case_t1(),
        board_case_t2(),
        board_case_rollout(),
    ]
    commands = [command for story in stories for command in story]
    # A stable sort: events recorded at the same instant keep the stories' order.
    return sorted(commands, key=lambda command: command.recorded_at or "")


def load_demo(ledger: Ledger) -> int:
    """Store the demo history in an empty store, in one transaction; return the number of
    events. A store that already holds events is refused with `DemoError`, unchanged."""
    held = ledger.position()
    if held:
        raise DemoError(
            f"the store already holds {held} events; the demo history is only loaded into an empty store"
        )
    try:
        recorded = ledger.record_many(demo_commands(), expected_tail=0)
    except BatchError as error:
        if isinstance(error.cause, ConcurrentAppend):
            raise DemoError(
                "another writer stored events while the demo was being loaded; nothing was stored"
            ) from error
        raise
    return len(recorded)
