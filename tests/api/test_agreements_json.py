"""The lean read path builds the agreements' JSON without the response models: each answer
must be exactly what its model dumps (same keys, order, types and values), since the ETag
of a GET and the If-Match check of a write (which dumps the model) hash those bytes."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Agreement
from app.schemas.agreements import INCLUDES, AgreementDetail, AgreementPage


@pytest.fixture
def client(either_engine: TestClient) -> TestClient:
    """Every test here runs twice: on the counting index, as users get it, and on SQL."""
    return either_engine


URL = "/api/v1/agreements"


def test_every_detail_is_its_model_dumped(client: TestClient, session: Session) -> None:
    for agreement_id in session.scalars(select(Agreement.id)):
        body = client.get(f"{URL}/{agreement_id}").content
        assert AgreementDetail.model_validate_json(body).model_dump_json().encode() == body


def test_list_pages_are_their_model_dumped_without_unset_fields(client: TestClient) -> None:
    for include in ([], ["parties"], ["sectors", "visit"], list(INCLUDES)):
        for params in ({}, {"country": "AZ", "facets": ["country", "year"]}):
            query = {"limit": 100, "include": include, **params}
            body = client.get(URL, params=query).content
            page = AgreementPage.model_validate_json(body)
            assert page.model_dump_json(exclude_unset=True).encode() == body, query
            for item in page.items:  # a `visit` only where there is one (see `visit_id`)
                shown = set(include) - ({"visit"} if item.visit_id is None else set())
                assert shown <= item.model_fields_set, (query, item.id)


def test_detail_runs_a_constant_number_of_statements(
    client: TestClient, sql_log: list[str]
) -> None:
    """The row, parties with their countries, signatories, sectors, visit, citations,
    events, their citations, discrepancies and their readings, the references both ways."""
    for agreement_id in ("mou-energy-vn-az-2025", "strategic-partnership-declaration-vn-az-2025"):
        sql_log.clear()
        assert client.get(f"{URL}/{agreement_id}").status_code == 200
        assert len(sql_log) <= 12, sql_log
