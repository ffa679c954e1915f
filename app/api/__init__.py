"""HTTP layer: routers, dependencies and response helpers. No SQL here."""
