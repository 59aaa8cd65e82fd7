"""The `governance` command (DOMAIN.md §8). The store is the one `GOVERNANCE_DATABASE_URL`
names (default ``sqlite:///./var/governance.db``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console

from governance.application import Ledger
from governance.errors import LedgerError
from governance.users import ROLES, Users

app = typer.Typer(help="The governance ledger: record, read, verify and exchange its history.", no_args_is_help=True)
users_app = typer.Typer(help="Users and their bearer tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")

console = Console(stderr=True)

DEMO_ADMIN = "demo-admin"


@contextmanager
def opened() -> Iterator[Ledger]:
    """The ledger on the configured store; ledger errors end the command with exit code 1."""
    try:
        ledger = Ledger()
    except (OSError, ValueError) as error:
        console.print(f"[red]cannot open the store:[/red] {error}")
        raise typer.Exit(2) from error
    try:
        yield ledger
    except LedgerError as error:
        console.print(f"[red]{error.title}:[/red] {error.detail}")
        raise typer.Exit(1) from error
    finally:
        ledger.close()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
) -> None:
    """Serve the HTTP API."""
    import uvicorn

    from api.app import create_app

    console.print(f"Serving the governance ledger on http://{host}:{port} (API docs at /docs)")
    uvicorn.run(create_app(), host=host, port=port, log_level="info")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The user's name, recorded as the actor of its events")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}")],
    project: Annotated[list[str] | None, typer.Option(help="A project a project_lead writes for (repeatable)")] = None,
) -> None:
    """Create a user; print its bearer token once, alone on the last line."""
    with opened() as ledger:
        token = Users(ledger.log).add(name, role, project or [])
    print(f"Created {role} {name}. Its token is shown once; keep it safe:")
    print(token)


@users_app.command("list")
def users_list() -> None:
    """List users, their roles and projects (never their tokens)."""
    with opened() as ledger:
        for user in Users(ledger.log).all():
            print(f"{user.name}\t{user.role}\t{','.join(sorted(user.projects))}")


@users_app.command("remove")
def users_remove(name: str) -> None:
    """Remove a user: its token stops working."""
    with opened() as ledger:
        Users(ledger.log).remove(name)
    print(f"Removed {name}.")


@app.command()
def demo(
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing (successfully) if the store holds events")] = False,
    token: Annotated[bool, typer.Option("--token", help=f"Also print a fresh token for the admin user {DEMO_ADMIN}")] = False,
) -> None:
    """Load the demo history (HDO 2025, from its board reports) into an empty store."""
    from governance.demo import load_demo

    with opened() as ledger:
        if ledger.position() and if_empty:
            console.print(f"The store already holds {ledger.position()} events; the demo is not loaded again.")
        else:
            count = load_demo(ledger)
            console.print(f"Loaded the demo history: {count} events.")
        if token:
            users = Users(ledger.log)
            fresh = users.rotate(DEMO_ADMIN) if users.get(DEMO_ADMIN) else users.add(DEMO_ADMIN, "admin")
            print(f"Demo admin token (user {DEMO_ADMIN}):")
            print(fresh)


def main() -> None:
    app()
