"""Routers of the v1 API, mounted under /api/v1."""
