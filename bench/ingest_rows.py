"""The benchmark's rows: realistic answers (about 30 % detractors, customers answering about
twice, Russian and English comments), the raw executemany/COPY baselines and the CSV file."""

from __future__ import annotations

import csv
import json
import random
import time

COMMENTS = [
    "Курьер опоздал на два дня, никто не позвонил.",
    "Delivery was late and nobody called.",
    "Всё отлично, спасибо!",
    "Great service.",
    "",
]


def rows(prefix: str, n: int, detractor_share: float = 0.3):
    rng = random.Random(prefix)
    customers = max(n // 2, 1)
    for i in range(n):
        c = rng.randrange(customers)
        roll = rng.random()
        score = (
            rng.randint(0, 6)
            if roll < detractor_share
            else rng.randint(7, 8)
            if roll < 0.5
            else rng.randint(9, 10)
        )
        yield {
            "external_id": f"{prefix}-{i}",
            "score": score,
            "comment": rng.choice(COMMENTS),
            "customer_external_id": f"{prefix}-c{c}",
            "customer_email": f"{prefix}{c}@example.com",
            "customer_name": f"Клиент {c}" if c % 2 else f"Customer {c}",
            "customer_segment": "smb" if c % 3 else "enterprise",
        }


def item(row: dict, responded_at: str) -> dict:
    return {
        "survey": "bench",
        "external_id": row["external_id"],
        "score": row["score"],
        "comment": row["comment"],
        "channel": "email",
        "responded_at": responded_at,
        "customer": {
            "external_id": row["customer_external_id"],
            "email": row["customer_email"],
            "name": row["customer_name"],
            "segment": row["customer_segment"],
        },
        "metadata": {"order_id": row["external_id"]},
    }


def raw_paths(connection, source_id: int, survey_id: int, prefix: str, n: int, now, copy: bool):
    """executemany or COPY of customers then answers (no tickets: the floor of the work)."""
    data = list(rows(prefix, n))
    customers = {r["customer_external_id"]: r for r in data}
    start = time.perf_counter()
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg cursor
        cols = "external_id, email, name, phone, segment, locale, time_zone, preferred_channel"
        values = [
            (
                c["customer_external_id"],
                c["customer_email"],
                c["customer_name"],
                "",
                c["customer_segment"],
                "",
                "",
                "",
                now,
                now,
            )
            for c in customers.values()
        ]
        if copy:
            with cursor.copy(
                f"COPY surveys_customer ({cols}, created_at, updated_at) FROM STDIN"
            ) as pipe:
                for row in values:
                    pipe.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO surveys_customer ({cols}, created_at, updated_at) VALUES "
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                values,
            )
        cursor.execute(
            "SELECT external_id, id FROM surveys_customer WHERE external_id = ANY(%s)",
            [list(customers)],
        )
        ids = dict(cursor.fetchall())
        answers = [
            (
                survey_id,
                ids[r["customer_external_id"]],
                source_id,
                r["external_id"],
                r["score"],
                "detractor" if r["score"] <= 6 else "passive" if r["score"] <= 8 else "promoter",
                r["comment"],
                "email",
                now,
                now,
                json.dumps({"order_id": r["external_id"]}),
            )
            for r in data
        ]
        cols = (
            "survey_id, customer_id, source_id, external_id, score, category, comment, "
            "channel, responded_at, received_at, metadata"
        )
        if copy:
            with cursor.copy(f"COPY surveys_response ({cols}) FROM STDIN") as pipe:
                for row in answers:
                    pipe.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO surveys_response ({cols}) VALUES "
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                answers,
            )
    return time.perf_counter() - start


def csv_write(stream, prefix: str, n: int, stamp: str) -> None:
    writer = csv.writer(stream)
    writer.writerow(
        [
            "survey",
            "external_id",
            "score",
            "comment",
            "channel",
            "responded_at",
            "customer_external_id",
            "customer_email",
            "customer_name",
            "customer_segment",
        ]
    )
    for r in rows(prefix, n):
        writer.writerow(
            [
                "bench",
                r["external_id"],
                r["score"],
                r["comment"],
                "email",
                stamp,
                r["customer_external_id"],
                r["customer_email"],
                r["customer_name"],
                r["customer_segment"],
            ]
        )
