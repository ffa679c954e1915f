"""The `treaty-api` command. Thin: each command calls into the package. Reads DATABASE_URL
(or `--database-url`)."""

import os
from importlib.metadata import version as package_version
from typing import Annotated

import typer

from app import migrate
from app.config import get_settings
from app.db import make_engine, transaction
from app.seeding import SeedErrors, load_seeds, write_seeds

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}
PLAIN = None
"""Plain click help (`--host HOST`, `[REV]`), not rich's boxes with `<str>` placeholders."""
cli = typer.Typer(
    help="treaty-api: serve, migrate and seed the treaty database.",
    no_args_is_help=True,
    add_completion=False,
    context_settings=HELP_OPTIONS,
    rich_markup_mode=PLAIN,
)
db_cli = typer.Typer(
    help="Database migrations (Alembic).",
    no_args_is_help=True,
    context_settings=HELP_OPTIONS,
    rich_markup_mode=PLAIN,
)
cli.add_typer(db_cli, name="db")
keys_cli = typer.Typer(
    help="API keys for curators (only a hash is stored).",
    no_args_is_help=True,
    context_settings=HELP_OPTIONS,
    rich_markup_mode=PLAIN,
)
cli.add_typer(keys_cli, name="keys")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"treaty-api {package_version('treaty-api')}")
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


@cli.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", metavar="HOST", help="Interface to bind.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="PORT", help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, metavar="N", help="Worker processes.")
    ] = 1,
) -> None:
    """Serve the API with uvicorn."""
    import uvicorn

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
    )


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


@cli.command()
def seed() -> None:
    """Validate the curated seeds, then upsert them in one transaction (idempotent)."""
    settings = get_settings()
    try:
        data = load_seeds(settings.seeds_dir)
    except SeedErrors as exc:
        for error in exc.errors:
            typer.echo(f"{settings.seeds_dir}/{error}", err=True)
        typer.echo(f"{len(exc.errors)} problem(s) found; nothing was written.", err=True)
        raise typer.Exit(code=1) from None
    engine = make_engine(settings.database_url)
    with transaction(engine) as session:
        counts = write_seeds(session, data)
    engine.dispose()
    typer.echo("seeded " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))


@cli.command()
def synth(
    agreements: Annotated[
        int,
        typer.Option(
            "--agreements", min=0, metavar="N", help="How many synthetic agreements to generate."
        ),
    ] = 10_000,
    seed: Annotated[
        int,
        typer.Option("--seed", metavar="S", help="Random seed; the same seed gives the same data."),
    ] = 0,
) -> None:
    """Replace the synthetic (`synth-`) rows with N generated agreements, for benchmarks.

    The database must be migrated and seeded; the curated records are left untouched.
    """
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from app.synth import synthesize

    engine = make_engine(get_settings().database_url)
    started = time.perf_counter()
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    ) as bar:
        task = bar.add_task("agreements", total=agreements)
        counts = synthesize(
            engine,
            agreements,
            seed=seed,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    engine.dispose()
    elapsed = time.perf_counter() - started
    typer.echo(
        "synthesized "
        + ", ".join(f"{n} {kind}" for kind, n in counts.items())
        + f" in {elapsed:.1f}s"
    )


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
    from app.curation.keys import SCOPES, KeyError_, create_key

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


@cli.command("export")
def export_(
    path: Annotated[
        str, typer.Argument(metavar="PATH", help="Where to write; '-' for stdout; .gz compresses.")
    ],
) -> None:
    """Dump the whole database (sources, records, citations, audit, keys) as NDJSON."""
    import gzip
    import sys
    import time
    from pathlib import Path

    from app.dump import DumpError, export_database

    engine = make_engine(get_settings().database_url)
    started = time.perf_counter()
    target = Path(path)
    try:
        if path == "-":
            counts = export_database(engine, sys.stdout.buffer)
        else:
            partial = target.with_name(target.name + ".partial")
            try:
                with (
                    gzip.open(partial, "wb", compresslevel=6)
                    if target.name.endswith(".gz")
                    else open(partial, "wb")
                ) as out:
                    counts = export_database(engine, out)
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
) -> None:
    """Load a dump into an empty database migrated to the same revision (all or nothing)."""
    import gzip
    import sys
    import time

    from app.dump import DumpError, import_database

    engine = make_engine(get_settings().database_url)
    started = time.perf_counter()
    try:
        if path == "-":
            counts = import_database(engine, sys.stdin.buffer)
        else:
            with open(path, "rb") as raw:
                compressed = raw.read(2) == b"\x1f\x8b"
            with (gzip.open if compressed else open)(path, "rb") as dump:  # type: ignore[operator]
                counts = import_database(engine, dump)
    except (DumpError, OSError, EOFError) as exc:
        typer.echo(f"import failed, nothing was written: {exc}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - started
    typer.echo(f"imported {sum(counts.values())} rows of {len(counts)} tables in {elapsed:.1f}s")
