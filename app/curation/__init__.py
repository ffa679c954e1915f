"""Curation: API keys, validated writes of records, and the audit log. No HTTP here."""
