"""GET /api/v1/sources and /sources/{id}: the documents, verbatim."""

import hashlib

from fastapi.testclient import TestClient

from app.config import get_settings
from tests.problems import assert_problem

URL = "/api/v1/sources"


def test_sources_are_verbatim_with_sha256(client: TestClient) -> None:
    items = client.get(URL).json()["items"]
    assert {i["id"] for i in items} >= {
        "vns-baku-signing-ceremony-2025",
        "commentary-az-vn-strategic-partnership",
    }
    for item in items:
        body = client.get(f"{URL}/{item['id']}").json()
        raw = (get_settings().seeds_dir / body["filename"]).read_bytes()
        assert body["text"].encode("utf-8") == raw
        assert body["sha256"] == item["sha256"] == hashlib.sha256(raw).hexdigest()


def test_unknown_source_is_a_404(client: TestClient) -> None:
    assert_problem(client.get(f"{URL}/nope"), 404)
