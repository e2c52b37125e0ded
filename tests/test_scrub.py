"""Personal data never survives scrubbing; ordinary help-desk text does."""

from __future__ import annotations

import pytest

from kb.scrub import CARD, EMAIL, NAME, PHONE, REDACTED, luhn_ok, scrub


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at jane.doe+help@example.co.uk please", f"mail me at {EMAIL} please"),
        ("call +1 (415) 555-0134 tomorrow", f"call {PHONE} tomorrow"),
        ("my number is 0812345678", f"my number is {PHONE}"),
        ("phone: 020 7946 0958", f"phone: {PHONE}"),
        ("card 4111 1111 1111 1111 was declined", f"card {CARD} was declined"),
        ("card 4111-1111-1111-1111", f"card {CARD}"),
        ("paid with 5500005555555559", f"paid with {CARD}"),
    ],
)
def test_personal_data_is_replaced(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the app crashes on version 2.4.1",
        "charged 49.99 on 2024-05-01",
        "tracker serial 1234567890123 is not a card",  # 13 digits, fails Luhn
        "I have 3 tags and 2 phones",
        "error code 404 after 30 seconds",
    ],
)
def test_ordinary_text_is_kept(text: str) -> None:
    assert scrub(text) == text


def test_luhn() -> None:
    assert luhn_ok("4111111111111111") and luhn_ok("79927398713")
    assert not luhn_ok("4111111111111112")


def test_configured_patterns_such_as_order_ids() -> None:
    text = "order ORD-2024-00042 and #A77812 never arrived"
    assert scrub(text, patterns=[r"ORD-\d{4}-\d{5}", r"#A\d{5}"]) == (
        f"order {REDACTED} and {REDACTED} never arrived"
    )


def test_names_of_requester_and_agents_are_removed() -> None:
    text = "Hi Maria, this is Tom Baker. maria lopez asked Tom about it; Baker said yes."
    scrubbed = scrub(text, names=["Maria Lopez", "Tom Baker"])
    assert "maria" not in scrubbed.lower() and "tom" not in scrubbed.lower()
    assert "baker" not in scrubbed.lower() and "lopez" not in scrubbed.lower()
    assert scrubbed.startswith(f"Hi {NAME}, this is {NAME}")


def test_names_do_not_eat_parts_of_words() -> None:
    assert scrub("Tom's tomato", names=["Tom"]) == f"{NAME}'s tomato"


def test_scrub_is_idempotent_and_works_in_other_scripts() -> None:
    text = "ติดต่อ somchai@example.co.th หรือ 081-234-5678"
    once = scrub(text, names=["สมชาย"])
    assert once == f"ติดต่อ {EMAIL} หรือ {PHONE}"
    assert scrub(once) == once


def test_phone_region_comes_from_config_or_the_team_time_zone(tmp_path) -> None:
    from bot.config import load_config
    from bot.errors import ConfigError
    from bot.kb_bridge import scrub_settings
    from kb.scrub import region_for_timezone

    assert region_for_timezone("Europe/Berlin") == "DE" and region_for_timezone("Asia/Bangkok") == "TH"
    assert region_for_timezone("Nowhere/Atlantis") == "US"
    path = tmp_path / "chatdesk.toml"
    path.write_text("timezone = 'Europe/Berlin'\n")
    assert scrub_settings(load_config(path, env={}))["region"] == "DE"
    path.write_text("timezone = 'Europe/Berlin'\n[privacy]\nphone_region = 'th'\n")
    assert scrub_settings(load_config(path, env={}))["region"] == "TH"
    path.write_text("[privacy]\nphone_region = 'XX'\n")
    with pytest.raises(ConfigError, match="phone_region.*not a country code"):
        load_config(path, env={})


def test_local_phone_formats_follow_the_region() -> None:
    # A Munich number in local format, and a German one written internationally from a US team.
    assert scrub("Tel. 089 12345678", region="DE") == f"Tel. {PHONE}"
    assert scrub("call +49 89 12345678", region="US") == f"call {PHONE}"
