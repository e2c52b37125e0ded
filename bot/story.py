"""A ticket's story for ``/desk show``: every event with who, when (team time, with its zone) and
why, newest last. Customers see what happened with them; agents also see notes, suggestions and
the desk's own reminders. Long stories show the latest ``PAGE`` events unless ``--all`` is asked."""

from __future__ import annotations

from collections.abc import Callable

from bot import messages
from bot.domain import Event, EventType, Ticket
from bot.replies import Suggestion

PAGE = 60
AGENTS_ONLY = frozenset({EventType.NOTED, EventType.SUGGESTED, EventType.REMINDED, EventType.SURVEY_ASKED,
                         EventType.ASSIGNED, EventType.TRANSFERRED, EventType.PRIORITY, EventType.TAGGED})
UNTOLD = frozenset({EventType.LINKED})


def story_lines(ticket: Ticket, *, when: Callable[[str], str], for_agent: bool, everything: bool) -> list[str]:
    """The history section of ``show``: a line per event, the latest ``PAGE`` unless ``everything``."""
    told = [e for e in ticket.events
            if e.type not in UNTOLD and (for_agent or e.type not in AGENTS_ONLY)]
    lines = [messages.STORY_HEADER]
    shown = told if everything or len(told) <= PAGE else told[-PAGE:]
    if len(shown) < len(told):
        lines.append(messages.STORY_EARLIER.format(count=len(told) - len(shown), ticket_id=ticket.id))
    for event in shown:
        lines.append(messages.STORY_LINE.format(when=when(event.at), what=describe(event, ticket)))
    return lines


def describe(event: Event, ticket: Ticket) -> str:
    """One event in words: who did what, and the text or reason they gave."""
    who = event.actor_name or event.actor
    text = str(event.get("text") or event.get("reason") or "").strip()
    said = f": {text}" if text else ""
    kind = event.type
    if kind == EventType.OPENED:
        return messages.STORY_OPENED.format(who=ticket.requester.name, said=said,
                                            follows=messages.STORY_FOLLOWS.format(old=event.get("follows"))
                                            if event.get("follows") else "")
    if kind == EventType.MESSAGE:
        return f"{who}{said}"
    if kind == EventType.REPLIED:
        return f"{who}{messages.SHOW_AGENT_MARK}{said}"
    if kind == EventType.RESOLVED:
        how = messages.STORY_SELF_SERVED if event.get("self_served") else ""
        article = messages.SHOW_ARTICLE.format(slug=event.get("article")) if event.get("article") else ""
        resolution = str(event.get("resolution") or "").strip()
        return messages.STORY_RESOLVED.format(who=who, how=how, said=f": {resolution}" if resolution else "",
                                              article=article)
    if kind == EventType.ASSIGNED:
        target = event.get("assignee") or {}
        name = target.get("name") or target.get("user_id") if isinstance(target, dict) else target
        return messages.STORY_ASSIGNED.format(who=who, assignee=name)
    if kind == EventType.PRIORITY:
        return messages.STORY_PRIORITY.format(who=who, priority=event.get("priority"))
    if kind == EventType.CATEGORY:
        return messages.STORY_CATEGORY.format(who=who, category=event.get("category"))
    if kind == EventType.TAGGED:
        return messages.STORY_TAGGED.format(who=who, tags=", ".join(map(str, event.get("tags") or ())) or "-")
    if kind == EventType.SUGGESTED:
        offered = [Suggestion.from_record(s) for s in event.get("suggestions") or () if isinstance(s, dict)]
        if not offered:
            return messages.STORY_NO_SUGGESTION
        return messages.STORY_SUGGESTED.format(offered=", ".join(
            messages.SHOW_SUGGESTION.format(title=s.title, confidence=s.confidence) for s in offered))
    if kind == EventType.SURVEY:
        comment = str(event.get("comment") or "").strip()
        return messages.STORY_SURVEY.format(who=who, score=event.get("score"), said=f": {comment}" if comment else "")
    if kind == EventType.TRANSFERRED:
        return messages.STORY_TRANSFERRED.format(who=who, queue=event.get("queue"))
    if kind == EventType.REMINDED:
        return messages.STORY_REMINDED.format(reason=str(event.get("reason") or "first_response").replace("_", " "))
    template = messages.STORY_VERBS.get(str(kind))
    if template is None:
        return f"{who} · {kind}{said}"
    return template.format(who=who, said=said)
