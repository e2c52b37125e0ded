"""Reply → Block Kit: how the desk's platform-neutral replies look in Slack.

Pure functions, no Web API calls, so rendering is tested without a server. Every piece of
user text is escaped (``&``, ``<``, ``>``) before it goes into mrkdwn, so a customer cannot
forge links or mentions in the bot's messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from bot.adapters import limits
from bot.adapters.slack import messages
from bot.domain import Ticket
from bot.render import status_line
from bot.replies import Action, Kind, Reply, Suggestion

PREFIX = "chatdesk"
SECTION_LIMIT = limits.SLACK_SECTION_TEXT - 100  # headroom under Slack's 3,000
BUTTON_TEXT_LIMIT = limits.SLACK_BUTTON_TEXT
MAX_BLOCKS = limits.SLACK_MESSAGE_BLOCKS
MESSAGE_TEXT_BUDGET = limits.SLACK_MESSAGE_BLOCK_TEXT
# A reply longer than one message goes out as several; a response_url takes five responses, so
# past five messages the last one ends with "… N more lines" instead.
MAX_PARTS = 5
FALLBACK_LIMIT = 3000
SURVEY_SCORES = (1, 2, 3, 4, 5)
BOLD = re.compile(r"\*\*(.+?)\*\*")

# action ids and view callback ids; the value of a ticket button is the ticket id
RESOLVE_MODAL = f"{PREFIX}:{Action.RESOLVE_FORM.value}"
NOTE_MODAL = f"{PREFIX}:{Action.NOTE_FORM.value}"
VIEW_RESOLVE = f"{PREFIX}:resolve"
VIEW_NOTE = f"{PREFIX}:note"
VIEW_COMMAND = f"{PREFIX}:command"
VIEW_SURVEY = f"{PREFIX}:survey"
SHORTCUT_OPEN = f"{PREFIX}:open_ticket"
SHORTCUT_COMMAND = f"{PREFIX}:command_here"


def action_id(action: Action | str) -> str:
    """``chatdesk:claim`` for ``Action.CLAIM``."""
    return f"{PREFIX}:{Action(action).value}"


def survey_action_id(score: int) -> str:
    return f"{PREFIX}:survey:{score}"


def escape(text: str) -> str:
    """Slack's three control characters, escaped for mrkdwn and plain text alike."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str, limit: int = 150) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(text, limit), "emoji": True}


def _cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, ending in "…" when cut, never inside an entity or link."""
    return text if len(text) <= limit else text[: _safe_end(text, limit - 1)] + "…"


def _safe_end(text: str, end: int) -> int:
    """The largest cut at or before ``end`` that splits no ``&amp;``-style entity and no ``<…>`` link."""
    start = end
    amp = text.rfind("&", max(0, end - 5), end)
    if amp != -1 and text.find(";", amp, end) == -1:
        end = amp
    opening = text.rfind("<", 0, end)
    if opening != -1 and text.find(">", opening, end) == -1:
        end = opening
    return end if end > 0 else start  # a single entity or link longer than the limit: cut it anyway


def _pieces(line: str, limit: int) -> list[str]:
    """A line in pieces of at most ``limit`` characters, broken at a space where one is near."""
    pieces: list[str] = []
    while len(line) > limit:
        end = _safe_end(line, limit)
        space = line.rfind(" ", 0, end)
        if space > end * 4 // 5:
            end = space + 1
        pieces.append(line[:end])
        line = line[end:]
    pieces.append(line)
    return pieces


def _sections(text: str) -> list[dict[str, Any]]:
    """Section blocks for mrkdwn text, split on line boundaries under Slack's size limit.

    A line longer than a section is wrapped into several (nothing is cut away); the text is
    escaped before it gets here, so a break never lands inside ``&amp;`` or a ``<url|link>``.
    """
    blocks: list[dict[str, Any]] = []
    chunk: list[str] = []
    size = 0
    lines = [piece for line in text.split("\n") for piece in _pieces(line, SECTION_LIMIT)]
    for line in lines:
        if chunk and size + len(line) + 1 > SECTION_LIMIT:
            blocks.append(_section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk and any(part.strip() for part in chunk):
        blocks.append(_section("\n".join(chunk)))
    return blocks


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def text_length(blocks: Iterable[Any]) -> int:
    """Characters of text in blocks (every text object, buttons and context included): the
    figure Slack holds against its per-message budget."""
    total = 0
    stack = list(blocks)
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("type") in ("mrkdwn", "plain_text") and isinstance(item.get("text"), str):
                total += len(item["text"])
            else:
                stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return total


def _lines_in(blocks: Iterable[dict[str, Any]]) -> int:
    return sum(str(b.get("text", {}).get("text", "")).count("\n") + 1 for b in blocks)


def pack(content: Sequence[dict[str, Any]], tail: Sequence[dict[str, Any]] = (), *,
         parts: int = MAX_PARTS) -> list[list[dict[str, Any]]]:
    """``content`` blocks, then ``tail`` (buttons), as at most ``parts`` messages each within
    Slack's per-message budget (50 blocks, 12,000 characters of text); what does not fit in
    ``parts`` messages is named in a closing "… N more lines" instead of being dropped silently."""
    more = _section(messages.SLACK_MORE_LINES.format(count=0))
    reserve_blocks = len(tail) + 1
    reserve_text = text_length(tail) + text_length([more]) + 10
    out: list[list[dict[str, Any]]] = [[]]
    size = 0
    for index, block in enumerate(content):
        length = text_length([block])
        if out[-1] and (len(out[-1]) + reserve_blocks >= MAX_BLOCKS or size + length + reserve_text > MESSAGE_TEXT_BUDGET):
            if len(out) == parts:
                rest = _lines_in(content[index:])
                out[-1].append(_section(messages.SLACK_MORE_LINES.format(count=rest)))
                break
            out.append([])
            size = 0
        out[-1].append(block)
        size += length
    out[-1].extend(tail)
    return out


def button(text: str, action: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": _plain(text, BUTTON_TEXT_LIMIT), "action_id": action,
                               "value": value}
    if style:
        element["style"] = style
    return element


def action_buttons(actions: Iterable[Action], ticket_id: str) -> list[dict[str, Any]]:
    styles = {Action.SOLVED: "primary"}
    return [button(a.label, action_id(a), ticket_id, style=styles.get(a)) for a in actions]


def suggestion_blocks(suggestions: Sequence[Suggestion]) -> list[dict[str, Any]]:
    """One line per suggested article: its title linking to the help site, and the confidence."""
    lines = []
    for number, suggestion in enumerate(suggestions, start=1):
        title = escape(suggestion.title)
        link = f"<{suggestion.url}|{title}>" if suggestion.url else f"*{title}*"
        confidence = messages.SLACK_CONFIDENCE.format(confidence=suggestion.confidence)
        lines.append(f"{number}. {link}  _{confidence}_")
    return _sections("\n".join(lines)) if lines else []


def state_line(ticket: Ticket) -> str:
    """The intake message's status line: state and owner."""
    return f"*{ticket.id}* · {escape(status_line(ticket))}"


def mrkdwn(text: str) -> str:
    """Escaped text, with the core's Markdown bold (``**x**``) as Slack's (``*x*``)."""
    return BOLD.sub(r"*\1*", escape(text))


def reply_messages(reply: Reply, *, parts: int = MAX_PARTS) -> list[list[dict[str, Any]]]:
    """Blocks for any reply (its text and lines, suggestions, its ticket buttons last), as as
    many messages as Slack's per-message budget needs, at most ``parts``."""
    body = "\n".join([*(mrkdwn(part) for part in (reply.text, *reply.lines) if part), mention_line(reply)]).strip()
    content = _sections(body) + suggestion_blocks(reply.suggestions)
    tail: list[dict[str, Any]] = []
    if reply.kind is Kind.SURVEY and reply.ticket is not None:
        tail = survey_blocks(reply.ticket.id)
    elif reply.actions and reply.ticket is not None:
        tail = [{"type": "actions", "block_id": f"{PREFIX}:actions",
                 "elements": action_buttons(reply.actions, reply.ticket.id)}]
    return pack(content, tail, parts=parts)


def mention_line(reply: Reply) -> str:
    """``<@U1> <@U2>``: the people a reply is for, notified (a queue's agents on a reminder)."""
    return " ".join(f"<@{escape(person.user_id)}>" for person in reply.mentions)


def reply_blocks(reply: Reply) -> list[dict[str, Any]]:
    """Blocks for a reply that must be one message; a longer one ends with "… N more lines"."""
    return reply_messages(reply, parts=1)[0]


def intake_blocks(reply: Reply) -> list[dict[str, Any]]:
    """The intake reply in the request's thread: its text, suggestions, state line and buttons
    (``desk.intake_view`` gives the current ones when it is refreshed)."""
    current = reply.ticket
    content = _sections("\n".join(escape(part) for part in (reply.text, *reply.lines) if part))
    content += suggestion_blocks(reply.suggestions)
    tail: list[dict[str, Any]] = []
    if current is not None:
        tail.append({"type": "context", "block_id": f"{PREFIX}:state",
                     "elements": [{"type": "mrkdwn", "text": state_line(current)}]})
        if reply.actions:
            tail.append({"type": "actions", "block_id": f"{PREFIX}:actions",
                         "elements": action_buttons(reply.actions, current.id)})
    return pack(content, tail, parts=1)[0]  # one message: chat.update refreshes it in place


def survey_blocks(ticket_id: str) -> list[dict[str, Any]]:
    """1–5 buttons for the satisfaction survey."""
    return [
        {"type": "actions", "block_id": f"{PREFIX}:survey",
         "elements": [button(str(score), survey_action_id(score), ticket_id) for score in SURVEY_SCORES]},
        {"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"{messages.SLACK_SURVEY_LOW} · {messages.SLACK_SURVEY_HIGH}"}]},
    ]


def fallback_text(reply: Reply) -> str:
    """The notification text Slack shows where blocks cannot be (push notices, screen readers)."""
    return _cut(escape(reply.full_text), FALLBACK_LIMIT)


def part_fallback(blocks: Sequence[dict[str, Any]]) -> str:
    """The notification text of a reply's second and later messages: their own first lines."""
    for block in blocks:
        text = (block.get("text") or {}).get("text")
        if text:
            return _cut(text, 300)
    return "…"


# -- modals ---------------------------------------------------------------------

def _modal(callback_id: str, title: str, submit: str, blocks: list[dict[str, Any]],
           metadata: dict[str, Any], *, notify_on_close: bool = False) -> dict[str, Any]:
    view = {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(title, 24),
        "submit": _plain(submit, 24),
        "close": _plain(messages.SLACK_MODAL_CANCEL, 24),
        "private_metadata": json.dumps(metadata),
        "blocks": blocks,
    }
    if notify_on_close:
        view["notify_on_close"] = True
    return view


def _text_input(block_id: str, label: str, *, multiline: bool = True, optional: bool = False,
                initial: str = "") -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    return {"type": "input", "block_id": block_id, "label": _plain(label, 2000), "optional": optional,
            "element": element}


def resolve_modal(ticket: Ticket, articles: Sequence[Suggestion], metadata: dict[str, Any]) -> dict[str, Any]:
    """Resolution text, plus the article that answers it when the knowledge base offers some."""
    blocks = [_text_input("resolution", messages.SLACK_MODAL_RESOLUTION, optional=bool(articles))]
    if articles:
        options = [{"text": _plain(f"{a.title} ({a.confidence})", 75), "value": a.slug[:150]}
                   for a in articles[:100]]
        blocks.append({"type": "input", "block_id": "article", "optional": True,
                       "label": _plain(messages.SLACK_MODAL_ARTICLE, 2000),
                       "hint": _plain(messages.SLACK_MODAL_ARTICLE_HINT, 2000),
                       "element": {"type": "static_select", "action_id": "value", "options": options}})
    return _modal(VIEW_RESOLVE, messages.SLACK_MODAL_RESOLVE_TITLE.format(ticket_id=ticket.id),
                  messages.SLACK_MODAL_RESOLVE_SUBMIT, blocks, {**metadata, "ticket": ticket.id})


def note_modal(ticket_id: str, metadata: dict[str, Any]) -> dict[str, Any]:
    blocks = [_text_input("note", messages.SLACK_MODAL_NOTE)]
    return _modal(VIEW_NOTE, messages.SLACK_MODAL_NOTE_TITLE.format(ticket_id=ticket_id), messages.SLACK_MODAL_SAVE,
                  blocks, {**metadata, "ticket": ticket_id})


def command_modal(metadata: dict[str, Any]) -> dict[str, Any]:
    blocks = [_text_input("command", messages.SLACK_MODAL_COMMAND, multiline=False)]
    return _modal(VIEW_COMMAND, messages.SLACK_MODAL_COMMAND_TITLE, messages.SLACK_MODAL_COMMAND_SUBMIT, blocks,
                  metadata)


def survey_modal(ticket_id: str, score: int, metadata: dict[str, Any]) -> dict[str, Any]:
    """Asked after a score button: an optional comment; closing the modal still records the score."""
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": escape(
            messages.SLACK_MODAL_SURVEY_SCORE.format(ticket_id=ticket_id, score=score))}},
        _text_input("comment", messages.SLACK_MODAL_SURVEY_COMMENT, optional=True),
    ]
    return _modal(VIEW_SURVEY, messages.SLACK_MODAL_SURVEY_TITLE, messages.SLACK_MODAL_SEND, blocks,
                  {**metadata, "ticket": ticket_id, "score": score}, notify_on_close=True)


def view_value(view: dict[str, Any], block_id: str) -> str | None:
    """The submitted value of an input block (text or selected option)."""
    state = (view.get("state") or {}).get("values") or {}
    element = (state.get(block_id) or {}).get("value") or {}
    if element.get("type") == "static_select" or "selected_option" in element:
        option = element.get("selected_option") or {}
        return option.get("value")
    return element.get("value")
