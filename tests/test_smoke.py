from tests.factories import ingest


def test_detractor_answer_opens_a_ticket_in_the_fallback_team(survey, source):
    result = ingest(survey, source, score=2)
    ticket = result.response.ticket
    assert ticket is not None
    assert ticket.team.is_fallback
    assert ticket.events.filter(kind="created").count() == 1


def test_promoter_answer_opens_no_ticket(survey, source):
    result = ingest(survey, source, score=10)
    assert result.response.category == "promoter"
    assert result.response.ticket is None
