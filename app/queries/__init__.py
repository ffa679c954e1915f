"""Query functions: filters, sorting, pagination and loaders. No HTTP here."""
