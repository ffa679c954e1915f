"""trigram search indexes: FTS5 on SQLite, pg_trgm on PostgreSQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:50:00

`q` matches with LIKE '%word%' on `search_text`; these indexes find the candidates without a
full scan (see app.queries.text_search). On SQLite the FTS5 tables are external-content
tables over each table's rowid, kept in step by triggers. A later migration that rebuilds
one of these tables in batch mode must drop and recreate its FTS table and triggers.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("agreements", "visits", "signatories", "countries")


def _sqlite_up(t: str) -> list[str]:
    fts = f"{t}_fts"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_text, content='{t}', "
        "content_rowid='rowid', tokenize='trigram')",
        f"CREATE TRIGGER {t}_fts_insert AFTER INSERT ON {t} BEGIN "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.rowid, new.search_text); END",
        f"CREATE TRIGGER {t}_fts_delete AFTER DELETE ON {t} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) "
        "VALUES ('delete', old.rowid, old.search_text); END",
        f"CREATE TRIGGER {t}_fts_update AFTER UPDATE OF search_text ON {t} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) "
        "VALUES ('delete', old.rowid, old.search_text); "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.rowid, new.search_text); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _sqlite_down(t: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {t}_fts_{event}" for event in ("insert", "delete", "update")
    ] + [f"DROP TABLE IF EXISTS {t}_fts"]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for t in TABLES:
            for statement in _sqlite_up(t):
                op.execute(statement)
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for t in TABLES:
            op.execute(
                f"CREATE INDEX ix_{t}_search_trgm ON {t} USING gin (search_text gin_trgm_ops)"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for t in TABLES:
            for statement in _sqlite_down(t):
                op.execute(statement)
    elif dialect == "postgresql":
        for t in TABLES:
            op.execute(f"DROP INDEX IF EXISTS ix_{t}_search_trgm")
