"""Core replies as Discord messages: plain content, embeds, thread names, within Discord's limits."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import discord

from bot import messages as desk_messages
from bot.adapters.discord import messages
from bot.desk import Action, Kind, Reply, Suggestion, Ticket
from bot.domain import State
from bot.render import status_line

# Discord's limits (https://discord.com/developers/docs/resources/message, .../channel).
CONTENT_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
THREAD_NAME_LIMIT = 100
CHOICE_LIMIT = 100
DONE_PREFIX = "✅ "

COLOURS = {
    Kind.INTAKE: discord.Colour.blurple(),
    Kind.CHANGED: discord.Colour.green(),
    Kind.REFUSED: discord.Colour.orange(),
    Kind.USAGE: discord.Colour.orange(),
    Kind.WHICH_TICKET: discord.Colour.orange(),
    Kind.ANNOUNCE: discord.Colour.gold(),
    Kind.SURVEY: discord.Colour.blurple(),
    Kind.INFO: discord.Colour.light_grey(),
    Kind.NOTICE: discord.Colour.light_grey(),
}


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def thread_name(ticket: Ticket, *, done: bool | None = None) -> str:
    """``T-12 · subject`` (✅ in front once resolved or closed), within the 100-character limit."""
    finished = ticket.state in (State.RESOLVED, State.CLOSED) if done is None else done
    prefix = DONE_PREFIX if finished else ""
    subject = " ".join(ticket.subject.split()) or messages.DISCORD_NO_SUBJECT
    return clip(f"{prefix}{ticket.id} · {subject}", THREAD_NAME_LIMIT)


def link_text(text: str) -> str:
    """Text safe inside ``[...](url)``: brackets would end the link early."""
    return discord.utils.escape_markdown(text).replace("[", "(").replace("]", ")")


def suggestion_line(number: int, suggestion: Suggestion) -> str:
    confidence = messages.DISCORD_CONFIDENCE.format(confidence=suggestion.confidence)
    title = link_text(suggestion.title)
    if suggestion.url:
        return f"**{number}.** [{title}]({suggestion.url}) · {confidence}"
    return f"**{number}.** {title} · {confidence}"


def intake_embed(reply: Reply) -> discord.Embed:
    """The ticket id, the suggestions (title linking to the help site, confidence) or the wait."""
    ticket = reply.ticket
    parts = [reply.text]
    if reply.suggestions:
        parts.append("\n".join(suggestion_line(n, s) for n, s in enumerate(reply.suggestions, start=1)))
        if set(reply.actions) >= {Action.SOLVED, Action.NEED_HELP}:  # the hint names both buttons
            parts.append(desk_messages.INTAKE_BUTTONS_HINT)
    embed = discord.Embed(description=clip("\n\n".join(parts), EMBED_DESCRIPTION_LIMIT),
                          colour=COLOURS[Kind.INTAKE])
    if ticket is not None:
        embed.title = clip(f"{ticket.id} · {ticket.subject}", EMBED_TITLE_LIMIT)
        embed.set_footer(text=state_line(ticket))
    return embed


def state_line(ticket: Ticket) -> str:
    """The ticket's state and owner, as the intake message's footer shows it."""
    return status_line(ticket)


def reply_body(reply: Reply) -> dict[str, Any]:
    """``content`` and/or ``embed`` for a reply: short text as content, lists and long text as an embed."""
    if reply.kind is Kind.INTAKE:
        return {"embed": intake_embed(reply)}
    people = [p for p in reply.mentions if p.user_id.isdigit()]  # Discord ids; others cannot be pinged
    if people:  # a mention notifies only in content, and only those the message allows by id
        body = reply_body(replace(reply, mentions=()))
        mentions = " ".join(f"<@{p.user_id}>" for p in people)
        body["content"] = clip(f"{mentions}\n{body['content']}", CONTENT_LIMIT) if "content" in body else mentions
        return {**body, "allowed_mentions": discord.AllowedMentions(
            users=[discord.Object(int(p.user_id)) for p in people], everyone=False, roles=False)}
    if not reply.lines and not reply.suggestions and len(reply.text) <= CONTENT_LIMIT:
        return {"content": reply.text}
    details = list(reply.lines)
    details += [suggestion_line(n, s) for n, s in enumerate(reply.suggestions, start=1)]
    title, description = reply.text, "\n".join(details)
    if len(title) > EMBED_TITLE_LIMIT:  # a long sentence reads better as the description
        title, description = "", "\n".join(part for part in (reply.text, description) if part)
    embed = discord.Embed(description=clip(description, EMBED_DESCRIPTION_LIMIT) or None,
                          colour=COLOURS.get(reply.kind, discord.Colour.light_grey()))
    if title:
        embed.title = title
    return {"embed": embed}


def files_of(reply: Reply) -> list[discord.File]:
    """The files a reply carries (the weekly metrics chart), those that exist."""
    return [discord.File(str(path), filename=Path(path).name) for path in reply.attachments if Path(path).is_file()]
