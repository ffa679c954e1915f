"""Read the curated `seeds/` files, validate everything, then write it in one transaction."""
