"""Assertions on the problem+json error shape, shared by every API test."""

import httpx


def assert_problem(response: httpx.Response, status: int, parameter: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    assert "Traceback" not in response.text
    if parameter is not None:
        assert parameter in {e["parameter"] for e in body["errors"]}, body
    return body
