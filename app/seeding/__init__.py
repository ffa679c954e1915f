"""Read the curated `seeds/` files, validate everything, then write it in one transaction."""

from typing import Any

from app.seeding.errors import SeedError, SeedErrors
from app.seeding.load import SeedData, load_seeds

__all__ = ["SeedData", "SeedError", "SeedErrors", "load_seeds", "write_seeds"]


def __getattr__(name: str) -> Any:
    """`write_seeds` is imported on first use: it writes through app.curation, which itself
    imports the record shapes from this package (an import cycle if loaded eagerly)."""
    if name == "write_seeds":
        from app.seeding.write import write_seeds

        return write_seeds
    raise AttributeError(name)
