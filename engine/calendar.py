"""Trading days of the Indian exchanges: weekdays that are not holidays of the National Stock
Exchange (the BSE closes on the same days).

The holidays come from the `holidays` package's NSE calendar (`holidays.financial_holidays("NSE")`),
which is maintained from NSE's yearly circulars: version 0.109 has the published lists of 2001 to
2026, and computes later years from the festivals' rules (an Islamic festival's date is then marked
"(estimated)", and a plan that skips such a day says so). A mutual fund declares its NAV on its
business days, which follow the exchanges' holidays closely, so lotwise uses the same calendar
for funds. Special sessions (Muhurat trading on a Diwali Sunday, a Saturday's disaster-recovery
drill) are not trading days here.

A year the package does not cover (before 2001 or after 2100), or the package missing or failing,
falls back to weekdays; `uncovered_years` says which years did, so that a plan can say so. The
package is imported on first use, not when lotwise starts. Nothing here reads the clock: every
function takes dates.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

EXCHANGE = "NSE"


@lru_cache(maxsize=None)
def _year(year: int) -> tuple[bool, dict[date, str]]:
    """(covered, the NSE's weekday holidays of `year` by date, with their names)."""
    try:
        import holidays

        calendar = holidays.financial_holidays(EXCHANGE)
        if not calendar.start_year <= year <= calendar.end_year:
            return False, {}
        found = holidays.financial_holidays(EXCHANGE, years=year)
    except Exception:  # no package, or one that fails: weekdays, said by uncovered_years
        return False, {}
    return True, {d: str(name) for d, name in found.items() if d.year == year and d.weekday() < 5}


def holiday_name(day: date) -> str | None:
    """The name of the exchange holiday on `day` (a weekday), or None."""
    return _year(day.year)[1].get(day)


def is_trading_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _year(day.year)[1]


def next_trading_day(day: date) -> date:
    """The first trading day after `day`."""
    day += timedelta(days=1)
    while not is_trading_day(day):
        day += timedelta(days=1)
    return day


def trading_day_on_or_after(day: date) -> date:
    """`day` itself if it is a trading day, else the next one."""
    return day if is_trading_day(day) else next_trading_day(day)


def trading_day_on_or_before(day: date) -> date:
    """`day` itself if it is a trading day, else the last one before it."""
    while not is_trading_day(day):
        day -= timedelta(days=1)
    return day


def trading_days_between(earlier: date, later: date) -> int:
    """How many trading days come after `earlier`, up to and including `later` (0 when `later`
    is not after `earlier`): a price of Friday is 0 trading days old on the Sunday after it, 1 on
    the Monday (if the Monday is not a holiday)."""
    if later <= earlier:
        return 0
    if (later - earlier).days <= 7:
        return sum(1 for n in range(1, (later - earlier).days + 1) if is_trading_day(earlier + timedelta(days=n)))
    # Whole weeks have five weekdays each; the holidays of the years between are then taken off.
    days = (later - earlier).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5 + sum(1 for n in range(1, rest + 1) if (earlier + timedelta(days=n)).weekday() < 5)
    for year in range(earlier.year, later.year + 1):
        count -= sum(1 for d in _year(year)[1] if earlier < d <= later)
    return count


def why_closed(day: date) -> str:
    """Why `day` is not a trading day, in words: "a Sunday", "an NSE holiday (Holi)"."""
    if day.weekday() >= 5:
        return "a " + day.strftime("%A")
    name = holiday_name(day)
    return f"an {EXCHANGE} holiday ({name})" if name else "a trading day"


def closed_between(earlier: date, later: date) -> list[date]:
    """The exchange holidays on weekdays after `earlier` and before `later`."""
    return [earlier + timedelta(days=n) for n in range(1, (later - earlier).days)
            if holiday_name(earlier + timedelta(days=n)) is not None]


def uncovered_years(*days: date) -> list[int]:
    """The years of `days` whose exchange holidays lotwise does not know (weekdays are used)."""
    return sorted({d.year for d in days if not _year(d.year)[0]})


def calendar_note(*days: date) -> str | None:
    """A plan's note when a date it gives falls in a year the calendar does not cover."""
    years = uncovered_years(*days)
    if not years:
        return None
    return (f"the {EXCHANGE} holidays of {', '.join(map(str, years))} are not known to lotwise's calendar (the "
            "`holidays` package's): every weekday is taken as a trading day; check the exchange's list")
