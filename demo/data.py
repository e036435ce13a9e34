"""Demo data: teams, rules, people and six weeks of answers, loaded through the real
ingestion path so tickets, routing and SLA clocks come out exactly as in production.

Everything is keyed (slugs, usernames, external ids) and the random stream is seeded, so a
second run stores nothing new.
"""

from __future__ import annotations

from tickets.models import (
    Team,
)

SEED = 2026
CUSTOMERS = 300
ANSWERS = 650
DAYS = 42
DEMO_SOURCE = "demo"
API_SOURCE = "api"

# username, first name, last name, language, time zone, teams it manages
PEOPLE = [
    ("manager", "Marina", "Sokolova", "ru", "Europe/Moscow", ["enterprise-care"]),
    ("agent", "Alex", "Morgan", "en", "Europe/Berlin", []),
    ("ivan", "Иван", "Петров", "ru", "Europe/Moscow", []),
    ("olga", "Ольга", "Смирнова", "ru", "Asia/Yekaterinburg", ["retail-support"]),
    ("dmitry", "Дмитрий", "Козлов", "ru", "Asia/Yekaterinburg", []),
    ("emma", "Emma", "Walker", "en", "America/New_York", []),
    ("peter", "Peter", "Klein", "en", "Europe/Berlin", ["delivery"]),
    ("sergey", "Сергей", "Волков", "ru", "Europe/Moscow", []),
    ("julia", "Julia", "Weber", "en", "Europe/Berlin", []),
]
TEAMS = [
    # slug, name, strategy, agents, fallback
    ("enterprise-care", "Enterprise care", Team.Strategy.FEWEST_OPEN, ["agent", "ivan"], False),
    ("retail-support", "Retail support", Team.Strategy.ROUND_ROBIN, ["dmitry", "emma"], True),
    ("delivery", "Delivery", Team.Strategy.FEWEST_OPEN, ["sergey", "julia", "agent"], False),
]
SURVEYS = [
    # slug, name, question, min, max, detractor_max, passive_max, share of answers
    ("nps-2026", "Customer NPS 2026", "How likely are you to recommend us?", 0, 10, 6, 8, 50),
    ("csat-support", "Support CSAT", "How satisfied are you with our support?", 1, 5, 2, 3, 25),
    (
        "delivery-nps",
        "Post-delivery NPS",
        "How likely are you to recommend our delivery?",
        0,
        10,
        6,
        8,
        25,
    ),
]
ROOT_CAUSES = [
    ("delivery", "Delivery", None),
    ("delivery_late", "Late delivery", "delivery"),
    ("delivery_damaged", "Damaged in transit", "delivery"),
    ("delivery_wrong_item", "Wrong item delivered", "delivery"),
    ("product", "Product", None),
    ("product_quality", "Quality defect", "product"),
    ("product_expectations", "Did not meet expectations", "product"),
    ("service", "Customer service", None),
    ("service_slow", "Slow response", "service"),
    ("service_rude", "Unfriendly staff", "service"),
    ("service_unresolved", "Earlier issue not solved", "service"),
    ("billing", "Billing", None),
    ("billing_overcharged", "Charged incorrectly", "billing"),
    ("billing_refund_delay", "Refund delayed", "billing"),
    ("pricing", "Price", None),
    ("pricing_too_high", "Too expensive", "pricing"),
]
RESOLUTION_CODES = [
    ("resolved_explained", "Explained and resolved", True),
    ("resolved_fixed", "Problem fixed", True),
    ("goodwill_offered", "Goodwill offered", True),
    ("customer_declined", "Customer declined to talk", True),
]
CAUSE_WORDS = [
    ("delivery_late", ("late", "slot", "rescheduled", "опозда", "переносили", "окно доставки")),
    ("delivery_damaged", ("broken", "soaked", "dented", "мятой", "промокла")),
    ("delivery_wrong_item", ("wrong size", "missing", "не тот", "не хватало")),
    ("billing_overcharged", ("charged", "billed", "fees", "invoice", "списали", "счёте")),
    ("billing_refund_delay", ("refund", "возврат")),
    ("service_slow", ("waited", "callback", "hotline", "перезвонить", "на линии")),
    ("service_rude", ("rude", "нагрубил")),
    ("pricing_too_high", ("expensive", "price", "дорого", "цен")),
    ("product_quality", ("stopped working", "faulty", "crashes", "сломался", "бракован")),
]
DELIVERY_WORDS = ("deliver", "courier", "parcel", "package", "доставк", "курьер", "посылк")
RU_FIRST = [
    "Анна",
    "Мария",
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Светлана",
    "Алексей",
    "Дмитрий",
    "Сергей",
    "Андрей",
    "Михаил",
    "Николай",
    "Павел",
    "Игорь",
]
RU_FIRST_LAT = [
    "anna",
    "maria",
    "elena",
    "olga",
    "natalia",
    "tatiana",
    "irina",
    "svetlana",
    "alexey",
    "dmitry",
    "sergey",
    "andrey",
    "mikhail",
    "nikolay",
    "pavel",
    "igor",
]
RU_LAST = [
    ("Иванов", "ivanov"),
    ("Петров", "petrov"),
    ("Смирнов", "smirnov"),
    ("Кузнецов", "kuznetsov"),
    ("Попов", "popov"),
    ("Васильев", "vasiliev"),
    ("Соколов", "sokolov"),
    ("Михайлов", "mikhailov"),
    ("Новиков", "novikov"),
    ("Фёдоров", "fedorov"),
    ("Морозов", "morozov"),
    ("Волков", "volkov"),
    ("Лебедев", "lebedev"),
    ("Козлов", "kozlov"),
    ("Орлов", "orlov"),
]
EN_FIRST = [
    "James",
    "Mary",
    "John",
    "Linda",
    "Michael",
    "Sarah",
    "David",
    "Emily",
    "Daniel",
    "Laura",
    "Thomas",
    "Anna",
    "Lukas",
    "Sophie",
    "Felix",
    "Hannah",
]
EN_LAST = [
    "Smith",
    "Johnson",
    "Brown",
    "Miller",
    "Davis",
    "Wilson",
    "Taylor",
    "Clark",
    "Schmidt",
    "Müller",
    "Fischer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Evans",
    "Turner",
]
RU_ZONES = (
    ["Europe/Moscow"] * 5 + ["Asia/Yekaterinburg"] * 2 + ["Asia/Novosibirsk", "Europe/Samara"]
)
EN_ZONES = ["Europe/Berlin"] * 3 + ["America/New_York"] * 2 + ["Europe/London", "America/Chicago"]
COMPANIES = [
    "Север",
    "Volga Logistics",
    "Уральские сети",
    "Nordwind GmbH",
    "Atlas Retail",
    "ТехноСтрой",
    "Blue Harbor Inc.",
]
CHANNELS = ["email", "email", "sms", "web", "in_app"]
RESOLUTION_NOTES = {
    "en": [
        "Called the customer, apologised and explained what went wrong.",
        "Courier service informed; the customer accepted the explanation.",
        "Refund processed, customer confirmed by phone.",
        "Replacement shipped with express delivery.",
        "Billing corrected, credit note sent.",
    ],
    "ru": [
        "Позвонили клиенту, извинились и объяснили причину.",
        "Передали жалобу в службу доставки, клиент принял объяснение.",
        "Оформили возврат, клиент подтвердил по телефону.",
        "Отправили замену экспресс-доставкой.",
        "Исправили счёт, отправили корректировку.",
    ],
}
CONTACT_NOTES = {
    "en": ["Left a message.", "Customer busy, asked to call later.", "Talked it through."],
    "ru": ["Оставили сообщение.", "Клиент занят, просил перезвонить.", "Обсудили ситуацию."],
}
