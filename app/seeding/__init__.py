"""Read the curated `seeds/` files, validate everything, then write it in one transaction."""

from app.seeding.errors import SeedError, SeedErrors
from app.seeding.load import SeedData, load_seeds
from app.seeding.write import write_seeds

__all__ = ["SeedData", "SeedError", "SeedErrors", "load_seeds", "write_seeds"]
