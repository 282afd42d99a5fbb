"""A five-field cron expression: when scheduled evaluations run.

``minute hour day-of-month month day-of-week``, in UTC, as in crontab(5): each
field is ``*``, a number, a range ``a-b``, a step ``*/n`` or ``a-b/n``, or a
comma-separated list of those; months and weekdays also by name (``jan``, ``mon``);
Sunday is 0 or 7. When both day fields are restricted, a day matching either runs
(the Vixie cron rule). Shorthands: ``@hourly``, ``@daily`` (``@midnight``,
``@nightly``), ``@weekly``, ``@monthly``, ``@yearly`` (``@annually``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from keel.errors import ConfigError

_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@nightly": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_DAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
# (name, lowest, highest, names) for each field, in order.
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _DAYS),
)
# Far enough to reach any real date (Feb 29 within a leap cycle), close enough to stop.
_SEARCH_DAYS = 366 * 9


@dataclass(frozen=True, slots=True)
class CronSchedule:
    """A parsed expression; ``next_after(t)`` is the first matching minute after ``t``."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # day of month is '*'
    any_weekday: bool  # day of week is '*'

    @classmethod
    def parse(cls, text: str) -> CronSchedule:
        """Read ``text``. Raises ``ConfigError`` saying which field is wrong and why."""
        expr = _MACROS.get(text.strip().lower(), text.strip())
        fields = expr.split()
        if len(fields) != 5:
            raise ConfigError(
                f"cron expression {text!r} has {len(fields)} field(s); it needs 5: "
                "minute hour day-of-month month day-of-week (e.g. '0 2 * * *'), or @daily"
            )
        values = [_field(f, *spec, text) for f, spec in zip(fields, _FIELDS, strict=True)]
        weekdays = frozenset(0 if d == 7 else d for d in values[4])
        schedule = cls(
            text.strip(),
            frozenset(values[0]),
            frozenset(values[1]),
            frozenset(values[2]),
            frozenset(values[3]),
            weekdays,
            any_day=fields[2] == "*",
            any_weekday=fields[4] == "*",
        )
        schedule.next_after(datetime(2000, 1, 1, tzinfo=UTC))  # raises if it never matches
        return schedule

    def next_after(self, after: datetime) -> datetime:
        """The first minute strictly after ``after`` (aware or UTC) that matches."""
        t = _utc(after).replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = t + timedelta(days=_SEARCH_DAYS)
        while t < limit:
            if t.month not in self.months:
                t = _first_of_next_month(t)
            elif not self._day_matches(t):
                t = (t + timedelta(days=1)).replace(hour=0, minute=0)
            elif t.hour not in self.hours:
                t = (t + timedelta(hours=1)).replace(minute=0)
            elif t.minute not in self.minutes:
                t += timedelta(minutes=1)
            else:
                return t
        raise ConfigError(f"cron expression {self.text!r} never matches a real date")

    def _day_matches(self, t: datetime) -> bool:
        weekday = (t.weekday() + 1) % 7  # Python: Monday 0; cron: Sunday 0
        in_days, in_weekdays = t.day in self.days, weekday in self.weekdays
        if self.any_day or self.any_weekday:
            return in_days and in_weekdays
        return in_days or in_weekdays


def _field(text: str, name: str, low: int, high: int, names: dict[str, int], expr: str) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise _bad(expr, name, part, "a step is a number of at least 1")
            step = int(step_text)
        if body == "*":
            start, end = low, high
        elif "-" in body:
            a, _, b = body.partition("-")
            start, end = (
                _value(a, name, low, high, names, expr),
                _value(b, name, low, high, names, expr),
            )
            if start > end:
                raise _bad(expr, name, part, f"range {body} runs backwards")
        else:
            start = _value(body, name, low, high, names, expr)
            end = high if step_text else start
        values.update(range(start, end + 1, step))
    return values


def _value(text: str, name: str, low: int, high: int, names: dict[str, int], expr: str) -> int:
    key = text.lower()
    if key in names:
        return names[key]
    if not text.isdigit():
        raise _bad(expr, name, text, f"expected a number from {low} to {high}")
    n = int(text)
    if not low <= n <= high:
        raise _bad(expr, name, text, f"{name} runs from {low} to {high}")
    return n


def _bad(expr: str, name: str, part: str, why: str) -> ConfigError:
    return ConfigError(f"cron expression {expr!r}: {name} {part!r}: {why}")


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _first_of_next_month(t: datetime) -> datetime:
    year, month = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
    return t.replace(year=year, month=month, day=1, hour=0, minute=0)
