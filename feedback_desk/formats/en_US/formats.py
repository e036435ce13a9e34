"""English (US), a user's choice: month first, 12-hour clock."""

DATE_FORMAT = "m/d/Y"
SHORT_DATE_FORMAT = "m/d/Y"
DATETIME_FORMAT = "m/d/Y g:i A"
SHORT_DATETIME_FORMAT = "m/d/Y g:i A"
TIME_FORMAT = "g:i A"
FIRST_DAY_OF_WEEK = 0
DATE_INPUT_FORMATS = ["%m/%d/%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%m/%d/%Y %I:%M %p",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
]
