"""A live API for the generated clients: the app served on loopback over a seeded database of
the test module's own, and a `write` key for their PATCHes."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from app.curation.keys import create_key
from app.db import make_engine, transaction
from tests.servers import scratch_database, serve


@dataclass(frozen=True)
class LiveApi:
    url: str
    """The base URL: the spec is at `<url>/openapi.json`."""
    write_key: str


@pytest.fixture(scope="module")
def live_api(
    request: pytest.FixtureRequest,
    db_url: str,
    seeded_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveApi]:
    name = request.module.__name__.rsplit(".", 1)[-1]  # a database per module
    folder = tmp_path_factory.mktemp("clients")
    with scratch_database(db_url, folder, name, template=seeded_template) as url:
        engine = make_engine(url)
        with transaction(engine) as session:
            _, secret = create_key(session, "client-tests", "write")
        engine.dispose()
        with serve(url) as base_url:
            yield LiveApi(base_url, secret)
