"""Requests as bytes on the wire, before any route: a URL pasted into curl (raw UTF-8) and a
request that is not HTTP at all."""

from collections.abc import Iterator

import orjson
import pytest

from tests.servers import exchange, raw_request, read_answer, serve


@pytest.fixture
def base(seeded_url: str) -> Iterator[str]:
    with serve(seeded_url) as url:
        yield url


def test_a_raw_utf8_url_is_read_as_its_percent_encoded_form(base: str) -> None:
    target = "/api/v1/countries?q=Azərbaycan".encode()
    head, body = exchange(base, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert [c["id"] for c in orjson.loads(body)["items"]] == ["AZ"]


def test_a_request_that_is_not_http_is_a_problem(base: str) -> None:
    head, body = exchange(base, b"GET /api/v1/countries HTTP/1.1\r\nHost x\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), head
    assert b"content-type: application/problem+json" in head.lower()
    problem = orjson.loads(body)
    assert problem["status"] == 400 and "Percent-encode" in problem["detail"]


def test_a_kept_alive_connection_reads_each_request_line_afresh(base: str) -> None:
    sock = raw_request(base, "")
    with sock:
        for _ in range(2):
            sock.sendall("GET /api/v1/countries?q=Azərbaycan HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert read_answer(sock).startswith(b"HTTP/1.1 200")
