"""Errors a person can act on: each 422 names the parameter and where it was sent, in plain
words; each problem `type` is a page that explains it."""

import pytest
from fastapi.testclient import TestClient

from app import errors
from app.api.problems import PROBLEM_TYPES
from tests.problems import assert_problem

INTERNALS = ("Value error", "pydantic", "surrogates", "UTF-8:", "Traceback", "Input should")


@pytest.mark.parametrize(
    ("query", "parameter", "location", "message"),
    [
        ("country=XX", "country", "query", "unknown country code 'XX'"),
        ("cursor=abc", "cursor", "query", "invalid cursor"),
        ("cursor=%ED%A0%80", "cursor", "query", "must be the `next_cursor` of a previous page"),
        ("date_from=2025-02-30", "date_from", "query", "must be a real date"),
        ("limit=0", "limit", "query", "must be at least 1"),
        ("limit=abc", "limit", "query", "must be a whole number"),
        ("sort=bogus", "sort", "query", "must be one of: date, -date, title, -title"),
        ("kind=nope", "kind", "query", "must be one of: treaty, agreement, mou"),
        ("colour=red", "colour", "query", "is not a parameter of this operation"),
        ("sector=Energy", "sector", "query", "must be an id"),
    ],
)
def test_422_items_name_parameter_location_and_say_it_plainly(
    client: TestClient, query: str, parameter: str, location: str, message: str
) -> None:
    response = client.get(f"/api/v1/agreements?{query}")
    body = assert_problem(response, 422, parameter)
    (item,) = [e for e in body["errors"] if e["parameter"] == parameter]
    assert item["location"] == location
    assert item["message"].startswith(message), item
    assert [word for word in INTERNALS if word in response.text] == []


@pytest.mark.parametrize(
    ("path", "typo", "meant"),
    [
        ("/api/v1/agreements", "contry", "country"),
        ("/api/v1/visits", "dat_from", "date_from"),
        ("/api/v1/statements", "sectr", "sector"),
    ],
)
def test_an_unknown_parameter_suggests_the_nearest_known_one(
    client: TestClient, path: str, typo: str, meant: str
) -> None:
    (item,) = assert_problem(client.get(f"{path}?{typo}=VN"), 422, typo)["errors"]
    assert item["message"].endswith(f"did you mean `{meant}`?"), item
    (far,) = assert_problem(client.get(f"{path}?colour=red"), 422, "colour")["errors"]
    assert "did you mean" not in far["message"]


def test_path_and_header_errors_say_where(client: TestClient) -> None:
    body = assert_problem(client.get("/api/v1/agreements/NOT-A-SLUG"), 422, "agreement_id")
    assert body["errors"][0]["location"] == "path"


def _emitted_types() -> set[str]:
    """Every problem type the code can send."""
    classes, found = [errors.ApiError], set()
    while classes:
        cls = classes.pop()
        found.add(cls.slug)
        classes += cls.__subclasses__()
    found |= {slug for _, slug in errors.HTTP_PROBLEMS.values()}
    return found | {"rate-limited", "payload-too-large", "internal-error", "invalid-parameter"}


@pytest.mark.parametrize("slug", sorted(_emitted_types()))
def test_every_problem_type_is_a_page(client: TestClient, slug: str) -> None:
    assert slug in PROBLEM_TYPES
    browser = client.get(f"/problems/{slug}", headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.status_code == 200
    assert browser.headers["content-type"].startswith("text/html")
    assert PROBLEM_TYPES[slug].title in browser.text
    # No script and nothing from elsewhere (the browser tests check the style's hash holds).
    assert browser.headers["content-security-policy"].startswith("default-src 'none';")
    program = client.get(f"/problems/{slug}")
    assert program.headers["content-type"].startswith("application/json")
    assert program.json()["type"] == f"/problems/{slug}"
    assert program.json()["status"] == PROBLEM_TYPES[slug].status


def test_a_problem_type_from_a_response_resolves(client: TestClient) -> None:
    problem = client.get("/api/v1/agreements?limit=0").json()
    assert client.get(problem["type"]).json()["title"] == problem["title"]


def test_swagger_ui_links_the_problem_pages(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "(/problems)" in spec["info"]["description"]
    assert client.get("/problems").status_code == 200
