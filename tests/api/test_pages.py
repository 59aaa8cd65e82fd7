"""The pages over HTTP (DOMAIN.md §9): signing in with a token, sessions kept in the store,
where a page may send you next, roles, the security headers, and Norwegian on every page."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from api.app import create_app
from governance.application import Command, Ledger
from governance.keys import SubjectKey
from governance.users import Users
from support import FakeClock
from support.pages import english_enum_values_in, visible_text

PAGES = [
    "/ui/",
    "/ui/?q=KAK",
    "/ui/tertials",
    "/ui/tertials/2025-T2",
    "/ui/tertials/2025-T2?known_at=2025-09-15T12:00",
    "/ui/tertials/2025-T2?compare_to=2025-09-15",
    "/ui/audit?backdated=true&late=true",
    "/ui/board-cases/HDO/27-2025",
    "/ui/projects/KAK",
    "/ui/milestones/KAK/DL2",
    "/ui/risks/OR-821",
    "/ui/contracts/KAK-FREQUENTIS",
    "/ui/audit",
    "/ui/verify",
    "/ui/verify?position=10&hash=0000",
]


def token_for(ledger: Ledger, name: str = "sekretariatet", role: str = "secretariat") -> str:
    return Users(ledger.log).add(name, role)


def sign_in(client: TestClient, token: str, next_path: str = "/ui/") -> object:
    form = client.get("/ui/sign-in", params={"next": next_path})
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    return client.post("/ui/sign-in", data={"token": token, "csrf": csrf[1], "next": next_path})


def test_the_root_redirects_to_the_overview(browser: TestClient) -> None:
    response = browser.get("/")

    assert response.status_code == 303
    assert response.headers["location"] == "/ui/"


def test_a_page_without_a_session_redirects_to_sign_in_and_back_after(
    demo: Ledger, browser: TestClient
) -> None:
    response = browser.get("/ui/risks/OR-821?as_of=2025-08-31")

    assert response.status_code == 303
    assert response.headers["location"] == "/ui/sign-in?next=/ui/risks/OR-821%3Fas_of%3D2025-08-31"

    signed = sign_in(browser, token_for(demo), "/ui/risks/OR-821?as_of=2025-08-31")
    assert signed.status_code == 303
    assert signed.headers["location"] == "/ui/risks/OR-821?as_of=2025-08-31"
    assert browser.get(signed.headers["location"]).status_code == 200


def test_a_session_cookie_is_httponly_and_strict_and_secure_only_over_https(
    demo: Ledger, browser: TestClient
) -> None:
    response = sign_in(browser, token_for(demo))

    cookie = next(
        value for value in response.headers.get_list("set-cookie") if value.startswith("governance_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Secure" not in cookie


def test_behind_a_trusted_proxy_over_https_the_cookie_is_secure(
    demo: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVERNANCE_FORWARDED_ALLOW_IPS", "testclient")
    app = create_app(demo)
    with TestClient(app, follow_redirects=False, headers={"X-Forwarded-Proto": "https"}) as client:
        form = client.get("/ui/sign-in")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None and "Secure" in form.headers["set-cookie"]
        # A Secure cookie is not sent back over the test's plain http: send it by hand.
        response = client.post(
            "/ui/sign-in",
            data={"token": token_for(demo), "csrf": csrf[1], "next": "/ui/"},
            headers={"Cookie": f"governance_sign_in={csrf[1]}"},
        )
    app.state.readmodels.close()

    cookie = next(
        value for value in response.headers.get_list("set-cookie") if value.startswith("governance_session=")
    )
    assert "Secure" in cookie


def test_forwarded_headers_from_an_untrusted_address_are_ignored(demo: Ledger) -> None:
    app = create_app(demo)
    with TestClient(app, follow_redirects=False, headers={"X-Forwarded-Proto": "https"}) as client:
        response = sign_in(client, token_for(demo))
    app.state.readmodels.close()

    cookie = next(
        value for value in response.headers.get_list("set-cookie") if value.startswith("governance_session=")
    )
    assert "Secure" not in cookie


def test_a_bad_token_answers_401_with_the_form_again(demo: Ledger, browser: TestClient) -> None:
    response = sign_in(browser, "gl_not-a-token")

    assert response.status_code == 401
    assert 'name="token"' in response.text and 'type="password"' in response.text
    assert "governance_session=" not in response.headers.get("set-cookie", "")


def test_signing_in_without_the_anti_forgery_value_is_refused(demo: Ledger, browser: TestClient) -> None:
    browser.get("/ui/sign-in")

    response = browser.post("/ui/sign-in", data={"token": token_for(demo), "csrf": "guessed", "next": "/ui/"})

    assert response.status_code == 403
    assert browser.get("/ui/").status_code == 303


def test_a_token_in_the_address_signs_nobody_in(demo: Ledger, browser: TestClient) -> None:
    response = browser.get("/ui/sign-in", params={"token": token_for(demo)})

    assert response.status_code == 200
    assert browser.get("/ui/").status_code == 303


@pytest.mark.parametrize(
    "next_path",
    [
        "https://elsewhere.example/ui/",
        "//elsewhere.example/ui/",
        "/docs",
        "/ui/../docs",
        "/ui\\..\\docs",
        "/uix/",
    ],
)
def test_after_signing_in_only_a_path_under_ui_is_followed(
    demo: Ledger, browser: TestClient, next_path: str
) -> None:
    response = sign_in(browser, token_for(demo), next_path)

    assert response.status_code == 303
    assert response.headers["location"] == "/ui/"


def test_sessions_hold_across_api_processes_and_restarts(demo: Ledger, browser: TestClient) -> None:
    sign_in(browser, token_for(demo))
    cookie = browser.cookies["governance_session"]

    other = create_app(demo)
    with TestClient(other, follow_redirects=False, cookies={"governance_session": cookie}) as client:
        assert client.get("/ui/").status_code == 200
    other.state.readmodels.close()


def test_a_session_ends_eight_hours_after_its_last_page(
    demo: Ledger, browser: TestClient, clock: FakeClock
) -> None:
    sign_in(browser, token_for(demo))
    clock.advance(timedelta(hours=7, minutes=59))
    assert browser.get("/ui/").status_code == 200

    clock.advance(timedelta(hours=7, minutes=59))
    assert browser.get("/ui/").status_code == 200

    clock.advance(timedelta(hours=8, seconds=1))
    assert browser.get("/ui/").status_code == 303


def test_a_session_ends_when_its_user_is_removed(demo: Ledger, browser: TestClient) -> None:
    sign_in(browser, token_for(demo, "revisor", "auditor"))
    assert browser.get("/ui/").status_code == 200

    Users(demo.log).remove("revisor")

    assert browser.get("/ui/").status_code == 303


def test_the_role_is_read_again_on_every_request(demo: Ledger, browser: TestClient) -> None:
    sign_in(browser, token_for(demo, "revisor", "auditor"))
    assert browser.get("/ui/audit").status_code == 200

    demo.log.modify("UPDATE {users} SET role = ? WHERE name = ?", ("viewer", "revisor"))

    assert browser.get("/ui/audit").status_code == 403


@pytest.mark.parametrize("path", ["/ui/audit", "/ui/verify", "/ui/audit.csv"])
def test_the_audit_and_verify_pages_are_for_admin_secretariat_and_auditor(
    demo: Ledger, browser: TestClient, path: str
) -> None:
    sign_in(browser, token_for(demo, "leser", "viewer"))

    assert browser.get(path).status_code == 403


def test_signing_out_needs_the_sessions_anti_forgery_value_and_ends_the_session(
    demo: Ledger, browser: TestClient
) -> None:
    sign_in(browser, token_for(demo))
    page = browser.get("/ui/")
    csrf = BeautifulSoup(page.text, "html.parser").select_one('form[action="/ui/sign-out"] input[name=csrf]')[
        "value"
    ]

    assert browser.post("/ui/sign-out", data={"csrf": "forged"}).status_code == 403
    assert browser.get("/ui/").status_code == 200

    assert browser.post("/ui/sign-out", data={"csrf": csrf}).status_code == 200
    assert browser.get("/ui/").status_code == 303


def test_the_session_id_is_stored_only_as_a_hash(demo: Ledger, browser: TestClient) -> None:
    sign_in(browser, token_for(demo))
    cookie = browser.cookies["governance_session"]

    rows = demo.log.fetch("SELECT id_hash FROM {sessions}")
    assert [row["id_hash"] for row in rows] == [hashlib.sha256(cookie.encode()).hexdigest()]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_in_norwegian_with_a_strict_content_security_policy(
    demo: Ledger, browser: TestClient, path: str
) -> None:
    sign_in(browser, token_for(demo, "admin", "admin"))

    response = browser.get(path)

    assert response.status_code == 200, response.text[:500]
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.html["lang"] == "nb"
    assert english_enum_values_in(visible_text(response.text)) == []
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe" not in policy and "default-src 'none'" in policy
    for script in soup.select("script"):
        assert script.get("src", "").startswith("/static/") and not script.get_text().strip()
    for style in soup.select("style"):
        digest = base64.b64encode(hashlib.sha256(style.get_text().encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert not soup.select("[style]")


def test_the_tertial_page_is_the_document_the_command_writes(demo: Ledger, browser: TestClient) -> None:
    sign_in(browser, token_for(demo))

    soup = BeautifulSoup(browser.get("/ui/tertials/2025-T2").text, "html.parser")

    assert len(soup.select("#risk-matrix [data-count]")) == 25
    assert soup.select_one("#filing")["data-head-hash"] == demo.head_hash(demo.position())
    assert soup.select_one('link[rel="stylesheet"]')["href"] == "/static/ledger.css"


def test_a_picker_time_is_read_as_oslo_time(demo: Ledger, browser: TestClient) -> None:
    sign_in(browser, token_for(demo))

    summer = browser.get("/ui/tertials/2025-T2", params={"known_at": "2025-09-15T12:00"})

    filing = BeautifulSoup(summer.text, "html.parser").select_one("#filing")
    assert int(filing["data-position"]) == demo.position(
        __import__("governance.timemodel", fromlist=["parse_instant"]).parse_instant("2025-09-15T10:00:00Z")
    )
    assert "15.09.2025 kl.\xa012:00" in summer.text


@pytest.mark.parametrize("name", ["known_at", "compare_to"])
def test_a_picker_time_before_the_first_hour_of_the_calendar_reads_as_before_every_event(
    demo: Ledger, browser: TestClient, name: str
) -> None:
    sign_in(browser, token_for(demo))

    response = browser.get("/ui/tertials/2025-T2", params={name: "0001-01-01T00:00"})

    assert response.status_code == 200
    if name == "known_at":
        assert BeautifulSoup(response.text, "html.parser").select_one("#filing")["data-position"] == "0"


def test_a_bad_picker_value_is_answered_in_words(demo: Ledger, browser: TestClient) -> None:
    sign_in(browser, token_for(demo))

    response = browser.get("/ui/tertials/2025-T2", params={"known_at": "i går"})

    assert response.status_code == 422
    assert "known_at" in response.text and "Ugyldig verdi" in response.text


def test_a_subject_that_does_not_exist_is_a_404_page(demo: Ledger, browser: TestClient) -> None:
    sign_in(browser, token_for(demo))

    response = browser.get("/ui/risks/OR-000")

    assert response.status_code == 404
    assert "Finnes ikke" in response.text


def test_subject_pages_mark_backdated_events_and_show_both_times(demo: Ledger, browser: TestClient) -> None:
    sign_in(browser, token_for(demo))

    soup = BeautifulSoup(browser.get("/ui/risks/OR-821").text, "html.parser")

    rows = soup.select("table.history tbody tr")
    assert rows
    first = rows[0].get_text(" ")
    assert "02.05.2024" in first and "07.01.2025 kl." in first.replace("\xa0", " ")
    assert "tilbakedatert" in first


def test_the_verify_page_answers_in_words(demo: Ledger, browser: TestClient) -> None:
    sign_in(browser, token_for(demo))
    position = 20
    head = demo.head_hash(position)

    intact = BeautifulSoup(
        browser.get("/ui/verify", params={"position": position, "hash": head}).text, "html.parser"
    )
    rewritten = BeautifulSoup(
        browser.get("/ui/verify", params={"position": position, "hash": "0" * 64}).text, "html.parser"
    )

    assert intact.select_one("#verify-answer")["data-ok"] == "true"
    assert "Historikken er ikke skrevet om" in intact.select_one("#verify-answer").get_text()
    assert rewritten.select_one("#verify-answer")["data-ok"] == "false"
    assert "skrevet om" in rewritten.select_one("#verify-answer").get_text()


def test_the_api_docs_load_their_assets_from_this_server(browser: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        soup = BeautifulSoup(browser.get(path).text, "html.parser")
        sources = [tag.get("src") or tag.get("href") for tag in soup.select("script[src], link[href]")]
        assert sources and all(source.startswith("/") for source in sources)
        for source in sources:
            assert browser.get(source).status_code == 200


def test_no_token_is_written_to_the_log(
    demo: Ledger, browser: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    token = token_for(demo)
    with caplog.at_level(logging.DEBUG):
        sign_in(browser, token)
        browser.get("/ui/")
        sign_in(browser, "gl_wrong")

    assert token not in caplog.text
    assert browser.cookies["governance_session"] not in caplog.text


def test_the_audit_csv_is_the_apis_csv_with_a_byte_order_mark(demo: Ledger, browser: TestClient) -> None:
    sign_in(browser, token_for(demo, "admin", "admin"))
    api = browser.get(
        "/audit", params={"type": "RiskAssessed"}, headers={"Accept": "text/csv", **bearer(demo)}
    )

    page = browser.get("/ui/audit.csv", params={"type": "RiskAssessed"})

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/csv")
    assert "attachment" in page.headers["content-disposition"]
    assert page.content.startswith("\ufeff".encode())
    assert page.content == "\ufeff".encode() + api.content
    assert page.text.count("\r\n") == 1 + sum(1 for e in demo.envelopes() if e["type"] == "RiskAssessed")


def bearer(ledger: Ledger) -> dict[str, str]:
    return {"Authorization": f"Bearer {Users(ledger.log).add('api-reader', 'auditor')}"}


def test_the_audit_page_filters_pages_and_keeps_its_position(demo: Ledger, browser: TestClient) -> None:
    sign_in(browser, token_for(demo, "admin", "admin"))

    first = BeautifulSoup(browser.get("/ui/audit", params={"limit": 10}).text, "html.parser")
    numbers = [int(row.select_one("td").get_text()) for row in first.select("table.events tbody tr")]
    assert numbers == list(range(1, 11))
    next_link = first.select_one('nav.pager a[href*="cursor="]')["href"]

    second = BeautifulSoup(browser.get(next_link).text, "html.parser")
    assert [int(row.select_one("td").get_text()) for row in second.select("table.events tbody tr")] == list(
        range(11, 21)
    )
    backdated = BeautifulSoup(browser.get("/ui/audit", params={"backdated": "true"}).text, "html.parser")
    assert all("tilbakedatert" in row.get_text() for row in backdated.select("table.events tbody tr"))


def test_the_overview_searches_every_kind_by_key_name_or_title(demo: Ledger, browser: TestClient) -> None:
    sign_in(browser, token_for(demo))

    soup = BeautifulSoup(browser.get("/ui/", params={"q": "pilot"}).text, "html.parser")

    rows = soup.select("table.search-results tbody tr")
    kinds = {row.select_one("td").get_text() for row in rows}
    assert "milepæl" in kinds
    assert all("pilot" in row.get_text().casefold() for row in rows)
    assert "Ingen treff" in browser.get("/ui/", params={"q": "finnes-ikke-noe-sted"}).text


def test_the_board_case_shows_the_decision_basis_and_the_corrections_since_the_meeting(
    demo: Ledger, browser: TestClient
) -> None:
    sign_in(browser, token_for(demo))

    now = BeautifulSoup(browser.get("/ui/board-cases/HDO/27-2025").text, "html.parser")
    then = BeautifulSoup(
        browser.get("/ui/board-cases/HDO/27-2025", params={"known_at": "2025-09-11"}).text, "html.parser"
    )

    assert len(now.select(".basis-item")) == len(then.select(".basis-item")) > 0
    corrections = now.select("table.corrections tbody tr")
    assert corrections, "the demo corrects what the board saw on 11 September"
    assert now.select("table.corrections ~ table.events tbody tr")
    assert then.select("table.corrections") == []
    assert "Ingenting styret bygde på, er rettet siden møtet" in then.get_text()


def test_the_tertial_page_marks_changes_since_an_earlier_reading(demo: Ledger, browser: TestClient) -> None:
    sign_in(browser, token_for(demo))

    soup = BeautifulSoup(
        browser.get("/ui/tertials/2025-T2", params={"compare_to": "2025-09-15"}).text, "html.parser"
    )

    assert len(soup.select("#risk-matrix [data-count-before]")) == 25
    actual = soup.select_one('#finances [data-figure="actual"]')
    assert "changed" in actual["class"] and "44,6" in actual.get_text()
    assert soup.select("#changes table.events tbody tr")
    later = browser.get("/ui/tertials/2025-T2", params={"compare_to": "2026-01-01", "known_at": "2025-09-15"})
    assert later.status_code == 422


def test_a_long_history_shows_its_latest_events_and_all_on_request(
    ledger: Ledger, browser: TestClient
) -> None:
    project = SubjectKey("project", "LANG")
    fields = {"name": "Langt prosjekt", "organisation": "HDO", "phase": "execution", "owner": "Eier"}
    ledger.record(Command(project, "ProjectRegistered", fields, effective_on="2025-01-02"))
    report = {"phase_budget": 10, "forecast": 10, "actual": 1, "earned_value": 1}
    ledger.record_many(
        [
            Command(project, "ProjectFinancialsReported", {**report, "actual": n}, effective_on="2025-02-01")
            for n in range(104)
        ]
    )
    sign_in(browser, token_for(ledger))

    latest = BeautifulSoup(browser.get("/ui/projects/LANG").text, "html.parser")
    everything = BeautifulSoup(
        browser.get("/ui/projects/LANG", params={"history": "all"}).text, "html.parser"
    )

    rows = latest.select("table.history tbody tr")
    assert len(rows) == 100
    assert rows[-1].select_one("td").get_text() == "105"
    assert "de siste 100 av 105" in latest.get_text()
    assert len(everything.select("table.history tbody tr")) == 105
