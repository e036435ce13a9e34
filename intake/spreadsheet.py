"""Spreadsheet exports as customers have them: recognised by their headers, decoded and
checked as a whole before the first row is stored.

Shapes recognised: SurveyMonkey (two header rows), Google Forms (`Timestamp`), Typeform
(`#`, `Submit Date (UTC)`), Delighted (`Response ID`, `Score`), and the contract's own CSV
columns; anything else goes through a column mapping with guesses from the header row.
Encodings: UTF-8 with or without BOM, else detected (charset-normalizer; Windows-1251 is what
Excel in Russia saves); delimiter sniffed among `;` `,` tab; XLSX read with openpyxl in
read-only mode. Rows without an answer id are keyed by a hash of their content, so re-running
a file imports nothing twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zoneinfo
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from intake.validation import CSV_COLUMNS, Invalid, item_from_csv_row

FIELDS = (
    "external_id",
    "score",
    "comment",
    "responded_at",
    "customer_external_id",
    "customer_email",
    "customer_name",
    "customer_segment",
)
DATE_FORMATS = (
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%Y/%m/%d %I:%M:%S %p",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)
DAY_FIRST_FORMATS = tuple(f.replace("%m/%d/%Y", "%d/%m/%Y") for f in DATE_FORMATS)
SLASH_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/\d{4}")
DATE_ORDERS = ("auto", "dmy", "mdy")
GMT_OFFSET = re.compile(r"\s*(?:GMT|UTC)(?:([+-]\d{1,2})(?::?(\d{2}))?)?\s*$", re.I)
GUESSES = {
    "external_id": ("response id", "respondent id", "external_id", "id ответа", "#"),
    "score": ("recommend", "порекомендуете", "рекомендовать", "nps", "score", "оценка"),
    "comment": ("comment", "why", "reason", "почему", "комментар", "open-ended"),
    "responded_at": (
        "submit date",
        "timestamp",
        "отметка времени",
        "created at",
        "end date",
        "date",
        "дата",
    ),
    "customer_external_id": ("customer id", "person id", "customer_external_id", "клиент"),
    "customer_email": ("email", "e-mail", "почт"),
    "customer_name": ("name", "имя"),
    "customer_segment": ("segment", "сегмент", "plan", "тариф"),
}


class SpreadsheetInvalid(Exception):
    """The file as a whole cannot be read: nothing of it is stored."""


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line or row number in the file, cells)
    shape: str = "mapped"
    encoding: str = ""
    delimiter: str = ""
    mapping: dict[str, str] = field(default_factory=dict)
    day_first: bool = False  # 05/11/2026 is 5 November (see date_order)


def _decode(data: bytes, encoding: str = "") -> tuple[str, str]:
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError as exc:
            raise SpreadsheetInvalid(_("Unknown encoding '%(e)s'.") % {"e": encoding}) from exc
        except UnicodeDecodeError as exc:
            raise SpreadsheetInvalid(
                _("The file is not %(e)s text (%(err)s).") % {"e": encoding, "err": exc}
            ) from exc
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    # No cp1252: with English headers and one Russian comment it scores as well as cp1251
    # and stores "Êóðüåð"; a Western European file can name its encoding (--encoding).
    best = from_bytes(data, cp_isolation=["cp1251", "koi8_r", "utf_16"]).best()
    if best is None:
        raise SpreadsheetInvalid(_("The file's text encoding could not be recognised."))
    return str(best), best.encoding


def _sniff(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in ";,\t"}
        return max(counts, key=counts.get)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


ERROR_FILE_COLUMNS = ("_row", "_column", "_reason")
FORMULA_ESCAPED = re.compile(r"^'(?=[=+\-@\t\r])")


def _unsafe(cell: str) -> str:
    """Takes off the apostrophe the error file put before a formula-like cell."""
    return FORMULA_ESCAPED.sub("", cell, count=1)


def read_table(data: bytes, filename: str = "", *, encoding: str = "") -> Table:
    """The whole file, decoded (as `encoding` if given), as a header and rows; raises
    SpreadsheetInvalid."""
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:  # read-only sheets are parsed while iterated: a damaged one fails here
                sheet = book.worksheets[0]
                rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            finally:
                book.close()
        except Exception as exc:  # a damaged or non-XLSX zip, a broken sheet
            raise SpreadsheetInvalid(
                _("The XLSX file cannot be read (%(e)s).") % {"e": exc}
            ) from exc
        encoding, delimiter = "xlsx", ""
    else:
        text, encoding = _decode(data, encoding)
        delimiter = _sniff(text)
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise SpreadsheetInvalid(str(exc)) from exc
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise SpreadsheetInvalid(_("The file is empty; the first line must name the columns."))
    header = [h.strip() for h in rows[0]]
    if set(ERROR_FILE_COLUMNS) <= set(header):  # our error file: its cells were made safe
        rows[1:] = [[_unsafe(c) for c in r] for r in rows[1:]]
    body = [(n + 2, r) for n, r in enumerate(rows[1:])]
    table = Table(header=header, rows=body, encoding=encoding, delimiter=delimiter)
    _recognise(table)
    return table


def _find(header: list[str], *needles: str, exact: bool = False) -> str | None:
    for column in header:
        low = column.lower()
        if any((low == n) if exact else (n in low) for n in needles):
            return column
    return None


def _recognise(table: Table) -> None:
    header = table.header
    lower = [h.lower() for h in header]
    if "score" in header and all(h in CSV_COLUMNS or h.startswith(("meta_", "_")) for h in header):
        table.shape = "contract"
        table.mapping = {f: f for f in FIELDS if f in header}
        return
    known = [h for h in header if h in CSV_COLUMNS]
    if "score" in known and len(known) * 2 >= len(header):
        # This format with a typo or a stray column: say so rather than drop data silently.
        unknown = [h for h in header if h not in CSV_COLUMNS and not h.startswith(("meta_", "_"))]
        raise SpreadsheetInvalid(
            _("Unknown columns: %(cols)s. See docs/integrations.md for the CSV format.")
            % {"cols": ", ".join(unknown)}
        )
    if lower[:2] == ["respondent id", "collector id"] and table.rows:
        # SurveyMonkey: the second header row holds "Response" / "Open-Ended Response".
        second = table.rows.pop(0)[1]
        merged, question = [], ""
        for top, sub in zip(header, second + [""] * len(header), strict=False):
            question = top or question
            merged.append(
                f"{question} | {sub}".strip(" |") if sub and sub != "Response" else question
            )
        table.header = header = merged
        table.shape = "surveymonkey"
        table.mapping = {
            "external_id": "Respondent ID",
            "responded_at": _find(header, "end date"),
            "score": _find(header, "recommend"),
            "comment": _find(header, "open-ended"),
            "customer_email": _find(header, "email address"),
            "customer_external_id": _find(header, "custom data"),
        }
    elif lower and lower[0] in ("timestamp", "отметка времени"):
        table.shape = "google_forms"
        table.mapping = {
            "responded_at": header[0],
            "score": _find(header, "recommend", "порекоменд"),
            "customer_email": _find(header, "email address", "адрес электронной почты"),
        }
        score = table.mapping["score"]
        if score:
            after = header[header.index(score) + 1 :]
            table.mapping["comment"] = after[0] if after else None
    elif lower and lower[0] == "#" and "submit date (utc)" in lower:
        table.shape = "typeform"
        table.mapping = {
            "external_id": "#",
            "responded_at": _find(header, "submit date (utc)", exact=True),
            "score": _find(header, "recommend"),
            "customer_email": _find(header, "email"),
        }
        score = table.mapping["score"]
        after = header[header.index(score) + 1 :] if score else []
        table.mapping["comment"] = after[0] if after else None
    elif "response id" in lower and "score" in lower and "person id" in lower:
        table.shape = "delighted"
        table.mapping = {
            "external_id": "Response ID",
            "score": "Score",
            "comment": "Comment",
            "responded_at": "Created At",
            "customer_external_id": "Person ID",
            "customer_email": "Email",
            "customer_name": "Name",
        }
    else:
        table.mapping = guess_mapping(header)
    table.mapping = {k: v for k, v in table.mapping.items() if v}


def guess_mapping(header: list[str]) -> dict[str, str]:
    """A first guess per field from the header row's words (shown to the user to confirm)."""
    used: set[str] = set()
    guessed: dict[str, str] = {}
    for name in (
        "score",
        "customer_email",
        "external_id",
        "responded_at",
        "comment",
        "customer_external_id",
        "customer_name",
        "customer_segment",
    ):
        for column in header:
            low = column.lower()
            if column not in used and any(
                n == low or (len(n) > 2 and n in low) for n in GUESSES[name]
            ):
                guessed[name] = column
                used.add(column)
                break
    return guessed


def date_order(table: Table, order: str = "auto") -> bool:
    """Whether slash dates (05/11/2026) are day-first. `auto` decides from the date column:
    a first number over 12 means day-first, a second one over 12 month-first; a column with
    only ambiguous dates needs the order named (SurveyMonkey exports are month-first)."""
    if order in ("dmy", "mdy"):
        return order == "dmy"
    column = table.mapping.get("responded_at")
    if column not in table.header:
        return False
    index = table.header.index(column)
    seen: set[str] = set()
    example = ""
    for _row, cells in table.rows:
        match = SLASH_DATE.match(cells[index]) if index < len(cells) else None
        if match:
            example = example or cells[index].strip()
            first, second = int(match.group(1)), int(match.group(2))
            seen |= {"dmy"} if first > 12 else set()
            seen |= {"mdy"} if second > 12 else set()
    if seen == {"dmy"}:
        return True
    if seen == {"mdy"} or not example or (table.shape == "surveymonkey" and not seen):
        return False
    raise SpreadsheetInvalid(
        _(
            "Dates like %(example)s can be read day-first or month-first; name the order "
            "with --date-order dmy or mdy."
        )
        % {"example": example}
    )


def parse_when(raw: str, tz: dt.tzinfo, *, day_first: bool = False) -> dt.datetime:
    """`20.11.2026 11:30`, US `11/20/2026 9:15 AM`, ISO, Google Forms
    `2026/11/20 9:15:03 AM GMT+3`; without a zone in the text, the import's time zone."""
    text = raw.strip()
    zone = tz
    match = GMT_OFFSET.search(text)
    if match:
        hours, minutes = int(match.group(1) or 0), int(match.group(2) or 0)
        sign = -1 if hours < 0 else 1
        zone = dt.timezone(dt.timedelta(hours=hours, minutes=sign * minutes))
        text = text[: match.start()]
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for fmt in DAY_FIRST_FORMATS if day_first else DATE_FORMATS:
            try:
                parsed = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValueError(raw)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def time_zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise SpreadsheetInvalid(_("Unknown time zone '%(tz)s'.") % {"tz": name}) from exc


def row_digest(cells: list[str]) -> str:
    """A row's content as a short hash: the answer id of a row that has none, so that
    importing the same file again stores nothing twice."""
    content = "\x1f".join((c or "").strip() for c in cells)
    return hashlib.sha256(content.encode()).hexdigest()[:24]


SCORE = re.compile(r"^\s*(\d{1,2})(?:\s*[-–—:].*)?$")


def row_item(table: Table, cells: list[str], *, tz: dt.tzinfo) -> tuple[dict, dict[str, list[str]]]:
    """One row as a contract-format item, plus errors keyed by the file's column names."""
    values = dict(zip(table.header, cells + [""] * len(table.header), strict=False))
    get = {f: values.get(c, "").strip() for f, c in table.mapping.items()}
    errors: dict[str, list[str]] = {}
    item: dict = {"customer": {}}
    if table.shape == "contract":
        extra = {k: v for k, v in values.items() if not k.startswith("_") and k not in FIELDS}
        try:
            item = item_from_csv_row({**extra, "score": "0"})
        except Invalid as exc:
            errors.update(exc.errors)
        item.pop("score", None)
        item.setdefault("customer", {})
    score = SCORE.match(get.get("score", ""))
    if not score:
        errors[table.mapping.get("score", "score")] = [_("Must be a whole number from 0 to 10.")]
    else:
        item["score"] = int(score.group(1))
    if get.get("comment"):
        item["comment"] = get["comment"]
    if get.get("responded_at"):
        column = table.mapping["responded_at"]
        # Typeform's "Submit Date (UTC)": the header names the zone, whatever the import's is.
        zone = dt.UTC if column.rstrip().upper().endswith("(UTC)") else tz
        try:
            when = parse_when(get["responded_at"], zone, day_first=table.day_first)
            item["responded_at"] = when.isoformat()
        except ValueError:
            errors[table.mapping["responded_at"]] = [
                _("Not a date and time this import understands, e.g. 20.11.2026 11:30.")
            ]
    for name in ("external_id", "email", "name", "segment"):
        if get.get(f"customer_{name}"):
            item["customer"][name] = get[f"customer_{name}"]
    digest = row_digest(cells)
    item["external_id"] = get.get("external_id") or f"row-{digest}"
    if not item["customer"]:
        item["customer"]["external_id"] = f"anonymous-{digest}"
    item.setdefault("metadata", {})["import_shape"] = table.shape
    item["_raw"] = get  # the cells as written, for the error file
    return item, errors
