"""The ticket verbs: claim, unclaim, assign, note, wait, resolve, reopen, close, priority,
category, tag, queue, mine, show, help."""

from __future__ import annotations

import shlex

from bot import messages
from bot.commands import TICKET, CommandContext, Param, ParamKind, Verb, VerbRegistry, bad_usage
from bot.desk_platform import team_actions
from bot.domain import PRIORITIES, Ticket
from bot.errors import UsageError
from bot.follow_ups import customer_reopened
from bot.render import checklist_lines, queue_lines, ticket_lines
from bot.replies import Kind, Reply


def _changed(text: str, ticket: Ticket, *lines: str) -> Reply:
    return Reply(text, kind=Kind.CHANGED, ticket=ticket, lines=tuple(lines))


def claim(ctx: CommandContext, args: str) -> list[Reply]:
    ticket_id, rest = ctx.split_ticket("claim", args)
    if rest:
        raise bad_usage()
    ticket = ctx.service.claim(ctx.actor, ticket_id)
    replies = [_changed(messages.CLAIMED.format(actor=ctx.actor.name, ticket_id=ticket.id), ticket)]
    checklist = checklist_lines(ctx.desk.config, ticket)
    if checklist:
        replies.append(Reply(checklist[0], kind=Kind.INFO, ticket=ticket, private=True, lines=checklist[1:]))
    return replies


def unclaim(ctx: CommandContext, args: str) -> Reply:
    ticket_id, rest = ctx.split_ticket("unclaim", args)
    if rest:
        raise bad_usage()
    ticket = ctx.service.unclaim(ctx.actor, ticket_id)
    return _changed(messages.UNCLAIMED.format(actor=ctx.actor.name, ticket_id=ticket.id), ticket)


def assign(ctx: CommandContext, args: str) -> Reply:
    ticket_id, rest = ctx.split_ticket("assign", args)
    if not rest or len(rest.split()) != 1:
        raise bad_usage()
    person, is_agent = ctx.desk.resolve_person(ctx.actor.platform, rest)
    ticket = ctx.service.assign(ctx.actor, ticket_id, person, assignee_is_agent=is_agent)
    return _changed(messages.ASSIGNED.format(actor=ctx.actor.name, ticket_id=ticket.id, assignee=person.name),
                    ticket)


def note(ctx: CommandContext, args: str) -> Reply:
    ticket_id, rest = ctx.split_ticket("note", args)
    ticket = ctx.service.note(ctx.actor, ticket_id, rest)
    return Reply(messages.NOTED.format(ticket_id=ticket.id), kind=Kind.INFO, ticket=ticket, private=True)


def wait(ctx: CommandContext, args: str) -> Reply:
    ticket_id, rest = ctx.split_ticket("wait", args)
    ticket = ctx.service.wait(ctx.actor, ticket_id, rest)
    if rest.strip():  # what the customer is asked for, where they read it (the ticket's thread)
        return _changed(messages.WAITING_FOR.format(ticket_id=ticket.id, text=rest.strip()), ticket)
    return _changed(messages.WAITING.format(ticket_id=ticket.id), ticket)


def resolve(ctx: CommandContext, args: str) -> list[Reply]:
    ticket_id, rest = ctx.split_ticket("resolve", args)
    article, resolution = _take_option(rest, "--article")
    if article is not None:
        article = ctx.desk.check_article(article)
    ticket = ctx.service.resolve(ctx.actor, ticket_id, resolution, article=article)
    return ctx.desk.after_resolve(ticket, ctx.actor)


def reopen(ctx: CommandContext, args: str) -> list[Reply]:
    ticket_id, rest = ctx.split_ticket("reopen", args)
    ticket = ctx.service.reopen(ctx.actor, ticket_id, rest)
    return [_changed(messages.REOPENED.format(actor=ctx.actor.name, ticket_id=ticket.id), ticket),
            *customer_reopened(ctx.actor, ticket, rest)]


def close(ctx: CommandContext, args: str) -> Reply:
    ticket_id, rest = ctx.split_ticket("close", args)
    ticket = ctx.service.close(ctx.actor, ticket_id, rest)
    return _changed(messages.CLOSED.format(ticket_id=ticket.id), ticket)


def priority(ctx: CommandContext, args: str) -> Reply:
    ticket_id, rest = ctx.split_ticket("priority", args)
    if not rest or len(rest.split()) != 1:
        raise bad_usage()
    ticket = ctx.service.set_priority(ctx.actor, ticket_id, rest)
    return _changed(messages.PRIORITY_SET.format(ticket_id=ticket.id, priority=ticket.priority), ticket)


def category(ctx: CommandContext, args: str) -> list[Reply]:
    ticket_id, rest = ctx.split_ticket("category", args)
    if not rest:
        raise bad_usage()
    ticket = ctx.service.set_category(ctx.actor, ticket_id, rest)
    replies = [_changed(messages.CATEGORY_SET.format(ticket_id=ticket.id, category=ticket.category), ticket)]
    checklist = checklist_lines(ctx.desk.config, ticket)
    if checklist:
        replies.append(Reply(checklist[0], ticket=ticket, private=True, lines=checklist[1:]))
    return replies


def tag(ctx: CommandContext, args: str) -> Reply:
    ticket_id, rest = ctx.split_ticket("tag", args)
    words = rest.split()
    if not words:
        raise bad_usage()
    add = [w for w in words if not w.startswith("-")]
    remove = [w[1:] for w in words if w.startswith("-")]
    ticket = ctx.service.tag(ctx.actor, ticket_id, add=add, remove=remove)
    tags = ", ".join(ticket.tags) or messages.NO_TAGS
    return _changed(messages.TAGS_SET.format(ticket_id=ticket.id, tags=tags), ticket)


def queue(ctx: CommandContext, args: str) -> Reply:
    if args:
        raise bad_usage()
    tickets = ctx.service.queue(ctx.actor)
    if not tickets:
        return Reply(messages.QUEUE_EMPTY, private=True)
    return Reply(messages.QUEUE_HEADER.format(count=len(tickets)), private=True,
                 lines=queue_lines(ctx.service, tickets))


def mine(ctx: CommandContext, args: str) -> Reply:
    if args:
        raise bad_usage()
    tickets = ctx.service.mine(ctx.actor)
    if not tickets:
        return Reply(messages.MINE_EMPTY, private=True)
    return Reply(messages.MINE_HEADER.format(count=len(tickets)), private=True,
                 lines=queue_lines(ctx.service, tickets))


def show(ctx: CommandContext, args: str) -> Reply:
    ticket_id, rest = ctx.split_ticket("show", args)
    if rest and rest != messages.SHOW_ALL_FLAG:
        raise bad_usage()
    ticket = ctx.service.show(ctx.actor, ticket_id)
    lines = ticket_lines(ctx.service, ticket, for_agent=ctx.actor.is_agent, everything=bool(rest))
    # An agent's private copy carries the agents' buttons: their controls where no team channel is.
    actions = team_actions(ticket) if ctx.actor.is_agent else ()
    return Reply(lines[0], ticket=ticket, private=True, lines=lines[1:], actions=actions)


def help_(ctx: CommandContext, args: str) -> Reply:
    registry: VerbRegistry = ctx.desk.verbs
    if args:
        verb = registry.get(args.split()[0])
        if verb is None:
            raise UsageError(messages.UNKNOWN_VERB, verb=args.split()[0])
        return Reply(messages.USAGE.format(usage=verb.usage, summary=verb.summary), private=True)
    lines = []
    for verb in registry:
        if verb.agents_only and not ctx.actor.is_agent:
            continue
        for usage, summary in verb.help_lines or ((verb.usage, verb.summary),):
            marker = f" {messages.HELP_AGENT_ONLY}" if verb.agents_only else ""
            lines.append(f"  /desk {usage}: {summary}{marker}")
    return Reply(messages.HELP_HEADER, private=True, lines=tuple(lines))


def _take_option(text: str, option: str) -> tuple[str | None, str]:
    """Pull ``--option VALUE`` out of free text; the rest stays as written."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if option not in words:
        return None, text.strip()
    index = words.index(option)
    if index + 1 >= len(words):
        raise bad_usage()
    value = words[index + 1]
    rest = " ".join(words[:index] + words[index + 2:])
    return value, rest


def _text(name: str, description: str, *, required: bool = False) -> Param:
    return Param(name, ParamKind.TEXT, description, required=required)


REASON = _text("reason", "Why (optional)")

TICKET_VERBS: tuple[Verb, ...] = (
    Verb("claim", "claim [T-12]", "take a ticket; you become its owner", claim, params=(TICKET,)),
    Verb("unclaim", "unclaim [T-12]", "put a ticket you hold back in the queue", unclaim, params=(TICKET,)),
    Verb("assign", "assign [T-12] AGENT", "hand a ticket to another agent", assign,
         params=(TICKET, Param("agent", ParamKind.PERSON, "The agent who takes the ticket over", required=True))),
    Verb("note", "note [T-12] TEXT", "record an action taken (internal, not shown to the customer)", note,
         params=(TICKET, _text("text", "What you did (internal, not shown to the customer)", required=True))),
    Verb("wait", "wait [T-12] [TEXT]", "put a ticket on hold, waiting on the customer", wait,
         params=(TICKET, _text("text", "What you are waiting for (optional)"))),
    Verb("resolve", "resolve [T-12] [--article SLUG] TEXT",
         "resolve with a summary (the customer may resolve their own ticket)", resolve, agents_only=False,
         params=(TICKET, _text("resolution", "How it was resolved (leave out to open the resolve form)"),
                 Param("article", ParamKind.ARTICLE, "The help article that answers it", flag="article"))),
    Verb("reopen", "reopen [T-12] [REASON]", "return a resolved or closed ticket to work", reopen,
         agents_only=False, params=(TICKET, REASON)),
    Verb("close", "close [T-12] [REASON]", "close a ticket for good", close, params=(TICKET, REASON)),
    Verb("priority", "priority [T-12] low|normal|high|urgent", "set the priority", priority,
         params=(TICKET, Param("level", ParamKind.CHOICE, "The new priority", required=True, choices=PRIORITIES))),
    Verb("category", "category [T-12] NAME", "set the category (shows its checklist)", category,
         params=(TICKET, Param("name", ParamKind.CATEGORY, "The category (its checklist is shown)", required=True))),
    Verb("tag", "tag [T-12] TAG… [-TAG…]", "add tags (or remove them with a leading -)", tag,
         params=(TICKET, _text("tags", "Tags separated by spaces; a leading - removes one", required=True))),
    Verb("queue", "queue", "the open and active tickets, unclaimed first", queue),
    Verb("mine", "mine", "the tickets you hold", mine),
    Verb("show", "show [T-12] [--all]", "a ticket's details and history (customers: their own)", show,
         agents_only=False, params=(TICKET, Param("history", ParamKind.CHOICE, "Show the whole history",
                                                  choices=(messages.SHOW_ALL_FLAG,)))),
    Verb("help", "help [VERB]", "this list, or how to use one command", help_, agents_only=False,
         params=(Param("verb", ParamKind.VERB, "A command to explain"),)),
)
