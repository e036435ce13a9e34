"""The schema says what the API returns: types, nulls, the source-key scheme, reports."""

import pytest
import yaml

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(admin_api):
    return yaml.safe_load(admin_api.get("/api/schema/").content)


def ref_of(prop: dict) -> str:
    """The component a property points at, directly or through allOf (nullable refs)."""
    return prop.get("$ref") or prop["allOf"][0]["$ref"]


def test_ticket_fields_have_their_real_types(schema):
    props = schema["components"]["schemas"]
    assert props["TicketDetail"]["properties"]["due_at"]["nullable"] is True


@pytest.mark.parametrize("ticket", ["TicketBrief", "TicketList", "TicketDetail"])
def test_a_ticket_has_one_shape_for_team_and_assignee(schema, ticket):
    props = schema["components"]["schemas"][ticket]["properties"]
    assert ref_of(props["team"]) == "#/components/schemas/TeamBrief"
    assert ref_of(props["assignee"]) == "#/components/schemas/UserBrief"
    assert props["assignee"]["nullable"] is True


@pytest.mark.parametrize("path", ["/api/v1/tickets/", "/api/v1/responses/"])
def test_list_errors_are_documented_with_their_body(schema, path):
    responses = schema["paths"][path]["get"]["responses"]
    for code in ("400", "401", "404"):
        body = responses[code]["content"]["application/json"]["schema"]
        assert body["$ref"] == "#/components/schemas/ErrorBody"
    error = schema["components"]["schemas"]["ErrorBody"]
    assert set(error["required"]) == {"detail", "code", "errors"}


def test_the_sla_report_body_is_documented(schema):
    body = schema["paths"]["/api/v1/reports/sla/"]["get"]["responses"]["200"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    report = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"tickets_opened", "first_contact", "resolution"} <= set(report["properties"])


def test_source_key_scheme_and_report_parameters_are_documented(schema):
    assert schema["components"]["securitySchemes"]["sourceKey"]["scheme"] == "bearer"
    nps = schema["paths"]["/api/v1/reports/nps/"]["get"]
    assert {p["name"] for p in nps["parameters"]} >= {"survey", "segment", "start", "end"}
    assert {"200", "400"} <= set(nps["responses"])
    sla = schema["paths"]["/api/v1/reports/sla/"]["get"]
    assert "team" in {p["name"] for p in sla["parameters"]}


def test_every_operation_documents_the_answers_any_request_can_get(schema):
    """414 from the HTTP server (found by the fuzzer: a 4 kB query string), 429 throttles."""
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert {"414", "429"} <= set(operation["responses"]), (method, path)
            if method == "post":
                assert "413" in operation["responses"], path


def test_every_operation_documents_401_for_a_missing_or_wrong_credential(schema):
    """The reports did not: a source key (write only) on them got an undocumented 401."""
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if path.startswith("/api/v1/"):
                assert "401" in operation["responses"], (method, path)


@pytest.mark.parametrize("url", ["/api/v1/reports/nps/", "/api/v1/reports/sla/"])
def test_a_source_key_cannot_read_the_reports(ingest_api, url):
    answer = ingest_api.get(url)
    assert answer.status_code == 401
    assert answer.json()["code"] == "not_authenticated"
