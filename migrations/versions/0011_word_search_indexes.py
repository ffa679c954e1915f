"""word search indexes: whole words of `search_text` and their vocabulary (SQLite)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 06:45:00

`q` is a substring test per word, and a query word holds no space, so it occurs in a text
exactly when it occurs in one of the text's space-separated words. Three things answer
that from indexes (see app.queries.text_search):

- `<table>_fts_words`: an FTS5 index of each searchable table whose tokens are exactly
  those words (the `ascii` tokenizer with every ASCII punctuation mark as a token
  character, so only spaces and control characters separate tokens; it folds ASCII case
  as LIKE does). External content over the table's rowid, kept by triggers, like the
  trigram tables of migration 0006. `detail=none`: a document list per word, no positions.
- `search_fts_words`: every word ever stored in a `search_text` of those tables (the
  vocabulary), added by the same triggers and never removed (a word no record holds any
  more matches nothing, so a stale entry costs nothing but a row).
- `search_fts_words_trigrams`: a trigram index of the vocabulary, to find the words that
  contain a query word.

PostgreSQL's counterpart is migration 0020 (a vocabulary table and GIN indexes). A later
migration that rebuilds one of these tables in batch mode must drop and recreate its word
index and triggers, as for 0006.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("agreements", "visits", "signatories", "countries")
VOCABULARY = "search_fts_words"
# Every printable ASCII character but the space and the alphanumerics (already token
# characters), written as an FTS5 option value: a single-quoted string, ' doubled.
_PUNCTUATION = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum())
TOKENIZE = "ascii tokenchars '" + _PUNCTUATION.replace("'", "''") + "'"


def _words_of(text: str) -> str:
    """The space-separated words of `text`, as rows of `value` (json_each over the text
    turned into a JSON array: json_quote escapes every character that would need it, and
    none of its escapes holds a space)."""
    return f"json_each('[' || replace(json_quote({text}), ' ', '\",\"') || ']')"


def _add_words(text: str) -> str:
    return f"INSERT OR IGNORE INTO {VOCABULARY}(word) SELECT value FROM {_words_of(text)} WHERE value <> ''"


def _sqlite_up(t: str) -> list[str]:
    words = f"{t}_fts_words"
    tokenize = TOKENIZE.replace('"', '""')
    return [
        f"CREATE VIRTUAL TABLE {words} USING fts5(search_text, content='{t}', "
        f"content_rowid='rowid', detail='none', tokenize=\"{tokenize}\")",
        f"CREATE TRIGGER {words}_insert AFTER INSERT ON {t} BEGIN "
        f"INSERT INTO {words}(rowid, search_text) VALUES (new.rowid, new.search_text); "
        f"{_add_words('new.search_text')}; END",
        f"CREATE TRIGGER {words}_delete AFTER DELETE ON {t} BEGIN "
        f"INSERT INTO {words}({words}, rowid, search_text) "
        "VALUES ('delete', old.rowid, old.search_text); END",
        f"CREATE TRIGGER {words}_update AFTER UPDATE OF search_text ON {t} BEGIN "
        f"INSERT INTO {words}({words}, rowid, search_text) "
        "VALUES ('delete', old.rowid, old.search_text); "
        f"INSERT INTO {words}(rowid, search_text) VALUES (new.rowid, new.search_text); "
        f"{_add_words('new.search_text')}; END",
        f"INSERT INTO {words}({words}) VALUES ('rebuild')",
        f"INSERT OR IGNORE INTO {VOCABULARY}(word) SELECT w.value "
        f"FROM {t}, {_words_of(f'{t}.search_text')} AS w WHERE w.value <> ''",
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    trigrams = f"{VOCABULARY}_trigrams"
    op.execute(
        f"CREATE TABLE {VOCABULARY} (id INTEGER NOT NULL, word TEXT NOT NULL, "
        f"CONSTRAINT pk_{VOCABULARY} PRIMARY KEY (id), CONSTRAINT uq_{VOCABULARY}_word UNIQUE (word))"
    )
    for t in TABLES:
        for statement in _sqlite_up(t):
            op.execute(statement)
    op.execute(
        f"CREATE VIRTUAL TABLE {trigrams} USING fts5(word, content='{VOCABULARY}', "
        "content_rowid='id', tokenize='trigram')"
    )
    op.execute(f"INSERT INTO {trigrams}({trigrams}) VALUES ('rebuild')")
    op.execute(
        f"CREATE TRIGGER {trigrams}_insert AFTER INSERT ON {VOCABULARY} BEGIN "
        f"INSERT INTO {trigrams}(rowid, word) VALUES (new.id, new.word); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for t in TABLES:
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {t}_fts_words_{event}")
        op.execute(f"DROP TABLE IF EXISTS {t}_fts_words")
    op.execute(f"DROP TRIGGER IF EXISTS {VOCABULARY}_trigrams_insert")
    op.execute(f"DROP TABLE IF EXISTS {VOCABULARY}_trigrams")
    op.execute(f"DROP TABLE IF EXISTS {VOCABULARY}")
