"""The schema says what the API returns: types, nulls, the source-key scheme, reports."""

import pytest
import yaml

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(admin_api):
    return yaml.safe_load(admin_api.get("/api/schema/").content)


def test_ticket_fields_have_their_real_types(schema):
    props = schema["components"]["schemas"]
    assert props["TicketBrief"]["properties"]["assignee"]["type"] == "integer"
    assert props["TicketBrief"]["properties"]["team"]["type"] == "string"
    assert props["TicketDetail"]["properties"]["due_at"]["nullable"] is True


def test_source_key_scheme_and_report_parameters_are_documented(schema):
    assert schema["components"]["securitySchemes"]["sourceKey"]["scheme"] == "bearer"
    nps = schema["paths"]["/api/v1/reports/nps/"]["get"]
    assert {p["name"] for p in nps["parameters"]} >= {"survey", "segment", "start", "end"}
    assert {"200", "400"} <= set(nps["responses"])
    sla = schema["paths"]["/api/v1/reports/sla/"]["get"]
    assert "team" in {p["name"] for p in sla["parameters"]}
