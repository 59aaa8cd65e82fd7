"""An app served by uvicorn on a free loopback port, in a thread of the test process, and
a demo store for the command line."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


@contextmanager
def served(app: Any, **config: Any) -> Iterator[str]:
    """The app's base URL while it is served."""
    settings = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning", **config)
    server = uvicorn.Server(settings)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def demo_env(url: str) -> dict[str, str]:
    """The environment of a command on a new store at `url` holding the demo history."""
    from governance.application import Ledger
    from governance.demo import load_demo

    ledger = Ledger(url)
    load_demo(ledger)
    ledger.close()
    return {"GOVERNANCE_DATABASE_URL": url}
