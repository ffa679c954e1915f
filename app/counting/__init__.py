"""Exact totals and facets for agreement lists from in-memory bitmaps."""
