"""Pages for people: HTML views of what /api/v1 serves as JSON, rendered on the server with
no script, read through the same query functions and detail builders as the API."""
