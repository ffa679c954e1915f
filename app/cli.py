"""The `treaty-api` command. Thin: each command calls into the package. Reads DATABASE_URL
(or `--database-url`)."""

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from app import __version__
from app.config import get_settings
from app.db import make_engine, migrate, transaction
from app.seeding import startup
from app.seeding.errors import SeedErrors
from app.seeding.plan import Report
from app.seeding.startup import setup_lock


class Preference(StrEnum):
    seeds = "seeds"
    api = "api"


HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}
PLAIN = None
"""Plain click help (`--host HOST`, `[REV]`), not rich's boxes with `<str>` placeholders."""


def _commands(help_text: str, **options: object) -> typer.Typer:
    """A command group with plain help and `-h`."""
    return typer.Typer(
        help=help_text,
        no_args_is_help=True,
        context_settings=HELP_OPTIONS,
        rich_markup_mode=PLAIN,
        **options,  # type: ignore[arg-type]
    )


cli = _commands("treaty-api: serve, migrate and seed the treaty database.", add_completion=False)
db_cli = _commands("Database migrations (Alembic).")
cli.add_typer(db_cli, name="db")
seeds_cli = _commands("The seed files: write the database back into them.")
cli.add_typer(seeds_cli, name="seeds")
keys_cli = _commands("API keys for curators (only a hash is stored).")
cli.add_typer(keys_cli, name="keys")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"treaty-api {__version__}")
        raise typer.Exit()


@cli.callback()
def main(
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            metavar="URL",
            help="The database (overrides the DATABASE_URL environment variable).",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """treaty-api: serve, migrate and seed the treaty database."""
    if database_url:
        # Through the environment, so that `serve`'s uvicorn workers see it too.
        os.environ["DATABASE_URL"] = database_url
        get_settings.cache_clear()


# The address and workers of `serve` and `start`: a flag wins over the environment variable
# that platforms set (HOST, PORT, WEB_CONCURRENCY), which wins over the default.
Host = Annotated[
    str, typer.Option("--host", envvar="HOST", metavar="HOST", help="Interface to bind.")
]
Port = Annotated[
    int, typer.Option("--port", envvar="PORT", metavar="PORT", help="Port to listen on.")
]
Workers = Annotated[
    int,
    typer.Option(
        "--workers", envvar="WEB_CONCURRENCY", min=1, metavar="N", help="Worker processes."
    ),
]


@cli.command()
def serve(host: Host = "127.0.0.1", port: Port = 8000, workers: Workers = 1) -> None:
    """Serve the API with uvicorn.

    uvicorn's own proxy-headers handling is off (it trusts 127.0.0.1 by default): the app
    reads X-Forwarded-For from FORWARDED_ALLOW_IPS only. Its access log is off too: the app
    writes its own, with the request id (LOG_FORMAT=json for one JSON object per line).
    """
    import uvicorn

    from app.logging_setup import log_config
    from app.middleware.request_target import RequestTargetProtocol

    with _metrics_shared_by(workers):
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            http=RequestTargetProtocol,
            proxy_headers=False,
            access_log=False,
            log_config=log_config(get_settings().log_format),
        )


@contextmanager
def _metrics_shared_by(workers: int) -> Iterator[None]:
    """With several workers, prometheus_client's multiprocess mode: each worker writes its
    metrics under PROMETHEUS_MULTIPROC_DIR and a scrape sums them. The directory must start
    empty, so a fresh one is made (and removed at exit) unless the operator set one."""
    if workers == 1 or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        yield
        return
    directory = tempfile.mkdtemp(prefix="treaty-api-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    try:
        yield
    finally:
        del os.environ["PROMETHEUS_MULTIPROC_DIR"]
        shutil.rmtree(directory, ignore_errors=True)


@db_cli.command()
def upgrade(
    revision: Annotated[
        str, typer.Argument(metavar="REV", help="Target (default: head).")
    ] = "head",
) -> None:
    """Migrate the database up to REV (default: head)."""
    migrate.upgrade(get_settings().database_url, revision)


@db_cli.command()
def downgrade(
    revision: Annotated[str, typer.Argument(metavar="REV", help="Target, e.g. base or -1.")],
) -> None:
    """Migrate the database down to REV."""
    migrate.downgrade(get_settings().database_url, revision)


@db_cli.command()
def current() -> None:
    """Print the database's current revision."""
    migrate.current(get_settings().database_url)


def _report(report: Report) -> None:
    for line in report.lines():
        typer.echo(line)


def _seed_errors(seeds_dir: Path, exc: SeedErrors) -> typer.Exit:
    for error in exc.errors:
        typer.echo(f"{seeds_dir}/{error}", err=True)
    typer.echo(f"{len(exc.errors)} problem(s) found; nothing was written.", err=True)
    return typer.Exit(code=1)


@cli.command()
def seed(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; change nothing.")
    ] = False,
    prefer: Annotated[
        Preference | None,
        typer.Option(help="Which side wins a conflict (default: neither, the API's stays)."),
    ] = None,
) -> None:
    """Bring the seed files (SEEDS_DIR) into the database without undoing API writes.

    A record whose seed entry changed is updated if nobody changed it over the API since
    the last seed; one changed on both sides is left as the API made it and reported as a
    conflict (exit 1), unless --prefer says which side wins. Deleted over the API stays
    deleted. Every write is in the audit log (actor `seed`), except on a database's first load.
    """
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with setup_lock(engine), progress_bar("seed", "records") as update:
            report = startup.seed(
                engine, settings.seeds_dir, prefer.value if prefer else None, dry_run, update
            )
    except SeedErrors as exc:
        raise _seed_errors(settings.seeds_dir, exc) from None
    finally:
        engine.dispose()
    _report(report)
    if dry_run:
        typer.echo("dry run: nothing was written")
    if report.conflicts:
        raise typer.Exit(code=1)


@seeds_cli.command("dump")
def seeds_dump(
    directory: Annotated[Path, typer.Argument(help="Where to write (created if missing).")],
) -> None:
    """Write the database's curated records as seed files, in the layout of SEEDS_DIR.

    Review API edits as a git diff: `treaty-api seeds dump seeds/ && git diff seeds/`.
    """
    from app.seeding.dump_yaml import DumpError, dump_seeds

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with transaction(engine) as session:
            written = dump_seeds(session, directory, settings.seeds_dir)
    except DumpError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    typer.echo(f"wrote {len(written)} files to {directory}")


@cli.command()
def start(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    workers: Workers = 1,
    serve_: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve once migrated and seeded.")
    ] = True,
) -> None:
    """Migrate, seed and serve: what the container and `make run` do on every start.

    On PostgreSQL an advisory lock makes replicas that start together migrate and seed one
    after the other (the second finds nothing to do). Conflicts are printed and the API's
    version stays; the server starts anyway.
    """
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        report = startup.migrate_and_seed(engine, settings.database_url, settings.seeds_dir)
    except SeedErrors as exc:
        raise _seed_errors(settings.seeds_dir, exc) from None
    finally:
        engine.dispose()
    _report(report)
    if serve_:
        serve(host=host, port=port, workers=workers)


Update = Callable[[int, int | None], None]
"""`update(done, total)`: how far a long command has come (total None while unknown)."""


@contextmanager
def progress_bar(label: str, unit: str) -> Iterator[Update]:
    """A bar with the count and the rate on stderr, drawn only when stderr is a terminal:
    piped or tested, a command prints what it always did and nothing more."""
    if not sys.stderr.isatty():
        yield lambda done, total=None: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        f"{unit}",
        "{task.fields[rate]}",
        TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task(label, total=None, rate="")

        def update(done: int, total: int | None = None) -> None:
            speed = bar.tasks[0].speed
            rate = f"{speed:,.0f} {unit}/s" if speed else ""
            bar.update(task, completed=done, total=total, rate=rate)

        yield update


@keys_cli.command("create")
def keys_create(
    name: Annotated[
        str,
        typer.Option(
            "--name", metavar="NAME", help="A name for the key's holder (shown in the audit)."
        ),
    ],
    scope: Annotated[
        str, typer.Option("--scope", metavar="SCOPE", help="read, write or admin.")
    ] = "write",
) -> None:
    """Create a key and print its secret: it is shown this once."""
    from app.curation.keys import KeyError_, create_key
    from app.vocabulary import SCOPES

    if scope not in SCOPES:
        typer.echo(f"scope must be one of {', '.join(SCOPES)}", err=True)
        raise typer.Exit(code=2)
    engine = make_engine(get_settings().database_url)
    try:
        with transaction(engine) as session:
            _, secret = create_key(session, name, scope)  # type: ignore[arg-type]
    except KeyError_ as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    typer.echo(secret)


@keys_cli.command("list")
def keys_list() -> None:
    """List keys: name, scope, prefix, created, revoked."""
    from app.curation.keys import list_keys

    engine = make_engine(get_settings().database_url)
    with transaction(engine) as session:
        typer.echo("name\tscope\tprefix\tcreated\tstatus")
        for key in list_keys(session):
            revoked = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            typer.echo(
                f"{key.name}\t{key.scope}\t{key.prefix}…\t{key.created_at:%Y-%m-%d}\t{revoked}"
            )
    engine.dispose()


@keys_cli.command("revoke")
def keys_revoke(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The key's name.")],
) -> None:
    """Revoke a key at once (it stays listed, marked revoked)."""
    from app.curation.keys import KeyError_, revoke_key

    engine = make_engine(get_settings().database_url)
    try:
        with transaction(engine) as session:
            revoke_key(session, name)
    except KeyError_ as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    typer.echo(f"revoked {name}")


IncludeKeys = Annotated[
    bool,
    typer.Option(
        "--include-keys",
        help="Also carry the API keys (names, scopes, key hashes): secrets, off by default.",
    ),
]


@cli.command("export")
def export_(
    path: Annotated[
        str, typer.Argument(metavar="PATH", help="Where to write; '-' for stdout; .gz compresses.")
    ],
    include_keys: IncludeKeys = False,
) -> None:
    """Dump the whole database (sources, records, citations, audit) as NDJSON; API keys
    only with --include-keys."""
    import gzip
    import time
    from pathlib import Path

    from app.backup.ndjson import DumpError, export_database

    if include_keys:
        typer.echo(
            "warning: the dump will hold the API keys' hashes; whoever loads it with "
            "--include-keys gets working keys. Keep it as secret as the keys.",
            err=True,
        )
    engine = make_engine(get_settings().database_url)
    started = time.perf_counter()
    target = Path(path)
    try:
        if path == "-":
            with progress_bar("export", "rows") as update:
                counts = export_database(
                    engine, sys.stdout.buffer, include_keys=include_keys, progress=update
                )
        else:
            partial = target.with_name(target.name + ".partial")
            try:
                with (
                    (
                        gzip.open(partial, "wb", compresslevel=6)
                        if target.name.endswith(".gz")
                        else open(partial, "wb")
                    ) as out,
                    progress_bar("export", "rows") as update,
                ):
                    counts = export_database(
                        engine, out, include_keys=include_keys, progress=update
                    )
                partial.replace(target)
            finally:
                partial.unlink(missing_ok=True)
    except DumpError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - started
    typer.echo(
        f"exported {sum(counts.values())} rows of {len(counts)} tables "
        f"to {'stdout' if path == '-' else path} in {elapsed:.1f}s",
        err=True,
    )


@cli.command("import")
def import_(
    path: Annotated[
        str, typer.Argument(metavar="PATH", help="A dump from `treaty-api export`; '-' for stdin.")
    ],
    include_keys: IncludeKeys = False,
) -> None:
    """Check a dump, then load it into an empty database migrated to the same revision (all
    or nothing). API keys in the dump are loaded only with --include-keys."""
    import gzip
    import time

    from app.backup.ndjson import DumpError, import_database

    engine = make_engine(get_settings().database_url)
    started = time.perf_counter()
    try:
        if path == "-":
            with progress_bar("import", "lines") as update:
                imported = import_database(
                    engine, sys.stdin.buffer, include_keys=include_keys, progress=update
                )
        else:
            with open(path, "rb") as raw:
                compressed = raw.read(2) == b"\x1f\x8b"
            with (
                (gzip.open if compressed else open)(path, "rb") as dump,  # type: ignore[operator]
                progress_bar("import", "lines") as update,
            ):
                imported = import_database(engine, dump, include_keys=include_keys, progress=update)
    except (DumpError, OSError, EOFError) as exc:
        typer.echo(f"import failed, nothing was written: {exc}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - started
    loaded = sum(imported.rows.values()) - imported.skipped_keys
    typer.echo(f"imported {loaded} rows of {len(imported.rows)} tables in {elapsed:.1f}s")
    if imported.skipped_keys:
        typer.echo(
            f"left out {imported.skipped_keys} API key row(s): pass --include-keys to load them",
            err=True,
        )
