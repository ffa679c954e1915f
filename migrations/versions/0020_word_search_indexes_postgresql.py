"""word search indexes on PostgreSQL: the vocabulary of `search_text` and each table's
whole words

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 22:00:00

PostgreSQL's counterpart of migration 0011 (SQLite's), for the same reason: `q` is a
substring test per word, a query word holds no space, so it occurs in a text exactly when
it occurs in one of the text's space-separated words (see app.queries.text_search).

- `search_fts_words`: every space-separated word ever stored in a `search_text` of the
  searchable tables (the vocabulary, as on SQLite: added by triggers on insert and on
  update of `search_text`, never removed), with a pg_trgm GIN index so that
  `word LIKE '%x%'` finds the stored words that contain a query word. Words of up to
  `MAX_WORD_BYTES` are unique (a B-tree index cannot hold a longer key); a longer one is
  added only when it is not there yet (a concurrent write may add it twice, which changes
  no answer).
- `ix_<table>_search_words`: a GIN index of each table's words, `search_words(search_text)`
  (the text's words of 1 to `MAX_WORD_BYTES` bytes, as an array), queried with `&&` (the
  array holds one of the stored words containing a query word). Array overlap is exact in
  GIN, so the matches come from the index with no row re-checked. A longer word is not
  indexed (a GIN key cannot be longer either): a query word contained in one is left to
  the LIKE, as on SQLite a word too long for FTS5.

The pg_trgm indexes of migration 0006 stay: they serve the LIKE of a query word the
vocabulary cannot stand for (too short, or standing for too many stored words).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("agreements", "visits", "signatories", "countries")
VOCABULARY = "search_fts_words"
WORDS = "search_words"
MAX_WORD_BYTES = 1000
"""The longest word the indexes hold (the B-tree and GIN limits are about 2,700 bytes
per key, less their overhead): app.queries.text_search.MAX_ARRAY_WORD_BYTES."""
SHORT = f"octet_length(word) <= {MAX_WORD_BYTES}"


def _add_words(texts: str) -> str:
    """Adds each word of the texts `texts` names (a FROM item with a `search_text` column)
    that the vocabulary does not hold yet: a trigger's statement, and the filling's."""
    return (
        f"INSERT INTO {VOCABULARY} (word) SELECT DISTINCT w.word "
        f"FROM {texts}, unnest(string_to_array(search_text, ' ')) AS w(word) "
        f"WHERE w.word <> '' AND (octet_length(w.word) <= {MAX_WORD_BYTES} OR NOT EXISTS "
        f"(SELECT FROM {VOCABULARY} AS v WHERE v.word = w.word)) "
        "ON CONFLICT DO NOTHING"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE TABLE {VOCABULARY} (id bigint GENERATED ALWAYS AS IDENTITY, "
        f"word text NOT NULL, CONSTRAINT pk_{VOCABULARY} PRIMARY KEY (id))"
    )
    op.execute(f"CREATE UNIQUE INDEX uq_{VOCABULARY}_word ON {VOCABULARY} (word) WHERE {SHORT}")
    op.execute(
        f"CREATE FUNCTION {WORDS}(search_text text) RETURNS text[] "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
        "SELECT coalesce(array_agg(word), '{}') "
        "FROM unnest(string_to_array(search_text, ' ')) AS word "
        f"WHERE word <> '' AND {SHORT} $$"
    )
    op.execute(
        f"CREATE FUNCTION {VOCABULARY}_add() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{_add_words('(SELECT NEW.search_text) AS new_row(search_text)')}; RETURN NULL; END $$"
    )
    for t in TABLES:
        op.execute(
            f"CREATE TRIGGER {t}_{VOCABULARY} AFTER INSERT OR UPDATE OF search_text ON {t} "
            f"FOR EACH ROW EXECUTE FUNCTION {VOCABULARY}_add()"
        )
        op.execute(_add_words(t))
        op.execute(f"CREATE INDEX ix_{t}_{WORDS} ON {t} USING gin ({WORDS}(search_text))")
        op.execute(f"ANALYZE {t}")  # the words' statistics, which the planner's estimates use
    op.execute(f"CREATE INDEX ix_{VOCABULARY}_trgm ON {VOCABULARY} USING gin (word gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for t in TABLES:
        op.execute(f"DROP INDEX IF EXISTS ix_{t}_{WORDS}")
        op.execute(f"DROP TRIGGER IF EXISTS {t}_{VOCABULARY} ON {t}")
    op.execute(f"DROP FUNCTION IF EXISTS {VOCABULARY}_add()")
    op.execute(f"DROP FUNCTION IF EXISTS {WORDS}(text)")
    op.execute(f"DROP TABLE IF EXISTS {VOCABULARY}")
