"""Eight systems posting detractor answers for the same customer at the same moment."""

import json

import pytest
from rest_framework.test import APIClient

from surveys.models import Customer, Response
from tests import threads
from tests.factories import SourceFactory, SurveyFactory, detractor_payload
from tickets.models import OPEN_STATUSES, Ticket

THREADS = 8


def run_at_once(work) -> list:
    return threads.run_at_once(work, THREADS)


@pytest.fixture
def source_key_for_threads(transactional_db):
    SurveyFactory(slug="nps-2026")
    source = SourceFactory()
    key = source.issue_key()
    source.save()
    return key


def post_from_thread(key: str, body: dict):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    answer = client.post(
        "/api/v1/responses/", data=json.dumps(body), content_type="application/json"
    )
    return answer.status_code, answer.json()


@pytest.mark.postgres
def test_concurrent_detractors_for_one_customer_leave_exactly_one_open_ticket(
    source_key_for_threads,
):
    results = run_at_once(
        lambda i: post_from_thread(
            source_key_for_threads, detractor_payload(external_id=f"resp-{i}", score=i % 7)
        )
    )
    assert [r[0] for r in results] == [201] * THREADS, results
    assert Customer.objects.count() == 1
    assert Response.objects.count() == THREADS
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    assert open_tickets.count() == 1
    ticket = open_tickets.get()
    assert ticket.responses.count() == THREADS
    assert {r[1]["ticket"]["id"] for r in results} == {ticket.pk}


@pytest.mark.postgres
def test_concurrent_replays_of_one_answer_store_it_once(source_key_for_threads):
    results = run_at_once(lambda i: post_from_thread(source_key_for_threads, detractor_payload()))
    codes = sorted(r[0] for r in results)
    assert codes == [200] * (THREADS - 1) + [201], results
    assert Response.objects.count() == 1
    assert len({r[1]["id"] for r in results}) == 1
    assert Ticket.objects.count() == 1
