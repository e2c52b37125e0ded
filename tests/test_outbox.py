"""The durable outbox and its courier, on a fake clock: order per lane, retries with backoff,
Retry-After, posts refused for good set aside, expiry, keys owed once, and marks set on acceptance."""

from __future__ import annotations

import json
import multiprocessing

import pytest

from bot.courier import Courier, Refused, TryLater, backoff
from bot.outbox import FileOutbox, MemoryOutbox, Owed, OutboxError
from bot.store import TinyTicketStore
from tests.seconds import Seconds as Clock


class Platform:
    """A sender that fails as scripted: ``down`` until a time, refusals by key, a rate limit once."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.down_until = 0.0
        self.refuse: dict[str, str] = {}
        self.rate_limited: float | None = None
        self.accepted: list[str] = []
        self.attempts: list[tuple[str, float]] = []

    def send(self, post) -> None:
        self.attempts.append((post.key, self.clock()))
        if post.key in self.refuse:
            raise Refused(self.refuse[post.key])
        if self.rate_limited is not None:
            after, self.rate_limited = self.rate_limited, None
            raise TryLater("ratelimited", after=after)
        if self.clock() < self.down_until:
            raise TryLater("HTTP 500")
        self.accepted.append(post.payload["text"])


@pytest.fixture(params=["file", "memory", "postgres"])
def outbox(request, tmp_path):
    clock = Clock()
    if request.param == "postgres":
        from bot.pg_outbox import PostgresOutbox

        box = PostgresOutbox(request.getfixturevalue("postgres_url"), platform="slack", clock=clock)
        request.addfinalizer(box.close)
    elif request.param == "file":
        box = FileOutbox(tmp_path / "outbox", clock=clock)
    else:
        box = MemoryOutbox(clock=clock)
    box.test_clock = clock
    return box


def owed(key: str, lane: str = "thread:1", text: str | None = None, mark: str | None = None) -> Owed:
    return Owed(key, lane, {"text": text or key}, mark=mark)


def test_a_platform_down_for_a_minute_loses_nothing_and_keeps_each_threads_order(outbox):
    clock = outbox.test_clock
    platform = Platform(clock)
    courier = Courier(outbox, platform, clock=clock)
    platform.down_until = clock.now + 60
    courier.owe([owed("intake T-1"), owed("announce T-1", lane="team"), owed("notice T-1"),
                 owed("intake T-2", lane="thread:2")])
    seconds = 0
    while seconds < 120:
        courier.deliver_due()
        clock.now += 1
        seconds += 1
    assert sorted(platform.accepted) == sorted(["intake T-1", "announce T-1", "notice T-1", "intake T-2"])
    thread_one = [text for text in platform.accepted if text.endswith("T-1") and not text.startswith("announce")]
    assert thread_one == ["intake T-1", "notice T-1"]  # the notice never overtook its intake reply
    assert outbox.pending() == [] and outbox.given_up() == []
    # Retries backed off (2, 4, 8, 16, 32 s …), never once a second for a minute.
    tries = [at for key, at in platform.attempts if key == "intake T-1"]
    assert len(tries) <= 7
    gaps = [later - earlier for earlier, later in zip(tries, tries[1:])]
    assert gaps == sorted(gaps) and gaps[0] >= 2


def test_a_notice_waits_behind_its_failing_intake_reply_but_other_threads_do_not(outbox):
    clock = outbox.test_clock
    platform = Platform(clock)
    courier = Courier(outbox, platform, clock=clock)
    platform.down_until = clock.now + 1
    courier.owe([owed("intake T-1")])
    courier.deliver_due()  # fails: retried in 2 s
    platform.down_until = 0
    courier.owe([owed("notice T-1"), owed("intake T-2", lane="thread:2")])
    courier.deliver_due()
    assert platform.accepted == ["intake T-2"]
    clock.now += 2
    courier.deliver_due()
    assert platform.accepted == ["intake T-2", "intake T-1", "notice T-1"]


def test_retry_after_is_honoured_for_every_lane(outbox):
    clock = outbox.test_clock
    platform = Platform(clock)
    courier = Courier(outbox, platform, clock=clock)
    platform.rate_limited = 30.0
    courier.owe([owed("a"), owed("b", lane="other")])
    courier.deliver_due()
    assert platform.accepted == [] and len(platform.attempts) == 1  # a 429 holds everyone back
    clock.now += 29
    courier.deliver_due()
    assert len(platform.attempts) == 1
    clock.now += 1
    courier.deliver_due()
    assert platform.accepted == ["a", "b"]


def test_a_post_refused_for_good_is_set_aside_with_its_reason_and_the_lane_goes_on(outbox):
    clock = outbox.test_clock
    platform = Platform(clock)
    platform.refuse["intake T-1"] = "chat.postMessage: channel_not_found"
    courier = Courier(outbox, platform, clock=clock)
    courier.owe([owed("intake T-1"), owed("notice T-1")])
    assert courier.deliver_due() == ["set aside intake T-1", "delivered notice T-1"]
    [aside] = outbox.given_up()
    assert aside.key == "intake T-1" and not aside.expired
    assert aside.given_up == "refused: chat.postMessage: channel_not_found"
    assert [key for key, _ in platform.attempts].count("intake T-1") == 1  # not retried forever


def test_a_post_not_accepted_before_it_expires_is_kept_for_an_operator(outbox):
    clock = outbox.test_clock
    platform = Platform(clock)
    platform.down_until = float("inf")
    courier = Courier(outbox, platform, clock=clock)
    courier.owe([owed("weekly")])
    for _ in range(24 * 12 + 1):  # every five minutes for a day
        courier.deliver_due()
        clock.now += 300
    courier.deliver_due()
    assert outbox.pending() == []
    [expired] = outbox.given_up()
    assert expired.expired and expired.given_up.startswith("expired after") and "HTTP 500" in expired.given_up
    assert outbox.holds("weekly")  # kept: not owed a second time


def test_a_key_is_owed_once(outbox):
    courier = Courier(outbox, Platform(outbox.test_clock), clock=outbox.test_clock)
    assert len(courier.owe([owed("intake T-1")])) == 1
    assert courier.owe([owed("intake T-1", text="again")]) == []
    courier.deliver_due()
    assert courier.owe([owed("intake T-1", text="after delivery")]) == []  # a replay owes nothing


def test_the_mark_is_set_only_once_the_platform_accepted_the_post(outbox):
    clock = outbox.test_clock
    store = TinyTicketStore.memory()
    platform = Platform(clock)
    platform.down_until = clock.now + 1
    courier = Courier(outbox, platform, store=store, platform="slack", clock=clock)
    courier.owe([owed("metrics:weekly-post:slack:2026-W48", mark="metrics:weekly-post:slack:2026-W48")])
    courier.deliver_due()
    assert store.recall("metrics:weekly-post:slack:2026-W48") is None
    clock.now += 2
    courier.deliver_due()
    assert store.recall("metrics:weekly-post:slack:2026-W48") is not None


def test_backoff_doubles_up_to_its_cap():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff(30) == 300


def test_what_one_process_recorded_the_next_delivers_in_order(tmp_path):
    clock = Clock()
    first = FileOutbox(tmp_path / "outbox", clock=clock)
    Courier(first, Platform(clock), clock=clock).owe([owed("intake T-1"), owed("notice T-1"), owed("a", "team")])
    platform = Platform(clock)
    Courier(FileOutbox(tmp_path / "outbox", clock=clock), platform, clock=clock).deliver_due()
    assert platform.accepted == ["intake T-1", "notice T-1", "a"]
    assert list((tmp_path / "outbox").glob("*.json")) == []


def test_an_unreadable_post_file_is_set_aside_and_the_rest_delivered(tmp_path):
    clock = Clock()
    box = FileOutbox(tmp_path / "outbox", clock=clock)
    courier = Courier(box, Platform(clock), clock=clock)
    courier.owe([owed("a"), owed("b")])
    first = sorted((tmp_path / "outbox").glob("*.json"))[0]
    first.write_text("{half", encoding="utf-8")
    assert courier.deliver_due() == ["delivered b"]
    assert [p.name for p in (tmp_path / "outbox" / "aside").iterdir()] == [f"{first.name}.unreadable"]


def test_an_outbox_that_cannot_be_written_says_where(tmp_path):
    (tmp_path / "outbox").write_text("not a directory")  # unwritable whoever runs the tests (root too)
    box = FileOutbox(tmp_path / "outbox")
    with pytest.raises(OutboxError, match=str(tmp_path / "outbox")):
        box.record([owed("a")])
    with pytest.raises(OutboxError, match=str(tmp_path / "outbox")):
        box.check()


def _record_in_another_process(directory: str, key: str) -> None:
    FileOutbox(directory).record([Owed(key, "lane", {"text": "from the other process"})])


def test_two_processes_recording_one_key_keep_one_post(tmp_path):
    directory = str(tmp_path / "outbox")
    FileOutbox(directory).record([Owed("weekly", "team", {"text": "first"})])
    other = multiprocessing.get_context("spawn").Process(target=_record_in_another_process,
                                                         args=(directory, "weekly"))
    other.start()
    other.join(60)
    posts = FileOutbox(directory).pending()
    assert [json.dumps(p.payload) for p in posts] == ['{"text": "first"}']


def test_two_couriers_on_one_outbox_never_both_deliver(tmp_path):
    clock = Clock()
    first, second = Platform(clock), Platform(clock)
    one = Courier(FileOutbox(tmp_path / "outbox", clock=clock), first, clock=clock)
    other = Courier(FileOutbox(tmp_path / "outbox", clock=clock), second, clock=clock)
    one.owe([owed("intake T-1")])
    with one.outbox.delivering() as mine:
        assert mine and other.deliver_due() == []  # the other process is delivering: left to it
    assert other.deliver_due() == ["delivered intake T-1"]
    assert one.deliver_due() == [] and first.accepted == [] and second.accepted == ["intake T-1"]


def test_keys_of_posts_delivered_long_ago_are_forgotten(tmp_path):
    import os

    clock = Clock()
    box = FileOutbox(tmp_path / "outbox", clock=clock, keep_keys=3600)
    courier = Courier(box, Platform(clock), clock=clock)
    courier.owe([owed("old"), owed("owed", lane="down")])
    courier.deliver_due()
    for key_file in (tmp_path / "outbox" / "keys").iterdir():
        os.utime(key_file, (clock.now - 7200, clock.now - 7200))
    courier.owe([owed("still owed", lane="x")])
    assert box.forget_old_keys() == 2  # "old" and "owed" were delivered; "still owed" is pending
    assert not box.holds("old") and box.holds("still owed")


class Looking(Platform):
    """A platform the sender can ask whether a post is there already (Slack's history)."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.there: set[str] = set()  # keys of posts the platform made
        self.answer_lost: set[str] = set()  # made, then the answer lost (a 5xx after the fact)
        self.looked: list[str] = []

    def send(self, post) -> None:
        super().send(post)
        self.there.add(post.key)
        if post.key in self.answer_lost:
            self.answer_lost.discard(post.key)
            raise TryLater("HTTP 503", unknown=True)

    def already_sent(self, post) -> bool:
        self.looked.append(post.key)
        return post.key in self.there


def test_a_post_whose_send_ended_unknown_is_looked_for_and_sent_once(outbox):
    platform = Looking(outbox.test_clock)
    courier = Courier(outbox, platform, clock=outbox.test_clock)
    courier.owe([owed("intake"), owed("notice")])
    platform.answer_lost.add("intake")
    courier.deliver_due()
    [left] = [p for p in outbox.pending() if p.key == "intake"]
    assert left.uncertain and platform.looked == []  # kept as uncertain, in every kind of outbox
    outbox.test_clock.now += 10
    courier.deliver_due()
    assert platform.looked == ["intake"] and platform.accepted == ["intake", "notice"]  # made once
    assert outbox.pending() == []


def test_a_definite_refusal_to_take_a_post_clears_its_uncertainty(outbox):
    platform = Looking(outbox.test_clock)
    courier = Courier(outbox, platform, clock=outbox.test_clock)
    courier.owe([owed("intake")])
    platform.down_until = outbox.test_clock.now + 5  # Slack answered "not now": nothing was made
    courier.deliver_due()
    [left] = outbox.pending()
    assert not left.uncertain and left.attempts == 1
    outbox.test_clock.now += 10
    courier.deliver_due()
    assert platform.looked == [] and platform.accepted == ["intake"]
