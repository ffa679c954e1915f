"""Synthetic data at world scale, for benchmarks: `python -m bench.synth --agreements N`.

Fills an already migrated and seeded database with realistic agreements, visits, signatories
and citations. Every synthetic id starts with `synth-`, so the curated records are never
touched, and a rerun first deletes the previous synthetic rows. The output depends only on
`seed`. Rows are generated in batches and written with the fastest bulk path of the database
(DBAPI `executemany` on SQLite, `COPY` on PostgreSQL, Core `insert` elsewhere), so memory stays
flat however many agreements are asked for.

Modules by job: `vocabulary` (what records are made of), `world` (countries, signatories and
the draws), `generate` (batches of rows), `write` (bulk paths and deletes), `load` (the entry
points).
"""

from bench.synth.load import synthesize, synthetic_count
from bench.synth.vocabulary import PREFIX, SOURCE_ID

__all__ = ["PREFIX", "SOURCE_ID", "synthesize", "synthetic_count"]
