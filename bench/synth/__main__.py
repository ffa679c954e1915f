"""`python -m bench.synth --agreements N [--seed S]` (or `make synth`): replace the synthetic
(`synth-`) rows of the database at DATABASE_URL with N generated agreements, for benchmarks.

The database must be migrated and seeded; the curated records are left untouched. This is
the bench's command, not the product's: `treaty-api` never imports `bench`.
"""

import time
from typing import Annotated

import typer

from app.cli import progress_bar
from app.config import get_settings
from app.db import make_engine
from bench.synth.load import synthesize


def main(
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
    """Replace the synthetic (`synth-`) rows with N generated agreements (DATABASE_URL)."""
    engine = make_engine(get_settings().database_url)
    started = time.perf_counter()
    with progress_bar("synth", "agreements") as update:
        counts = synthesize(engine, agreements, seed=seed, progress=update)
    engine.dispose()
    elapsed = time.perf_counter() - started
    typer.echo(
        "synthesized "
        + ", ".join(f"{n} {kind}" for kind, n in counts.items())
        + f" in {elapsed:.1f}s"
    )


if __name__ == "__main__":
    typer.run(main)
