"""GET /api/v1/agreements and /agreements/{id}: the contract in ../shared/API.md."""

from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.queries import common
from tests.factories import make_agreement, make_agreements
from tests.problems import assert_problem


@pytest.fixture
def client(either_engine: TestClient) -> TestClient:
    """Every test here runs twice: on the counting index, as users get it, and on SQL."""
    return either_engine


URL = "/api/v1/agreements"
STUDENTS_1959 = "agreement-vietnamese-students-azerbaijan-ssr-1959"
BAKU = {
    "mou-energy-vn-az-2025",
    "loi-defence-cooperation-vn-az-2025",
    "cooperation-programme-justice-vn-az-2025-2027",
    "mou-oil-gas-petrovietnam-az-ministry-of-economy-2025",
    "mou-crude-oil-supply-binh-son-az-ministry-of-economy-2025",
    "mou-science-technology-digital-transport-vn-az-2025",
    "mou-culture-vn-az-2025",
    "strategic-partnership-declaration-vn-az-2025",
}


def ids(client: TestClient, query: str = "", **params: object) -> list[str]:
    url = f"{URL}?{query}&{urlencode(params)}" if params else f"{URL}?{query}"
    response = client.get(url)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_list_envelope_and_lean_items(client: TestClient) -> None:
    body = client.get(URL).json()
    assert set(body) == {"items", "total", "total_exact", "limit", "offset", "next_cursor"}
    assert (body["limit"], body["offset"]) == (20, 0)
    assert body["total"] == len(ids(client, limit=100)) and body["total_exact"] is True
    item = next(i for i in body["items"] if i["id"] == "mou-energy-vn-az-2025")
    assert item["party_codes"] == ["AZ", "VN"]
    assert item["date"] == "2025" and item["date_precision"] == "year"
    assert item["date_inferred"] is True
    assert "citations" not in item


@pytest.mark.parametrize("codes", [("VN", "AZ"), ("vn", "aze"), ("VNM", "az")])
def test_country_any_case_and_all_must_be_parties(client: TestClient, codes: tuple) -> None:
    found = set(ids(client, f"country={codes[0]}&country={codes[1]}&limit=100"))
    assert found == BAKU | {STUDENTS_1959}  # 1959: their predecessors, VDVN and the Azerbaijan SSR


def test_country_includes_predecessor_entities(client: TestClient) -> None:
    found = ids(client, "country=AZ&limit=100")
    assert "agreement-vietnamese-students-azerbaijan-ssr-1959" in found
    assert ids(client, "country=azerbaijan-ssr") == [
        "agreement-vietnamese-students-azerbaijan-ssr-1959"
    ]


def test_country_with_no_agreements_is_empty(client: TestClient) -> None:
    assert ids(client, "country=FR") == []


def test_sector_includes_sub_sectors(client: TestClient) -> None:
    energy = set(ids(client, "sector=energy"))
    assert {
        "mou-energy-vn-az-2025",
        "mou-oil-gas-petrovietnam-az-ministry-of-economy-2025",
        "mou-crude-oil-supply-binh-son-az-ministry-of-economy-2025",
    } <= energy
    assert set(ids(client, "sector=oil-and-gas")) < energy


def test_repeated_sectors_all_required(client: TestClient) -> None:
    assert ids(client, "sector=oil-and-gas&sector=training") == [
        "mou-oil-gas-petrovietnam-az-ministry-of-economy-2025"
    ]


def test_kind_repeatable_matches_any(client: TestClient) -> None:
    assert ids(client, "kind=letter-of-intent") == ["loi-defence-cooperation-vn-az-2025"]
    both = set(ids(client, "kind=letter-of-intent&kind=declaration"))
    assert both == {
        "loi-defence-cooperation-vn-az-2025",
        "strategic-partnership-declaration-vn-az-2025",
    }


def test_signatory_and_visit_filters(client: TestClient) -> None:
    assert set(ids(client, "signatory=az-ministry-of-economy")) == {
        "mou-oil-gas-petrovietnam-az-ministry-of-economy-2025",
        "mou-crude-oil-supply-binh-son-az-ministry-of-economy-2025",
    }
    assert set(ids(client, "visit=state-visit-to-lam-azerbaijan-2025&limit=100")) == BAKU


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("date_from=2025", BAKU),
        ("date_from=2025-06&date_to=2025-06-30", BAKU),  # a year-precision date overlaps June
        ("date_to=1959-12-31", {"agreement-vietnamese-students-azerbaijan-ssr-1959"}),
        (
            "date_from=1959-05&date_to=1959-05",
            {"agreement-vietnamese-students-azerbaijan-ssr-1959"},
        ),
        ("date_from=1960&date_to=2024", {"unclos-1982"}),
    ],
)
def test_date_ranges_at_any_precision(client: TestClient, query: str, expected: set) -> None:
    assert set(ids(client, query + "&limit=100")) == expected


def test_sorts_break_ties_by_id(client: TestClient, session: Session) -> None:
    make_agreements(session, 12)
    dated = client.get(URL, params={"sort": "date", "limit": 100}).json()["items"]
    keys = [(i["date"] is None, i["date"] or "", i["id"]) for i in dated]
    assert keys == sorted(keys)
    newest = client.get(URL, params={"sort": "-date", "limit": 100}).json()["items"]
    assert [i["id"] for i in newest if i["date"] == "2004"] == ["test-009", "test-004"]
    titles = [
        i["id"]
        for i in client.get(URL, params={"sort": "title", "limit": 100}).json()["items"]
        if i["title"] == "Test agreement 3"
    ]
    assert titles == ["test-003", "test-010"]


@pytest.mark.parametrize("sort", ["date", "-date", "title", "-title"])
@pytest.mark.parametrize("walk", ["offset", "cursor"])
def test_pagination_walk_has_no_gaps_or_repeats(
    client: TestClient, session: Session, sort: str, walk: str
) -> None:
    made = {a.id for a in make_agreements(session, 23)}
    everything = ids(client, sort=sort, limit=100)
    seen: list[str] = []
    url: str | None = f"{URL}?sort={sort}&limit=4"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [i["id"] for i in body["items"]]
        if walk == "cursor":
            url = response.links.get("next", {}).get("url")
            assert (url is None) == (body["next_cursor"] is None)
        else:
            url = (
                f"{URL}?sort={sort}&limit=4&offset={body['offset'] + 4}"
                if body["offset"] + 4 < body["total"]
                else None
            )
    assert seen == everything
    assert len(seen) == len(set(seen)) and made | BAKU | {STUDENTS_1959} <= set(seen)


def test_cursor_walk_is_stable_under_inserts(client: TestClient, session: Session) -> None:
    make_agreements(session, 10)
    before = set(ids(client, sort="title", limit=100))
    first = client.get(URL, params={"sort": "title", "limit": 5}).json()
    make_agreement(session, id="aaa-inserted", title="AAA inserted before the cursor")
    rest = ids(client, sort="title", limit=100, cursor=first["next_cursor"])
    walked = [i["id"] for i in first["items"]] + rest
    assert "aaa-inserted" not in walked
    assert len(walked) == len(set(walked)) and set(walked) == before


def test_link_header_keeps_filters(client: TestClient) -> None:
    response = client.get(URL, params={"country": "VN", "limit": 3})
    next_url = response.links["next"]["url"]
    assert "country=VN" in next_url and "cursor=" in next_url and "limit=3" in next_url
    last = client.get(URL, params={"country": "VN", "limit": 100})
    assert "link" not in last.headers


def test_q_is_case_and_diacritic_insensitive_both_ways(client: TestClient) -> None:
    expected = ["mou-crude-oil-supply-binh-son-az-ministry-of-economy-2025"]
    for q in ("Bình Sơn", "binh son", "BINH SON", "dung quat", "Dung Quất"):
        assert ids(client, q=q) == expected, q


def test_q_matches_signatory_names_and_aliases(client: TestClient) -> None:
    assert ids(client, q="petrovietnam") == ["mou-oil-gas-petrovietnam-az-ministry-of-economy-2025"]


@pytest.mark.parametrize(
    "q",
    [
        "%",
        "%%%",
        "\\",
        "' OR 1=1 --",
        "a_b",
        "🇻🇳 🤝 🇦🇿",
        "x" * 200,
        "'); DROP TABLE agreements; --",
        '" OR ""="',
    ],
)
def test_hostile_q_is_data(client: TestClient, q: str) -> None:
    response = client.get(URL, params={"q": q})
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


@pytest.mark.parametrize("q", ["'", '"', "_", "*", "(", "OR", "--"])
def test_punctuation_q_never_fails(client: TestClient, q: str) -> None:
    assert client.get(URL, params={"q": q}).status_code == 200


@pytest.mark.parametrize("q", ["x" * 5000, "\x00", "a\x00b"])
def test_oversized_or_nul_q_is_a_422(client: TestClient, q: str) -> None:
    assert_problem(client.get(URL, params={"q": q}), 422)


def test_like_wildcards_are_literal(client: TestClient, session: Session) -> None:
    make_agreement(session, id="pct", title="Fund 100% renewable")
    make_agreement(session, id="under", title="snake_case title")
    assert ids(client, q="100%") == ["pct"]
    assert ids(client, q="e_c") == ["under"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("offset=-1", "offset"),
        ("date_from=banana", "date_from"),
        ("date_to=2025-02-30", "date_to"),
        ("date_from=2025-13", "date_from"),
        ("sort=bogus", "sort"),
        ("kind=novel", "kind"),
        ("country=XX", "country"),
        ("sector=nope", "sector"),
        ("signatory=nobody", "signatory"),
        ("visit=nowhere", "visit"),
        ("cursor=garbage", "cursor"),
        ("colour=red", "colour"),
    ],
)
def test_bad_parameters_are_named_422s(client: TestClient, query: str, parameter: str) -> None:
    assert_problem(client.get(f"{URL}?{query}"), 422, parameter)


def test_cursor_from_another_sort_is_rejected(client: TestClient) -> None:
    cursor = client.get(URL, params={"limit": 1}).json()["next_cursor"]
    assert_problem(client.get(URL, params={"cursor": cursor, "sort": "title"}), 422, "cursor")


def test_detail_embeds_everything_with_citations(client: TestClient) -> None:
    body = client.get(f"{URL}/mou-energy-vn-az-2025").json()
    assert {p["country"]["id"] for p in body["parties"]} == {"VN", "AZ"}
    roles = {(s["signatory"]["id"], s["role"], s["side"]) for s in body["signatories"]}
    assert ("vn-ministry-of-industry-and-trade", "signatory", "VN") in roles
    assert ("ilham-aliyev", "witness", "AZ") in roles
    assert [s["id"] for s in body["sectors"]] == ["energy"]
    assert body["visit"]["id"] == "state-visit-to-lam-azerbaijan-2025"
    assert body["date_inferred"] is True and "2025–27" in body["provenance"]["date"]["reason"]
    assert body["citations"] and all({"source", "quote"} <= c.keys() for c in body["citations"])
    sources = {
        s["id"]: s["text"]
        for s in client.get("/api/v1/sources?limit=100").json()["items"]
        if "text" in s
    } or {
        c["source"]: client.get(f"/api/v1/sources/{c['source']}").json()["text"]
        for c in body["citations"]
    }
    assert all(c["quote"] in sources[c["source"]] for c in body["citations"])


def test_detail_shows_both_names_and_the_discrepancy(client: TestClient) -> None:
    body = client.get(f"{URL}/strategic-partnership-declaration-vn-az-2025").json()
    assert any("Joint Statement" in name for name in [body["title"], *body["aliases"]])
    assert len({c["source"] for c in body["citations"]}) == 2
    kinds = [d for d in body["discrepancies"] if d["field"] == "kind"]
    assert kinds and len(kinds[0]["readings"]) == 2


def test_detail_marks_inferred_parties(client: TestClient) -> None:
    body = client.get(f"{URL}/agreement-vietnamese-students-azerbaijan-ssr-1959").json()
    parties = {p["country"]["id"]: p for p in body["parties"]}
    assert parties["azerbaijan-ssr"]["country"]["is_historical"] is True
    assert all(
        p["inferred"] == (body["provenance"][f"party_codes[{code}]"]["basis"] == "inferred")
        for code, p in parties.items()
    )


def test_unknown_agreement_is_a_404(client: TestClient) -> None:
    assert_problem(client.get(f"{URL}/no-such-agreement"), 404)


def test_list_page_runs_a_constant_number_of_statements(
    client: TestClient, session: Session, sql_log: list[str]
) -> None:
    make_agreements(session, 120, sectors=("energy",))
    ids(client, "sector=energy&country=FR")  # the counting index built, once, before the pages
    counts = []
    for limit in (1, 100):
        sql_log.clear()
        assert len(ids(client, "sector=energy&country=FR", limit=limit)) == limit
        counts.append(len(sql_log))
    assert counts[0] == counts[1], counts
    # the country and its predecessors, the sector tree, count, page, parties, citations:
    # one each
    assert counts[0] <= 6, counts


@pytest.mark.parametrize("sort", ["date", "-date"])
def test_undated_records_come_last_either_way(
    client: TestClient, session: Session, sort: str
) -> None:
    make_agreement(session, id="undated-b", date=None)
    make_agreement(session, id="undated-a", date=None)
    everything = set(ids(client, limit=100))
    walked: list[dict[str, object]] = []
    url: str | None = f"{URL}?sort={sort}&limit=3"
    while url:
        response = client.get(url)
        walked += response.json()["items"]
        url = response.links.get("next", {}).get("url")
    undated = [i["id"] for i in walked if i["date"] is None]
    assert {"undated-a", "undated-b"} <= set(undated)  # beside the seeds' own (UN Charter)
    assert [i["id"] for i in walked[-len(undated) :]] == undated  # all last
    assert undated == sorted(undated, reverse=sort == "-date")  # by id, the sort's way
    assert {i["id"] for i in walked} == everything


@pytest.mark.parametrize("either_engine", ["SQL"], indirect=True)  # the index counts all
def test_total_is_capped_but_the_walk_is_complete(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "COUNT_CAP", 5)
    body = client.get(URL, params={"limit": 4}).json()
    assert (body["total"], body["total_exact"]) == (5, False)
    walked = ids(client, limit=100)
    assert len(walked) > 5 and BAKU | {STUDENTS_1959} <= set(walked)
    exact = client.get(URL, params={"kind": "mou"}).json()
    assert exact["total_exact"] is True


def test_inferred_parties_are_flagged_in_lists(client: TestClient) -> None:
    """A list row's `party_codes` carries its flags in `provenance`, as the detail does,
    keyed `party_codes[<id>]`; a field the row does not show has no entry there."""
    row = next(
        i
        for i in client.get(URL, params={"country": "VN"}).json()["items"]
        if i["id"] == STUDENTS_1959
    )
    assert row["party_codes"] == ["VDVN", "azerbaijan-ssr"]
    for party in row["party_codes"]:
        assert row["provenance"][f"party_codes[{party}]"]["basis"] == "inferred"
    assert "place_country_id" not in row["provenance"]
    detail = client.get(f"{URL}/{STUDENTS_1959}").json()
    assert detail["provenance"]["place_country_id"]["reason"]
    energy = client.get(f"{URL}/mou-energy-vn-az-2025").json()
    assert not any(key.startswith("party_codes[") for key in energy["provenance"])
    (cited,) = [c["id"] for c in energy["citations"] if c["field"] == "parties"]
    assert energy["provenance"]["party_codes"] == {"basis": "cited", "citations": [cited]}


@pytest.mark.parametrize(
    ("agreement", "status", "verb"),
    [
        ("mou-energy-vn-az-2025", "signed", "signed"),
        ("loi-defence-cooperation-vn-az-2025", "exchanged", "exchanged"),
        ("mou-crude-oil-supply-binh-son-az-ministry-of-economy-2025", "exchanged", "exchanged"),
        ("mou-science-technology-digital-transport-vn-az-2025", "reached", "reached"),
        ("cooperation-programme-justice-vn-az-2025-2027", "agreed", "agreed"),
    ],
)
def test_status_follows_the_sources_verb(
    client: TestClient, agreement: str, status: str, verb: str
) -> None:
    body = client.get(f"{URL}/{agreement}").json()
    assert body["status"] == status
    assert any(c["field"] == "status" and verb in c["quote"] for c in body["citations"])


def test_the_joint_statement_refers_to_unclos(client: TestClient) -> None:
    statement = client.get(f"{URL}/strategic-partnership-declaration-vn-az-2025").json()
    assert [r["id"] for r in statement["references"]] == ["unclos-1982"]
    # Inferred: the leaders' words on the East Sea are not the Statement's text, so no quote
    # of them is the reference's citation (issue 24, finding 5).
    assert statement["provenance"]["references"]["basis"] == "inferred"
    assert "references" not in {c["field"] for c in statement["citations"]}
    unclos = client.get(f"{URL}/unclos-1982").json()
    assert unclos["date"] == "1982" and unclos["aliases"] == ["UNCLOS"]
    assert unclos["parties"] == [] and unclos["status"] is None  # the sources say neither
    assert [r["id"] for r in unclos["referenced_by"]] == [statement["id"]]
    assert "precedent-setting" not in " ".join(c["quote"] for c in statement["citations"])


@pytest.mark.parametrize("sort", ["date", "-date", "title"])
def test_undated_agreements_are_outside_every_date_range(
    client: TestClient, session: Session, sort: str
) -> None:
    make_agreement(session, id="undated-test", date=None)
    for bounds in ({"date_to": "2100"}, {"date_from": "1900"}):
        found = ids(client, sort=sort, limit=100, **bounds)
        assert "undated-test" not in found, (sort, bounds)
    assert "undated-test" in ids(client, sort=sort, limit=100)
