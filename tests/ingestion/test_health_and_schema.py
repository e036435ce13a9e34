import pytest

from feedback_desk.celery import app as celery_app


@pytest.mark.django_db
def test_healthz_answers_ok_when_database_and_broker_answer(client):
    from feedback_desk.heartbeat import sweep_heartbeat_record

    sweep_heartbeat_record()
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json()["checks"] == {"database": "ok", "broker": "ok", "sla_sweep": "ok"}


@pytest.mark.django_db
def test_healthz_names_the_broker_when_it_does_not_answer(client):
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        celery_app.pool.force_close_all()
        answer = client.get("/healthz")
    finally:
        celery_app.conf.broker_url = original
        celery_app.pool.force_close_all()
    assert answer.status_code == 503
    body = answer.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] != "ok"
    assert "broker" in body["detail"]


@pytest.mark.django_db
def test_openapi_schema_describes_ingestion(client):
    answer = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert answer.status_code == 200
    schema = answer.json() if answer["Content-Type"].endswith("json") else None
    if schema is None:
        import yaml

        schema = yaml.safe_load(answer.content)
    post = schema["paths"]["/api/v1/responses/"]["post"]
    assert {"201", "200", "400", "409"} <= set(post["responses"])
    body = schema["components"]["schemas"]["ResponseInRequest"]
    assert body["properties"]["score"]["type"] == "integer"
    assert "customer" in body["required"]


@pytest.mark.django_db
def test_api_docs_page_renders(client):
    assert client.get("/api/docs/").status_code == 200
