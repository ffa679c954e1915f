"""The one settings object, read from the environment."""

from functools import lru_cache
from pathlib import Path

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
    # Exact totals and facets of agreement lists from in-memory bitmaps, built at start-up
    # (SQL counts, capped at 10,000, until it is ready or where it cannot answer).
    counting_index: bool = True


@lru_cache
def get_settings() -> Settings:
    return Settings()
