"""Pydantic models for the API's input (filters) and output (records, pages, problems)."""
