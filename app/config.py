"""The one settings object, read from the environment."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration; every field can be set by the upper-case environment variable."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str = Field(
        "sqlite:///./treaty.sqlite",
        description="the database; PostgreSQL: `postgresql+psycopg://user@host:5432/db`",
    )
    read_database_url: str | None = Field(
        None,
        description="a streaming replica of the PostgreSQL primary that serves reads; a client's reads after its own write go to the primary until the replica has it. Unset: reads from `DATABASE_URL`",
    )
    # libpq counts whole seconds; a server that stops answering is given both before the
    # wait fails (see app/db/bounded.py).
    db_connect_timeout_seconds: float = Field(
        5.0,
        gt=0,
        description="PostgreSQL: how long connecting may take (whole seconds, at least 2); then 503",
    )
    db_statement_timeout_seconds: float = Field(
        30.0,
        ge=0,
        description="PostgreSQL: how long one statement may run (`0`: no limit); then 503. A server that stops answering is given this plus the connect timeout",
    )
    # How the replica's state is measured: app/db/replica.py.
    replica_max_lag_seconds: float = Field(
        10.0,
        gt=0,
        description="reads leave a replica further behind the primary than this, until it catches up",
    )
    test_database_url: str | None = Field(
        None,
        description="the database the tests migrate, seed and roll back. Unset: a temporary SQLite file",
    )
    seeds_dir: Path = Field(
        PROJECT_ROOT / "seeds",
        description="the curated seed files",
    )
    cache_max_age: int = Field(
        60,
        description="`Cache-Control: max-age` of GET responses",
    )
    # Abuse limits under /api/ ("N/second", "N/minute", "N/hour"; "off" or "0" disables).
    # Off by default: the embedded server is a local tool and must never throttle its user;
    # a public deployment sets both (see compose.yaml).
    rate_limit_anonymous: str = Field(
        "off",
        description="requests per client address without a verified key (`N/second`, `N/minute`, `N/hour`, or `off`)",
    )
    rate_limit_keyed: str = Field(
        "off",
        description="requests per verified API key",
    )
    api_key_cache_seconds: int = Field(
        30,
        description="how long the limiter trusts a key's verification (a revoked key's delay)",
    )
    # Keys are prefixed, so several deployments can share one Redis.
    redis_url: str | None = Field(
        None,
        description="shared rate-limit counters, e.g. `redis://127.0.0.1:6379/0`. Unset: in process memory",
    )
    redis_key_prefix: str = Field(
        "treaty-api",
        description="prefix of the keys written to Redis",
    )
    forwarded_allow_ips: str = Field(
        "",
        description="proxies whose `X-Forwarded-For`/`-Proto` are believed: IPs or networks, comma-separated, or `*`. Empty: none",
    )
    public_base_url: str | None = Field(
        None,
        description="the API's public address (`https://treaties.example.org`), the start of every `Link` and `Location` URL; unset, those are absolute only for a request a trusted proxy forwarded (its host and scheme), relative otherwise: never built from a `Host` a client sent",
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        description="`json`: one JSON object per log line",
    )
    max_body_bytes: int = Field(
        1_000_000,
        description="largest request body (413 beyond); `0`: no cap",
    )
    # Where the index cannot answer, or until it is ready, SQL counts (capped at 10,000).
    counting_index: bool = Field(
        True,
        description="exact agreement totals and facets from in-memory bitmaps (see the counting index)",
    )
    # The pool must stay within the threadpool's 40 threads (see app/middleware/admission.py).
    max_concurrent_requests: int = Field(
        16,
        ge=1,
        le=40,
        description="requests a worker serves at once (1–40); its connection pool holds exactly this many",
    )
    max_requests_per_client: int = Field(
        4,
        ge=1,
        description="of those, how many one client may have at once: each address, and each API key presented (the rest wait their turn)",
    )
    max_queued_requests: int = Field(
        1000,
        ge=0,
        description="requests that may wait for a turn beyond those (503 at once past it)",
    )
    queue_wait_seconds: float = Field(
        5.0,
        gt=0,
        description="how long a request may wait for its turn (503 with `Retry-After` after)",
    )
    body_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="how long a request body may take to arrive once the server reads it (408 after); it holds no turn meanwhile",
    )
    # Worker threads running the database work of agreement lists and details at once:
    # those whose cost is bounded by the page (the counting index answers them; a record by
    # id), and the others (see `app.api.deps.ReadLanes`). The rest wait on the event loop.
    # Unset, bounded reads get one thread on SQLite and two on PostgreSQL, whose statements
    # are network round trips that a second thread overlaps (measured: docs/architecture/).
    bounded_read_threads: int | None = Field(
        None,
        ge=1,
        le=40,
        description="worker threads running agreement lists the counting index answers, and agreement details, at once (1–40); the rest wait on the event loop. Unset: 1 on SQLite, 2 on PostgreSQL",
    )
    read_threads: int = Field(
        4,
        ge=1,
        le=40,
        description="worker threads running the other agreement lists (`q`, `as_of`, title sorts, before the index is ready) at once (1–40)",
    )
    # Worker threads making the batches of downloads (CSV, NDJSON) at once; the others wait
    # on the event loop. One: a batch is mostly Python, and each thread more takes the GIL
    # from the reads beside it (measured: `app.api.v1.exports.in_turns`).
    download_threads: int = Field(
        1,
        ge=1,
        le=40,
        description="worker threads making the batches of downloads (`.csv`, `.ndjson`) at once (1–40); the rest wait on the event loop",
    )

    def bounded_reads(self) -> int:
        """`bounded_read_threads`, or its default for the database."""
        if self.bounded_read_threads is not None:
            return self.bounded_read_threads
        return 1 if self.database_url.startswith("sqlite") else 2


@lru_cache
def get_settings() -> Settings:
    return Settings()
