"""The `governance` command (DOMAIN.md §8). The store is the one `GOVERNANCE_DATABASE_URL`
names (default ``sqlite:///./var/governance.db``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.console import Console

from governance.application import Ledger
from governance.errors import LedgerError
from governance.users import ROLES, Users

if TYPE_CHECKING:
    from governance.registers.sheets import RegisterKind

app = typer.Typer(
    help="The governance ledger: record, read, verify and exchange its history.", no_args_is_help=True
)
users_app = typer.Typer(help="Users and their bearer tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
register_app = typer.Typer(
    help="Registers: the risk register and the milestone plan as spreadsheets, exported and imported.",
    no_args_is_help=True,
)
app.add_typer(register_app, name="register")

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
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes, each with its own read models' loop")
    ] = 1,
) -> None:
    """Serve the HTTP API (one log line per request on standard error)."""
    import uvicorn

    from governance.logs import configure_logging
    from governance.settings import settings

    configure_logging(settings())
    console.print(
        f"Serving the governance ledger on http://{host}:{port} (API docs at /docs),"
        f" {workers} worker process{'es' if workers > 1 else ''}"
    )
    # Our own request log replaces uvicorn's access log; uvicorn's other lines go through
    # the same handler, as configured above (and again in each worker, by the factory).
    # Forwarded headers are trusted by the app itself, from GOVERNANCE_FORWARDED_ALLOW_IPS only.
    uvicorn.run(
        "api.app:served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The user's name, recorded as the actor of its events")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}")],
    project: Annotated[
        list[str] | None, typer.Option(help="A project a project_lead writes for (repeatable)")
    ] = None,
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
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing (successfully) if the store holds events")
    ] = False,
    token: Annotated[
        bool, typer.Option("--token", help=f"Also print a fresh token for the admin user {DEMO_ADMIN}")
    ] = False,
) -> None:
    """Load the demo history (HDO 2025, from its board reports) into an empty store."""
    from governance.demo import load_demo

    with opened() as ledger:
        if ledger.position() and if_empty:
            console.print(
                f"The store already holds {ledger.position()} events; the demo is not loaded again."
            )
        else:
            count = load_demo(ledger)
            console.print(f"Loaded the demo history: {count} events.")
        if token:
            users = Users(ledger.log)
            fresh = users.rotate(DEMO_ADMIN) if users.get(DEMO_ADMIN) else users.add(DEMO_ADMIN, "admin")
            print(f"Demo admin token (user {DEMO_ADMIN}):")
            print(fresh)


@app.command("verify")
def verify_command(
    position: Annotated[
        int | None, typer.Option(min=0, help="Check only the first POSITION events (a filed head's position)")
    ] = None,
    hash_: Annotated[
        str | None, typer.Option("--hash", help="The head hash the first POSITION events must still end in")
    ] = None,
) -> None:
    """Recompute the integrity chain; exit 1 and name the first broken seq if it breaks."""
    from governance.integrity import verify

    if hash_ is not None and position is None:
        console.print(
            "[red]--hash needs --position:[/red] the position the head hash was taken at", soft_wrap=True
        )
        raise typer.Exit(2)
    with opened() as ledger:
        result = verify(ledger, position=position, expected_hash=hash_)
    print(orjson.dumps(result.as_dict()).decode())
    if result.ok:
        console.print(
            f"The chain is intact: {result.checked} events, head hash {result.head_hash}.", soft_wrap=True
        )
        return
    where = f"at seq {result.broken_at}" if result.broken_at is not None else "at its head"
    console.print(f"[red]The chain breaks {where}:[/red] {result.reason}", soft_wrap=True)
    raise typer.Exit(1)


@app.command("import")
def import_command(
    file: Annotated[str, typer.Argument(help="A §7 file of JSON lines; - reads standard input")],
) -> None:
    """Import another system's history (§7): all lines, or none and the first bad line."""
    import shutil
    import sys
    import tempfile

    from governance.exchange import ImportRefused, import_stream

    with opened() as ledger, tempfile.TemporaryFile() as spooled:
        try:
            if file == "-":
                # Standard input is spooled first: the append lock is not held while it trickles in.
                shutil.copyfileobj(sys.stdin.buffer, spooled)
                spooled.seek(0)
                imported = import_stream(ledger, spooled)
            else:
                try:
                    stream = open(file, "rb")  # noqa: SIM115 - closed below
                except OSError as error:
                    console.print(f"[red]cannot read {file}:[/red] {error}", soft_wrap=True)
                    raise typer.Exit(2) from error
                with stream:
                    imported = import_stream(ledger, stream)
        except ImportRefused as refusal:
            console.print(f"[red]Refused at line {refusal.line}:[/red] {refusal.reason}", soft_wrap=True)
            console.print("Nothing was imported.", soft_wrap=True)
            raise typer.Exit(1) from refusal
    print(
        f"Imported {imported.imported} events; the log is at position {imported.position}, head hash {imported.head_hash}."
    )


@app.command("export")
def export_command(
    output: Annotated[
        str, typer.Option("-o", "--output", help="Where to write; - (the default) is standard output")
    ] = "-",
) -> None:
    """Export the whole log in the exchange format of §7, one event per line."""
    import os
    import sys

    from governance.exchange import export_to

    with opened() as ledger:
        if output == "-":
            count = export_to(ledger, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            partial = f"{output}.partial"
            try:
                with open(partial, "wb") as stream:
                    count = export_to(ledger, stream)
                os.replace(partial, output)
            except OSError as error:
                console.print(f"[red]cannot write {output}:[/red] {error}", soft_wrap=True)
                raise typer.Exit(2) from error
    console.print(f"Exported {count} events.", soft_wrap=True)


@app.command()
def rebuild(
    restart: Annotated[
        bool, typer.Option("--restart", help="Start over even if an interrupted rebuild can resume")
    ] = False,
) -> None:
    """Drop every read model and rebuild it from the log (an interrupted rebuild resumes)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from governance.projections.runner import ReadModels

    with opened() as ledger:
        models = ReadModels(ledger)
        try:
            total = ledger.position()
            columns = (TextColumn("rebuilding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            with Progress(*columns, console=console) as progress:
                task = progress.add_task("rebuild", total=total)
                position = models.rebuild(
                    progress=lambda applied: progress.update(task, completed=applied), restart=restart
                )
                progress.update(task, completed=position)
        finally:
            models.close()
    console.print(f"Rebuilt the read models from {position} events.")


@app.command()
def report(
    tertial: Annotated[
        str, typer.Argument(help="The tertial, written YYYY-Tn (T1 Jan–Apr, T2 May–Aug, T3 Sep–Dec)")
    ],
    known_at: Annotated[
        str | None,
        typer.Option("--known-at", help="As known at this instant (RFC 3339) or the end of this day"),
    ] = None,
    compare_to: Annotated[
        str | None,
        typer.Option("--compare-to", help="Mark what changed since this earlier reading (instant or day)"),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="html, md or json")] = "md",
    output: Annotated[str, typer.Option("-o", "--output", help="Write to this file ('-' is stdout)")] = "-",
    organisation: Annotated[
        str | None, typer.Option(help="Only this organisation's projects and risks")
    ] = None,
) -> None:
    """The tertial report, with the log's position and head hash a board can file."""
    from governance.projections.changes import tertial_changes
    from governance.projections.runner import ReadModels
    from governance.reports.rendering import FORMATS, render_tertial
    from governance.reports.tertial import gather
    from governance.timemodel import Tertial, TimeFormatError, parse_known_at

    if fmt not in FORMATS:
        console.print(f"[red]unknown format {fmt!r}:[/red] one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    with opened() as ledger:
        try:
            period = Tertial.parse(tertial)
            moment = parse_known_at(known_at, ledger.clock())
            earlier = None if compare_to is None else parse_known_at(compare_to, ledger.clock())
        except TimeFormatError as error:
            console.print(f"[red]invalid time:[/red] {error}")
            raise typer.Exit(2) from error
        if earlier is not None and earlier > moment:
            console.print("[red]--compare-to must not be later than --known-at[/red]")
            raise typer.Exit(2)
        models = ReadModels(ledger)
        try:
            changes = (
                None
                if earlier is None
                else lambda: tertial_changes(
                    models, period, from_known_at=earlier, to_known_at=moment, organisation=organisation
                )
            )
            document = gather(models, period, known_at=moment, organisation=organisation, changes=changes)
            text = render_tertial(document, fmt)
        finally:
            models.close()
    if output == "-":
        sys.stdout.write(text)
    else:
        Path(output).write_text(text, encoding="utf-8")
        console.print(f"Wrote the {fmt} report of {period} to {output}.")


@app.command()
def changes(
    tertial: Annotated[str, typer.Argument(help="The tertial, written YYYY-Tn")],
    from_known_at: Annotated[
        str,
        typer.Option(
            "--from-known-at", help="The earlier reading: an instant (RFC 3339) or a date (its end)"
        ),
    ],
    to_known_at: Annotated[
        str | None, typer.Option("--to-known-at", help="The later reading (default now)")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="md or json")] = "md",
    organisation: Annotated[
        str | None, typer.Option(help="Only this organisation's projects and risks")
    ] = None,
) -> None:
    """What changed in a tertial's snapshot between two readings of the log, and the events
    learnt between them."""
    from governance.projections.changes import tertial_changes
    from governance.projections.runner import ReadModels
    from governance.reports.changes_text import changes_markdown
    from governance.timemodel import Tertial, TimeFormatError, parse_known_at

    if fmt not in ("md", "json"):
        console.print(f"[red]unknown format {fmt!r}:[/red] md or json")
        raise typer.Exit(2)
    with opened() as ledger:
        try:
            period = Tertial.parse(tertial)
            start = parse_known_at(from_known_at, ledger.clock())
            end = parse_known_at(to_known_at, ledger.clock())
        except TimeFormatError as error:
            console.print(f"[red]invalid tertial or time:[/red] {error}")
            raise typer.Exit(2) from error
        models = ReadModels(ledger)
        try:
            answer = tertial_changes(
                models, period, from_known_at=start, to_known_at=end, organisation=organisation
            )
        finally:
            models.close()
    if fmt == "json":
        sys.stdout.write(orjson.dumps(answer, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(changes_markdown(answer))


REGISTER_KINDS_HELP = "risks, mitigations or milestones"


def _register_kind(kind: str) -> RegisterKind:
    from governance.registers.sheets import REGISTER_KINDS

    for known in REGISTER_KINDS:
        if kind == known:
            return known
    console.print(f"[red]unknown register {kind!r}:[/red] {REGISTER_KINDS_HELP}")
    raise typer.Exit(2)


@register_app.command("export")
def register_export(
    kind: Annotated[str, typer.Argument(help=f"The register: {REGISTER_KINDS_HELP}")],
    output: Annotated[
        str,
        typer.Option(
            "-o", "--output", help="A .xlsx or .csv file; - (the default) is CSV on standard output"
        ),
    ] = "-",
    as_of: Annotated[str | None, typer.Option("--as-of", help="The day to read at (default today)")] = None,
    known_at: Annotated[
        str | None,
        typer.Option("--known-at", help="As known at this instant (RFC 3339) or the end of this day"),
    ] = None,
) -> None:
    """Export a register at (as-of, known-at): a workbook for a .xlsx file, else CSV."""
    import os

    from governance.projections.reads import position_at
    from governance.projections.runner import ReadModels
    from governance.registers.export import csv_chunks, register_rows, write_workbook
    from governance.registers.sheets import SHEET_OF, WORKBOOK_SHEETS
    from governance.timemodel import TimeFormatError, parse_as_of, parse_known_at

    register = _register_kind(kind)
    workbook = output.lower().endswith(".xlsx")
    if output != "-" and not workbook and not output.lower().endswith(".csv"):
        console.print(f"[red]cannot tell the format of {output}:[/red] name a .xlsx or .csv file")
        raise typer.Exit(2)
    with opened() as ledger:
        try:
            day = parse_as_of(as_of, ledger.clock())
            moment = parse_known_at(known_at, ledger.clock())
        except TimeFormatError as error:
            console.print(f"[red]invalid time:[/red] {error}")
            raise typer.Exit(2) from error
        models = ReadModels(ledger)
        counts: dict[str, int] = {}
        try:
            position = position_at(models, moment)
            sheets = WORKBOOK_SHEETS[register] if workbook else (SHEET_OF[register],)
            rows = register_rows(models, register, sheets, as_of=day, position=position)
            if output == "-":
                # Bytes, so the CSV's CRLF line ends reach the output as they are.
                for text in csv_chunks(sheets[0], (row for _, row in rows)):
                    sys.stdout.buffer.write(text.encode("utf-8"))
                sys.stdout.buffer.flush()
                return
            partial = f"{output}.partial"
            try:
                with open(partial, "wb") as stream:
                    if workbook:
                        counts = write_workbook(sheets, rows, stream)
                    else:
                        for text in csv_chunks(sheets[0], (row for _, row in rows)):
                            stream.write(text.encode("utf-8"))
                os.replace(partial, output)
            except OSError as error:
                console.print(f"[red]cannot write {output}:[/red] {error}", soft_wrap=True)
                raise typer.Exit(2) from error
        finally:
            models.close()
    written = ", ".join(f"{name} {count} rows" for name, count in counts.items())
    console.print(
        f"Wrote the {register} register at {day} (log position {position}) to {output}"
        + (f": {written}." if written else "."),
        soft_wrap=True,
    )


@register_app.command("import")
def register_import(
    kind: Annotated[str, typer.Argument(help=f"The register: {REGISTER_KINDS_HELP}")],
    file: Annotated[Path, typer.Argument(help="A .xlsx workbook or a .csv file")],
    actor: Annotated[str, typer.Option("--actor", help="Who records the register's events")],
    effective_on: Annotated[
        str | None, typer.Option("--effective-on", help="The day its changes take effect (default today)")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan; store nothing")] = False,
    expected_position: Annotated[
        int | None,
        typer.Option("--expected-position", help="Store only if the log is still at this position"),
    ] = None,
) -> None:
    """Import a register: plan the events that make the ledger agree with it, show them,
    and store them (unless --dry-run). Exit 1 on a refused file, naming sheet, row and column."""
    from governance.projections.runner import ReadModels
    from governance.registers.importing import FileFormat, LogMoved, import_register, read_register
    from governance.registers.reading import ZIP_MAGIC
    from governance.registers.refusal import RegisterRefused
    from governance.timemodel import TimeFormatError, parse_day

    register = _register_kind(kind)
    try:
        stream = file.open("rb")
    except OSError as error:
        console.print(f"[red]cannot read {file}:[/red] {error}", soft_wrap=True)
        raise typer.Exit(2) from error
    with stream, opened() as ledger:
        today = ledger.today()
        try:
            day = today if effective_on is None else parse_day(effective_on)
        except TimeFormatError as error:
            console.print(f"[red]invalid --effective-on:[/red] {error}")
            raise typer.Exit(2) from error
        if day > today:
            console.print(f"[red]invalid --effective-on:[/red] {day} lies in the future")
            raise typer.Exit(2)
        head = stream.read(4)
        stream.seek(0)
        suffix = file.suffix.lower()
        workbook = suffix == ".xlsx" or (suffix != ".csv" and head == ZIP_MAGIC)
        file_format: FileFormat = "xlsx" if workbook else "csv"
        models = ReadModels(ledger)
        try:
            rows = read_register(register, file_format, stream)
            answer = import_register(
                models,
                register,
                rows,
                effective_on=day,
                dry_run=dry_run,
                expected_position=expected_position,
                actor=actor,
            )
        except RegisterRefused as refusal:
            where = ", ".join(
                part
                for part in (
                    f"ark {refusal.sheet}" if refusal.sheet else "",
                    f"rad {refusal.row}" if refusal.row is not None else "",
                    f"kolonne {refusal.column}" if refusal.column else "",
                )
                if part
            )
            console.print(
                f"[red]Refused{' (' + where + ')' if where else ''}:[/red] {refusal.message}", soft_wrap=True
            )
            console.print(f"  {refusal.message_en}", soft_wrap=True)
            console.print("Nothing was imported.", soft_wrap=True)
            raise typer.Exit(1) from refusal
        except LogMoved as moved:
            console.print(f"[red]{moved.title}:[/red] {moved.detail}", soft_wrap=True)
            raise typer.Exit(1) from moved
        finally:
            models.close()
    print_plan(answer.as_dict())


def print_plan(answer: dict[str, Any]) -> None:
    """A register import's plan and warnings as tables, and what was stored."""
    from rich.table import Table

    out = Console()
    plan = Table(title="Plan", title_justify="left")
    for name in ("Ark", "Rad", "Subjekt", "Hendelse", "Gjelder fra", "Data"):
        plan.add_column(name, overflow="fold")
    for item in answer["plan"]:
        data = ", ".join(f"{name}={value}" for name, value in item["data"].items())
        plan.add_row(
            item["sheet"], str(item["row"]), item["subject"], item["type"], item["effective_on"], data
        )
    out.print(plan if answer["plan"] else "Plan: ingen hendelser (the register agrees with the ledger).")
    if answer["warnings"]:
        warnings = Table(title="Advarsler", title_justify="left")
        for name in ("Ark", "Rad", "Subjekt", "Kolonne", "Advarsel"):
            warnings.add_column(name, overflow="fold")
        for item in answer["warnings"]:
            row = "" if item["row"] is None else str(item["row"])
            warnings.add_row(item["sheet"], row, item["subject"], item["column"] or "", item["message"])
        out.print(warnings)
    where = f"position {answer['position']}, head hash {answer['head_hash']}"
    if answer["stored"]:
        out.print(f"Stored {len(answer['plan'])} events; the plan was made at {where}.", soft_wrap=True)
    else:
        out.print(f"Nothing stored; the plan was made at {where}.", soft_wrap=True)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
