"""SLA policies and business hours, against hand-computed figures (Europe/Berlin, Mon–Fri 9–17)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from bot.sla import AroundTheClock, Policies, Policy, business_hours_from, parse_clock_time, priority_at

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
HOURS = business_hours_from(timezone="Europe/Berlin", days=["monday", "tuesday", "wednesday", "thursday", "friday"],
                            start="09:00", end="17:00", holidays=["2026-12-25"])


def berlin(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BERLIN).astimezone(dt.timezone.utc)


def test_late_friday_counts_the_last_half_hour_and_monday_morning():
    # Friday 16:30 → Monday 09:20: 30 minutes on Friday, 20 on Monday.
    assert HOURS.minutes_between(berlin("2026-11-27 16:30"), berlin("2026-11-30 09:20")) == 50


def test_a_weekend_request_starts_counting_on_monday_morning():
    assert HOURS.minutes_between(berlin("2026-11-28 10:00"), berlin("2026-11-30 09:45")) == 45


def test_a_holiday_does_not_count():
    # Thursday 24 Dec 16:00 → Monday 28 Dec 10:00: one hour each side, Friday 25 Dec is a holiday.
    assert HOURS.minutes_between(berlin("2026-12-24 16:00"), berlin("2026-12-28 10:00")) == 120


def test_the_weekend_the_clocks_go_back():
    # Summer time ends on Sunday 25 Oct 2026. Friday 16:00 CEST → Monday 10:00 CET.
    opened, answered = berlin("2026-10-23 16:00"), berlin("2026-10-26 10:00")
    assert HOURS.minutes_between(opened, answered) == 120
    # Around the clock the night is an hour longer: 66 wall-clock hours are 67 real ones.
    assert AroundTheClock().minutes_between(opened, answered) == 67 * 60


def test_business_hours_start_at_local_nine_on_both_sides_of_a_clock_change():
    windows = list(HOURS.windows(berlin("2026-10-23 08:00"), berlin("2026-10-26 18:00")))
    assert [w[0].hour for w in windows] == [7, 8]  # 09:00 CEST is 07:00 UTC, 09:00 CET is 08:00 UTC


def test_a_deadline_in_business_minutes_skips_the_night_and_weekend():
    assert HOURS.add_minutes(berlin("2026-11-27 16:30"), 60) == berlin("2026-11-30 09:30")
    assert HOURS.add_minutes(berlin("2026-11-28 12:00"), 30) == berlin("2026-11-30 09:30")
    assert HOURS.add_minutes(berlin("2026-11-30 10:00"), 0) == berlin("2026-11-30 10:00")


def test_the_priority_in_force_when_the_response_came_sets_the_target():
    policies = Policies({"normal": Policy("normal", 240), "urgent": Policy("urgent", 30)},
                        default=Policy("normal", 60), calendar=HOURS)
    opened, raised = berlin("2026-11-30 09:00"), berlin("2026-11-30 09:10")
    changes = [(raised, "urgent")]
    answered = berlin("2026-11-30 09:50")
    late = policies.first_response(opened_at=opened, responded_at=answered, now=answered,
                                   priority_then=priority_at(changes, answered, initial="normal"))
    assert late.target_minutes == 30 and late.elapsed_minutes == 50 and late.met is False
    early = berlin("2026-11-30 09:05")
    in_time = policies.first_response(opened_at=opened, responded_at=early, now=answered,
                                      priority_then=priority_at(changes, early, initial="normal"))
    assert in_time.target_minutes == 240 and in_time.met is True


def test_an_open_ticket_is_pending_until_its_target_passes():
    policies = Policies({}, default=Policy("normal", 60), calendar=HOURS)
    opened = berlin("2026-11-27 16:30")
    waiting = policies.first_response(opened_at=opened, responded_at=None, priority_then="normal",
                                      now=berlin("2026-11-29 12:00"))
    assert waiting.met is None and waiting.due_at == berlin("2026-11-30 09:30")
    overdue = policies.first_response(opened_at=opened, responded_at=None, priority_then="normal",
                                      now=berlin("2026-11-30 09:31"))
    assert overdue.met is False and overdue.breached


def test_no_target_means_no_check():
    policies = Policies({}, default=Policy("normal", 60), calendar=AroundTheClock())
    assert policies.resolution(opened_at=berlin("2026-11-30 09:00"), resolved_at=None, priority_then="normal",
                               now=berlin("2026-12-30 09:00")) is None


@pytest.mark.parametrize("text", ["9", "25:00", "09:60", "24:30", "nine"])
def test_bad_clock_times_name_the_setting(text):
    with pytest.raises(ValueError, match="business_hours.start"):
        parse_clock_time(text, setting="business_hours.start")


def test_bad_days_and_holidays_are_named():
    with pytest.raises(ValueError, match="'funday' is not a weekday"):
        business_hours_from(timezone="UTC", days=["funday"], start="09:00", end="17:00", holidays=[])
    with pytest.raises(ValueError, match="'25/12' is not a date"):
        business_hours_from(timezone="UTC", days=["monday"], start="09:00", end="17:00", holidays=["25/12"])
    with pytest.raises(ValueError, match="later than"):
        business_hours_from(timezone="UTC", days=["monday"], start="17:00", end="09:00", holidays=[])


def test_end_of_day_may_be_midnight():
    hours = business_hours_from(timezone="UTC", days=["monday"], start="00:00", end="24:00", holidays=[])
    monday = dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc)
    assert hours.minutes_between(monday, monday + dt.timedelta(days=7)) == 24 * 60


# -- configuration ------------------------------------------------------------------------

def _config(text: str, tmp_path):
    from bot.config import load_config

    path = tmp_path / "chatdesk.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, env={})


def test_policies_come_from_sla_tables_over_the_first_response_target(tmp_path):
    from bot.sla import BusinessHours, policies_from

    config = _config('timezone = "Europe/Berlin"\nfirst_response_minutes = 45\n'
                     '[sla.urgent]\nfirst_response_minutes = 15\nresolution_minutes = 240\nwarn_before_minutes = 5\n'
                     '[sla.low]\nresolution_minutes = 4800\n'
                     '[business_hours]\nholidays = ["2026-12-25"]\n', tmp_path)
    policies = policies_from(config)
    assert policies.for_priority("urgent") == Policy("urgent", 15, 240, 5)
    assert policies.for_priority("low") == Policy("low", 45, 4800, None)  # first response from the top level
    assert policies.for_priority("normal").first_response_minutes == 45
    assert isinstance(policies.calendar, BusinessHours) and policies.calendar.tz.key == "Europe/Berlin"


def test_without_business_hours_targets_count_around_the_clock(tmp_path):
    from bot.sla import policies_from

    assert isinstance(policies_from(_config("first_response_minutes = 30\n", tmp_path)).calendar, AroundTheClock)


@pytest.mark.parametrize("text, named", [
    ("[sla.urgnt]\nfirst_response_minutes = 3\n", "sla.urgnt"),
    ("[sla.urgent]\nfirst_response_minutes = 1.5\n", "sla.urgent.first_response_minutes"),
    ("[sla.high]\nwarn_before = 5\n", "sla.high.warn_before"),
    ('[business_hours]\nstart = "9"\n', "business_hours.start"),
    ('[business_hours]\ndays = []\n', "business_hours.days"),
    ('[business_hours]\nholidays = ["christmas"]\n', "business_hours.holidays"),
])
def test_bad_sla_settings_are_refused_with_the_key(text, named, tmp_path):
    from bot.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        _config(text, tmp_path)
    assert named in str(caught.value) and "chatdesk.toml" in str(caught.value)
