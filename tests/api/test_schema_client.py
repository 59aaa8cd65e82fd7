"""A client generated from `/openapi.json` with openapi-python-client is typed well
enough for `mypy --strict`, and works: it reads a tertial, writes with If-Match, and
gets a 412 as a parsed problem."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from governance.application import Ledger
from governance.demo import load_demo
from governance.users import Users
from support.servers import served

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
PACKAGE = "governance_ledger_client"

CONFIG = """\
post_hooks: []
content_type_overrides:
  application/x-ndjson: application/octet-stream
  application/jsonl: application/octet-stream
  text/plain: application/octet-stream
  text/csv: application/octet-stream
  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: application/octet-stream
"""
"""Generated clients take the ledger's file formats as bytes."""

USE = '''\
"""Read a tertial, write with If-Match, and handle a 412 as a parsed problem."""

from __future__ import annotations

from governance_ledger_client import AuthenticatedClient
from governance_ledger_client.api.reads import get_tertial
from governance_ledger_client.api.subjects import get_risk
from governance_ledger_client.api.writes import assess_risk
from governance_ledger_client.models import Envelope, Problem, RiskAnswer, RiskAssessedBody, TertialSnapshot


def use(base_url: str, token: str) -> tuple[int, str, int, int, str]:
    client = AuthenticatedClient(base_url=base_url, token=token)
    snapshot = get_tertial.sync("2025-T2", client=client)
    if not isinstance(snapshot, TertialSnapshot):
        raise RuntimeError(f"no snapshot: {snapshot!r}")
    open_count: int = snapshot.risks.open_count
    read = get_risk.sync_detailed("OR-611", client=client)
    if not isinstance(read.parsed, RiskAnswer):
        raise RuntimeError(f"no risk: {read.parsed!r}")
    version: int = read.parsed.version
    etag = read.headers["ETag"]
    body = RiskAssessedBody(probability=2, consequence=3, rationale="Tiltak har virket")
    written = assess_risk.sync("OR-611", client=client, body=body, if_match=etag)
    if not isinstance(written, Envelope):
        raise RuntimeError(f"not written: {written!r}")
    again = assess_risk.sync_detailed("OR-611", client=client, body=body, if_match=etag)
    problem = again.parsed
    if not isinstance(problem, Problem):
        raise RuntimeError(f"no problem: {problem!r}")
    status: int = problem.status
    title: str = problem.title
    return open_count, title, status, written.version - version, written.effective_on.isoformat()
'''


@pytest.fixture
def demo_ledger(tmp_path: Path) -> Iterator[Ledger]:
    ledger = Ledger(f"sqlite:///{tmp_path / 'demo.db'}")
    load_demo(ledger)
    yield ledger
    ledger.close()


def test_a_generated_client_is_typed_and_parses_answers_and_problems(
    demo_ledger: Ledger, tmp_path: Path
) -> None:
    app = create_app(demo_ledger)
    token = Users(demo_ledger.log).add("client", "secretariat")
    (tmp_path / "openapi.json").write_text(json.dumps(app.openapi()), encoding="utf-8")
    (tmp_path / "config.yml").write_text(CONFIG, encoding="utf-8")
    generated = subprocess.run(
        [
            BIN / "openapi-python-client",
            "generate",
            "--path",
            tmp_path / "openapi.json",
            "--output-path",
            tmp_path / PACKAGE,
            "--meta",
            "none",
            "--config",
            tmp_path / "config.yml",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    # Every operation is generated, the file formats' too.
    assert "Endpoint will not be generated" not in generated.stdout + generated.stderr
    assert (tmp_path / PACKAGE / "api" / "integrity_and_exchange" / "import_events.py").exists()
    assert (tmp_path / PACKAGE / "api" / "registers" / "import_register.py").exists()
    tertial = (tmp_path / PACKAGE / "api" / "reads" / "get_tertial.py").read_text(encoding="utf-8")
    assert "-> Problem | TertialSnapshot | None:" in tertial
    (tmp_path / "use_client.py").write_text(USE, encoding="utf-8")

    checked = subprocess.run(
        [BIN / "mypy", "--strict", "--no-incremental", "use_client.py"],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "MYPYPATH": str(tmp_path)},
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    sys.path.insert(0, str(tmp_path))
    try:
        from use_client import use  # type: ignore[import-not-found]  # generated in this test

        with served(app, lifespan="off") as url:
            open_count, title, status, versions, effective_on = use(url, token)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.startswith((PACKAGE, "use_client"))]:
            del sys.modules[name]
    assert open_count == 4
    assert (status, title) == (412, "Version mismatch")
    assert versions == 1
    assert effective_on == demo_ledger.today().isoformat()
