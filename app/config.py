"""The one settings object, read from the environment."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration; every field can be set by the upper-case environment variable."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str = "sqlite:///./treaty.sqlite"
    test_database_url: str | None = None
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    cache_max_age: int = 60
    # Abuse limits under /api/: "N/second", "N/minute" or "N/hour"; "0" or "off" disables.
    rate_limit_anonymous: str = "120/minute"
    rate_limit_keyed: str = "600/minute"
    # The largest request body accepted, in bytes (413 beyond); 0 disables the cap.
    max_body_bytes: int = 1_000_000
    # Requests served at once per worker; the connection pool holds exactly this many
    # connections, and it must stay within the threadpool's 40 threads (see app/guards.py).
    max_concurrent_requests: int = Field(16, ge=1, le=40)
    # Requests that may wait for a turn beyond those, and how long each may wait (503 after).
    max_queued_requests: int = Field(1000, ge=0)
    queue_wait_seconds: float = Field(5.0, gt=0)


@lru_cache
def get_settings() -> Settings:
    return Settings()
