"""What an operator sees: request ids, the access log, metrics, readiness (issue 16)."""

import json
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from app.api.deps import get_session
from app.config import Settings
from app.logging_setup import TEXT_FORMAT, JsonFormatter, RequestIdFilter
from app.main import create_app
from app.request_id import new_request_id
from tests.problems import assert_problem
from tests.servers import serve

DETAIL = "/api/v1/agreements/mou-energy-vn-az-2025"


def metric_samples(client: httpx.Client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", DETAIL, 200),
        ("DELETE", "/health", 405),
        ("GET", "/api/v1/agreements/no-such-agreement", 404),
        ("GET", "/api/v1/agreements?limit=0", 422),
        ("POST", "/api/v1/agreements", 401),
        ("GET", "/nowhere", 404),
        ("GET", "/docs", 200),
        ("GET", "/health", 200),
        ("OPTIONS", "/api/v1/agreements", 200),
    ],
)
def test_every_response_has_a_request_id(
    client: TestClient, method: str, path: str, status: int
) -> None:
    headers = {"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    response = client.request(method, path, headers=headers)
    assert response.status_code == status
    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32 and int(request_id, 16) >= 0  # a fresh id, in hex
    if status >= 400:
        assert assert_problem(response, status)["request_id"] == request_id


def test_ids_differ_between_requests(client: TestClient) -> None:
    ids = {client.get("/health").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize(
    "given", ["3f2c1e9a-7d4b-4c1a-9e2f-0b8d6a5c4e3f", "req.42_a:b-c", "x" * 128]
)
def test_a_sane_request_id_is_kept(client: TestClient, given: str) -> None:
    response = client.get("/api/v1/agreements/nope", headers={"X-Request-ID": given})
    assert response.headers["x-request-id"] == given
    assert response.json()["request_id"] == given


@pytest.mark.parametrize("given", ["", "x" * 129, "a b", "<script>", "id;drop", "caf\u00e9"])
def test_an_insane_request_id_is_replaced(client: TestClient, given: str) -> None:
    response = client.get("/health", headers={"X-Request-ID": given.encode("latin-1")})
    assert response.headers["x-request-id"] != given
    assert len(response.headers["x-request-id"]) == 32


def test_the_access_log_names_the_request(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        response = client.get(DETAIL + "?x=1", headers={"X-Request-ID": "trace-1"})
    (record,) = [r for r in caplog.records if r.name == "app.access"]
    assert record.request_id == "trace-1"  # type: ignore[attr-defined]
    assert "GET /api/v1/agreements/mou-energy-vn-az-2025?x=1" in record.getMessage()
    # LOG_FORMAT=json: one object per line with the request's fields.
    RequestIdFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["logger"] == "app.access" and entry["level"] == "INFO"
    assert entry["request_id"] == "trace-1"
    assert entry["method"] == "GET"
    assert entry["path"] == "/api/v1/agreements/mou-energy-vn-az-2025"
    assert entry["query"] == "x=1"
    assert entry["status"] == response.status_code == 200
    assert entry["duration_ms"] >= 0


def test_an_api_key_in_the_query_never_reaches_the_access_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """`?api_key=` is no way to send a key (the API reads headers), but clients try it: its
    value is redacted however the name is written, in both log formats."""
    query = "x=1&api_key=tk_plain&api%5Fkey=tk_encoded&API_KEY=tk_upper&y=2"
    with caplog.at_level(logging.INFO, logger="app.access"):
        client.get(f"{DETAIL}?{query}")
    (record,) = [r for r in caplog.records if r.name == "app.access"]
    RequestIdFilter().filter(record)
    text = logging.Formatter(TEXT_FORMAT).format(record)
    line = JsonFormatter().format(record)
    redacted = "x=1&api_key=[redacted]&api%5Fkey=[redacted]&API_KEY=[redacted]&y=2"
    assert f"GET {DETAIL}?{redacted}" in text
    assert json.loads(line)["query"] == redacted
    assert not any(secret in text + line for secret in ("tk_plain", "tk_encoded", "tk_upper"))


def test_other_log_lines_carry_the_request_id_too() -> None:
    record = logging.LogRecord("app.errors", logging.WARNING, __file__, 1, "outside", (), None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"  # type: ignore[attr-defined]
    assert "request_id" not in json.loads(JsonFormatter().format(record))


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    before = metric_samples(client)
    client.get(DETAIL)
    client.get("/api/v1/agreements/mou-culture-vn-az-2025")
    client.get("/api/v1/agreements/no-such-agreement")
    after = metric_samples(client)
    template = "/api/v1/agreements/{agreement_id}"

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert grew("treaty_http_requests_total", method="GET", route=template, status="200") == 2
    assert grew("treaty_http_requests_total", method="GET", route=template, status="404") == 1
    assert grew("treaty_http_request_duration_seconds_count", method="GET", route=template) == 3
    bucket = grew(
        "treaty_http_request_duration_seconds_bucket", method="GET", route=template, le="+Inf"
    )
    assert bucket == 3
    assert not any("mou-energy" in str(labels) for _, labels in after)  # no series per id
    assert ("treaty_db_pool_connections_in_use", ()) in after
    assert ("treaty_rate_limit_fail_open_total", ()) in after


def test_metrics_count_rate_limit_rejections(session: Session, db_url: str) -> None:
    app = create_app(Settings(database_url=db_url, rate_limit_anonymous="1/minute"))
    app.dependency_overrides[get_session] = lambda: session
    key = ("treaty_rate_limit_rejections_total", (("client", "anonymous"),))
    with TestClient(app) as limited:
        before = metric_samples(limited).get(key, 0)
        assert [limited.get(DETAIL).status_code for _ in range(3)] == [200, 429, 429]
        assert metric_samples(limited)[key] - before == 2
    app.state.engine.dispose()


def test_ready_checks_the_database(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "replica": "not configured",
        "reads": "primary",
        "redis": "not configured",
        "counting": "off",  # the test client counts with SQL
    }


def test_ready_is_503_when_redis_does_not_answer(session: Session, db_url: str) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(Settings(database_url=db_url, redis_url=f"redis://127.0.0.1:{port}/0"))
    app.dependency_overrides[get_session] = lambda: session
    with TestClient(app) as client:
        body = assert_problem(client.get("/ready"), 503)
        assert "Redis" in body["detail"]
        assert client.get("/health").status_code == 200  # alive, just not ready
    app.state.engine.dispose()


def test_a_trusted_proxy_sets_the_scheme(session: Session, db_url: str) -> None:
    app = create_app(Settings(database_url=db_url, forwarded_allow_ips="10.0.0.0/8"))
    app.dependency_overrides[get_session] = lambda: session
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.1"}
    with TestClient(app, client=("10.0.0.1", 1)) as proxied:
        assert "strict-transport-security" in proxied.get("/health", headers=https).headers
    with TestClient(app, client=("192.0.2.1", 1)) as direct:
        assert "strict-transport-security" not in direct.get("/health", headers=https).headers
    app.state.engine.dispose()


def test_a_forked_worker_draws_its_own_request_ids() -> None:
    """Request ids are a per-process random prefix and a count: a forked worker must not
    share its parent's prefix, or two workers would hand out the same ids."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(write, new_request_id().encode())
        os._exit(0)
    os.waitpid(child, 0)
    theirs = os.read(read, 64).decode()
    os.close(read)
    os.close(write)
    assert len(theirs) == 32 and theirs[:16] != new_request_id()[:16]


class LogRecords(logging.Handler):
    """Every record logged while it is installed, and a signal once the access log has a
    line for `path`."""

    def __init__(self, path: str) -> None:
        super().__init__(logging.DEBUG)
        self.path = path
        self.records: list[logging.LogRecord] = []
        self.logged = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        if record.name == "app.access" and getattr(record, "path", None) == self.path:
            self.logged.set()

    def access_status(self) -> int:
        (line,) = [r for r in self.records if r.name == "app.access" and r.path == self.path]  # type: ignore[attr-defined]
        return line.status  # type: ignore[attr-defined,no-any-return]


@contextmanager
def watching_logs(path: str) -> Iterator[LogRecords]:
    """Records of the app's loggers and uvicorn's (which does not propagate to the root),
    the access log at INFO."""
    handler = LogRecords(path)
    access = logging.getLogger("app.access")
    level = access.level
    access.setLevel(logging.INFO)
    loggers = [logging.getLogger(), logging.getLogger("uvicorn")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
        access.setLevel(level)


@pytest.fixture(scope="module")
def served_world(world: str) -> Iterator[str]:
    """The app on `world` (1,500 agreements) on a loopback port."""
    with serve(world, counting_index=False) as url:
        yield url


@pytest.mark.parametrize("read", [0, 1000])
@pytest.mark.parametrize("path", ["/api/v1/agreements.csv", "/api/v1/agreements.ndjson"])
def test_a_client_leaving_a_download_is_a_499_not_a_500(
    served_world: str, path: str, read: int
) -> None:
    """A client asks for every agreement (1,500, over 300 kB), reads `read` bytes of the
    answer (none: it leaves before the response starts) and closes the connection."""
    with httpx.Client(base_url=served_world) as client:
        before = metric_samples(client)
        host, port = served_world.removeprefix("http://").split(":")
        with watching_logs(path) as logs:
            with closing(socket.socket()) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window
                sock.connect((host, int(port)))
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
                if read:
                    assert sock.recv(read).startswith(b"HTTP/1.1 200 ")
            assert logs.logged.wait(30)
        after = metric_samples(client)

    def grew(status: str) -> float:
        key = (
            "treaty_http_requests_total",
            (("method", "GET"), ("route", path), ("status", status)),
        )
        return after.get(key, 0) - before.get(key, 0)

    assert logs.access_status() == 499
    assert (grew("499"), grew("500"), grew("200")) == (1, 0, 0)
    assert [r.getMessage() for r in logs.records if r.levelno >= logging.ERROR] == []
