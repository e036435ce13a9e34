"""A local HTTP server (127.0.0.1, a thread) standing in for the platforms' responses APIs.

It serves documented shapes: SurveyMonkey's response details (the documented bulk example's
response object) and, built for the tests (no sample is documented), Qualtrics' single
response (`result.values`) and SurveyMonkey's survey details (choices with text 0–10).
`down = True` makes every request answer 503, as an outage would; `status` forces another.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.intake.conftest import payload

TOKEN = "api-token-123"


class PlatformApi:
    def __init__(self):
        self.down = False
        self.status: int | None = None  # every request answers this status (e.g. 403, 429)
        self.requests: list[tuple[str, dict]] = []
        self.routes: dict[str, dict] = {}
        self.redirects: dict[str, str] = {}  # path -> Location of a 302
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                api.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                if self.path in api.redirects:
                    self.send_response(302)
                    self.send_header("Location", api.redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                authorised = (
                    self.headers.get("X-API-TOKEN") == TOKEN
                    or self.headers.get("Authorization") == f"Bearer {TOKEN}"
                )
                if api.down:
                    status, document = 503, {"error": "maintenance"}
                elif api.status is not None:
                    status, document = api.status, {"error": f"status {api.status}"}
                elif not authorised:
                    status, document = 401, {"error": "unauthorised"}
                elif self.path in api.routes:
                    status, document = 200, api.routes[self.path]
                else:
                    status, document = 404, {"error": "not found"}
                raw = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def qualtrics_response(response_id: str, score: int, comment: str) -> dict:
    """Shape of GET /API/v3/surveys/{id}/responses/{id} (Qualtrics API reference)."""
    return {
        "result": {
            "responseId": response_id,
            "values": {
                "startDate": "2019-06-26T13:27:40Z",
                "endDate": "2019-06-26T13:28:11Z",
                "status": 0,
                "finished": 1,
                "recipientEmail": "anna@example.com",
                "recipientFirstName": "Anna",
                "recipientLastName": "Petrova",
                "externalDataReference": "CRM-881",
                "QID1": score,
                "QID1_NPS_GROUP": 1,
                "QID2_TEXT": comment,
            },
        },
        "meta": {"httpStatus": "200 - OK"},
    }


def surveymonkey_details() -> dict:
    """The documented bulk example's response object (what /details returns for one)."""
    return payload("surveymonkey_responses_bulk_followup_GET")["data"][0]


def surveymonkey_survey(question_id: str, choice_id: str, score: int) -> dict:
    """Survey details for an NPS question: eleven choices with texts 0–10 (built for tests)."""
    choices = [
        {"id": choice_id if n == score else f"99{n:02d}", "text": str(n), "position": n + 1}
        for n in range(11)
    ]
    return {
        "id": "105723396",
        "pages": [
            {
                "id": "103332310",
                "questions": [
                    {
                        "id": question_id,
                        "family": "matrix",
                        "subtype": "rating",
                        "answers": {"rows": [{"id": "1", "text": ""}], "choices": choices},
                    }
                ],
            }
        ],
    }
