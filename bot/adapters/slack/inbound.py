"""Slack requests through the durable inbox: recorded before the acknowledgement, handled after.

An Events API delivery that got a 200 (or a Socket Mode envelope that was acknowledged) is never
sent again, and Slack never resends a slash command, a button press, a shortcut or a modal
submission at all, so each is written to the inbox (``bot.inbox``) before ``ack()``; when it
cannot be, the listener answers 503 instead (Slack retries an event; a person sees the error
and can press again), never a 200 for something the desk could lose. At start, ``catch_up``
handles what the last process recorded and did not finish, before new requests are let in.

Each interaction is recorded under its platform id (``key_of``): the same request again within
five minutes (a replayed HTTP request, through any process sharing the inbox) is acknowledged
and not run, and a request handled twice (a crash between its handling and its mark) changes
no ticket twice (``bot.delivery``).

What cannot be redone later: a ``trigger_id`` opens a modal only within 3 s of the press, and a
``response_url`` answers for 30 minutes. ``Request`` says which of them still work when the
request is handled; a replay past them answers in the thread, the channel or privately through
the Web API instead, and a form that can no longer be opened is explained to the person.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.context.respond import Respond

from bot.adapters import limits
from bot.adapters.slack.acks import ModalAnswer, all_refused, submit
from bot.inbox import Entry, InboxError, Receiver
from bot.replies import Reply

log = logging.getLogger(__name__)

# Slack's lifetimes, with room for the trip: a trigger_id opens a view within 3 s; a
# response_url takes up to 5 answers within 30 minutes.
TRIGGER_SECONDS = 2.5
RESPOND_SECONDS = 29 * 60
EVENT = "event"


@dataclass(frozen=True, slots=True)
class Request:
    """A recorded interaction as its handler sees it: the payload, and how old it is."""

    kind: str
    body: Mapping[str, Any]
    age: float = 0.0

    @property
    def trigger_id(self) -> str | None:
        """The ``trigger_id`` while it can still open a modal; ``None`` past Slack's 3 s."""
        trigger = self.body.get("trigger_id")
        return str(trigger) if trigger and self.age < TRIGGER_SECONDS else None

    @property
    def respond(self) -> Respond | None:
        """An answer through the ``response_url`` while it lives (30 minutes); ``None`` after, so
        the outbox posts through the Web API (thread, channel, ephemeral) instead."""
        url = self.body.get("response_url")
        return Respond(response_url=str(url)) if url and self.age < RESPOND_SECONDS else None


def key_of(kind: str, body: Mapping[str, Any]) -> str | None:
    """The platform's id of one interaction: what a replay of it repeats, and nothing else does.

    A command or a shortcut: its ``trigger_id`` (one per invocation). A button: the press's
    ``action_ts`` with who pressed what. A modal submission: the view id with a digest of the
    answers, because a submission refused in the modal is corrected and submitted again under the
    same view id; closing a view: the view id.
    """
    user = str((body.get("user") or {}).get("id") or body.get("user_id") or "")
    if kind.startswith("view:"):
        view = body.get("view") or {}
        values = json.dumps((view.get("state") or {}).get("values") or {}, sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(values.encode("utf-8")).hexdigest()[:16]
        return f"slack:{kind}:{view.get('id')}:{digest}" if view.get("id") else None
    if kind.startswith("closed:"):
        view_id = (body.get("view") or {}).get("id")
        return f"slack:{kind}:{view_id}" if view_id else None
    actions = body.get("actions") or []
    if actions:
        action = actions[0]
        stamp = action.get("action_ts") or body.get("trigger_id")
        return f"slack:action:{user}:{action.get('action_id')}:{stamp}" if stamp else None
    trigger = body.get("trigger_id")
    return f"slack:{kind}:{trigger}" if trigger else None


Work = Callable[[Request, Any], Any]


def recorded(work: Callable[..., Any], pool: Executor, receiver: Receiver) -> Callable[..., BoltResponse | None]:
    """A Bolt event listener: record ``event``, then ``ack()`` and run ``work(event, client)`` on ``pool``."""

    def listener(ack, event: dict[str, Any], client) -> BoltResponse | None:
        try:
            entry = receiver.accept({"event": event})
        except InboxError as error:
            return _not_taken(error)
        ack()
        if entry is not None:
            submit(pool, receiver.handle, entry, lambda done: work(dict(done.payload["event"]), client))
        return None

    listener.__name__ = listener.__qualname__ = getattr(work, "__name__", "listener")
    return listener


def interaction(kind: str, work: Work, pool: Executor, receiver: Receiver) -> Callable[..., BoltResponse | None]:
    """A Bolt listener for a command, button or shortcut: record the body under its key, ``ack()``,
    then run ``work(request, client)`` on ``pool``; a replay within five minutes is only acknowledged."""

    def listener(ack, body: dict[str, Any], client) -> BoltResponse | None:
        return accept(receiver, kind, body, ack=ack, pool=pool, work=work, client=client)

    listener.__name__ = listener.__qualname__ = f"{kind.replace(':', '_')}_listener"
    return listener


def accept(receiver: Receiver, kind: str, body: dict[str, Any], *, ack: Callable[..., Any], pool: Executor,
           work: Work, client) -> BoltResponse | None:
    """Record ``body`` as a ``kind`` request, acknowledge it, hand ``work`` to ``pool``; what a
    listener returns (503 when the inbox cannot take it)."""
    key = key_of(kind, body)
    try:
        entry = receiver.accept({"kind": kind, "body": body}, key=key)
    except InboxError as error:
        return _not_taken(error)
    ack()
    if entry is None:
        log.info("Slack %s %s was taken already; acknowledged, not run again", kind, key)
        return None
    submit(pool, receiver.handle, entry, lambda done: work(request_of(done, receiver), client))
    return None


ModalWork = Callable[[Request, Any, ModalAnswer], Any]


def field_errors(refusals: Sequence[Reply], body: dict[str, Any], field: str) -> dict[str, str]:
    """The modal's errors: each refusal under the field it is about (``Reply.about``) when the
    modal has it, else under ``field``; Slack shows at most ``SLACK_INPUT_HINT`` characters each."""
    present = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    errors: dict[str, list[str]] = {}
    for reply in refusals:
        errors.setdefault(reply.about if reply.about in present else field, []).append(reply.full_text)
    return {block: "\n".join(texts)[:limits.SLACK_INPUT_HINT] for block, texts in errors.items()}


def submission(kind: str, work: ModalWork, pool: Executor, receiver: Receiver, *, field: str,
               wait: float) -> Callable[..., BoltResponse | None]:
    """A Bolt listener for a modal submission: record it, run ``work`` on ``pool`` and wait for its
    outcome at most ``wait`` seconds: refusals stay in the modal under ``field``; anything else,
    or nothing in time, closes the modal (the work posts the outcome)."""

    def listener(ack, body: dict[str, Any], client) -> BoltResponse | None:
        try:
            entry = receiver.accept({"kind": kind, "body": body}, key=key_of(kind, body))
        except InboxError as error:
            return _not_taken(error)
        if entry is None:
            ack()
            return None
        answer = ModalAnswer()

        def run(done: Entry) -> None:
            try:
                work(request_of(done, receiver), client, answer)
            finally:
                answer.offer(None)  # failed before an outcome: stop the listener's wait

        submit(pool, receiver.handle, entry, run)
        replies = answer.wait(wait)
        if all_refused(replies):
            ack(response_action="errors", errors=field_errors(replies or [], body, field))
        else:
            ack()
        return None

    listener.__name__ = listener.__qualname__ = f"{kind.replace(':', '_')}_listener"
    return listener


def unattended(work: ModalWork) -> Work:
    """A modal's work replayed at start: no modal waits, so every reply is posted."""
    return lambda request, client: work(request, client, ModalAnswer(waiting=False))


def request_of(entry: Entry, receiver: Receiver) -> Request:
    return Request(str(entry.payload.get("kind")), entry.payload["body"], receiver.age(entry))


def _not_taken(error: InboxError) -> BoltResponse:
    log.error("Slack request not acknowledged (the desk cannot record it): %s", error)
    return BoltResponse(status=503, body=f"the desk cannot record this request: {error}")


def catch_up(receiver: Receiver, handlers: Mapping[str, Work], on_event: Callable[..., Any], client) -> tuple[int, int]:
    """Handle, oldest first, the requests recorded before the last stop and not handled."""

    def work(entry: Entry) -> Any:
        kind = entry.payload.get("kind")
        if kind is None:
            return on_event(dict(entry.payload[EVENT]), client)
        handler = handlers.get(str(kind))
        if handler is None:
            raise InboxError(f"no handler for a recorded Slack {kind!r} (entry {entry.id})")
        return handler(request_of(entry, receiver), client)

    return receiver.catch_up(work)
