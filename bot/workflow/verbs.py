"""The team-workflow verbs: ``duty``, ``reply``, ``macros``, ``transfer``, and queue-aware ``queue``/``mine``."""

from __future__ import annotations

import re

from bot import messages
from bot.clock import to_iso
from bot.commands import TICKET, CommandContext, Param, ParamKind, Verb, bad_usage
from bot.domain import Actor, Event, EventType, State, Ticket
from bot.errors import InvalidMove, NotFound, UsageError
from bot.render import queue_lines
from bot.replies import MACRO_FIELD, Kind, Reply
from bot.workflow.macros import fill
from bot.workflow.queues import TRANSFERRED, find_queue, queue_of, queues_of_agent

MACRO_CALL = re.compile(r"^:(\S*)\s*(.*)$", re.DOTALL)  # ``:refund`` and what follows it


def _workflow(ctx: CommandContext):
    return ctx.desk.workflow


def duty(ctx: CommandContext, args: str) -> Reply:
    """``/desk duty [on|off]``: go on or off duty, or see who is on."""
    flow, word = _workflow(ctx), args.strip().lower()
    if word not in ("", "on", "off"):
        raise bad_usage()
    if word:
        changed = flow.roster.set(ctx.actor, word == "on")
        if not changed:
            return Reply(messages.DUTY_ALREADY_ON if word == "on" else messages.DUTY_ALREADY_OFF, private=True)
        text = (messages.DUTY_ON if word == "on" else messages.DUTY_OFF).format(name=ctx.actor.name)
        lines = (messages.DUTY_CLAIM_MODE,) if flow.mode == "claim" else ()
        return Reply(text, private=True, lines=lines)
    return Reply(flow.on_duty_text(ctx.actor.platform), private=True)


def reply(ctx: CommandContext, args: str) -> Reply | list[Reply]:
    """``/desk reply [T-12] TEXT`` or ``:MACRO [TEXT]``: answer the customer in the thread, as the agent."""
    ticket_id, text = ctx.split_ticket("reply", args)
    macro = None
    named = MACRO_CALL.match(text)
    if named:
        macro, text = named.group(1), named.group(2)
    return send_reply(ctx, ticket_id, text, macro=macro)


def send_reply(ctx: CommandContext, ticket_id: str, text: str, *, macro: str | None = None) -> Reply:
    """Post ``text`` (after the macro ``macro``, filled in, when one is named) as the agent's reply."""
    ticket = ctx.service.show(ctx.actor, ticket_id)
    if ticket.state is State.CLOSED:
        raise InvalidMove(messages.REPLY_CLOSED, ticket_id=ticket.id)
    if macro is not None:
        filled = with_macro(_workflow(ctx), ticket, ctx.actor, text, macro)
        if isinstance(filled, Reply):
            return filled
        text = filled
    if not text.strip():
        raise UsageError(messages.REPLY_NEEDED)
    ticket = ctx.service.add_message(ctx.actor, ticket.id, text)
    return Reply(messages.REPLY_SENT.format(agent=ctx.actor.name, ticket_id=ticket.id, text=text),
                 kind=Kind.NOTICE, ticket=ticket)


def with_macro(flow, ticket: Ticket, agent: Actor, text: str, name: str) -> str | Reply:
    """The macro ``name`` filled in for this ticket, then ``text``; an unknown one answers with the list.

    The one way a macro is filled: ``/desk reply T-12 :NAME`` and the reply and resolve forms.
    """
    macro = flow.macros().get(name.strip())
    if macro is None:
        return Reply(messages.MACRO_UNKNOWN.format(name=name.strip(), available=flow.macro_list_text()),
                     kind=Kind.USAGE, private=True, lines=flow.macro_lines(), about=MACRO_FIELD)
    filled = fill(macro, ticket=ticket, agent=agent, article_link=flow.article_link(ticket))
    return "\n\n".join(part for part in (filled, text.strip()) if part)


def macros(ctx: CommandContext, args: str) -> Reply:
    """``/desk macros``: the canned replies and how to send one."""
    if args:
        raise bad_usage()
    flow = _workflow(ctx)
    return Reply(flow.macro_list_text(), private=True, lines=flow.macro_lines())


def transfer(ctx: CommandContext, args: str) -> list[Reply]:
    """``/desk transfer [T-12] QUEUE``: move a ticket to another team's queue."""
    ticket_id, name = ctx.split_ticket("transfer", args)
    if not name or len(name.split()) > 1:
        raise bad_usage()
    flow = _workflow(ctx)
    if not flow.queues:
        raise NotFound(messages.QUEUES_NONE)
    target = find_queue(name, flow.queues)
    if target is None:
        raise NotFound(messages.QUEUE_UNKNOWN, name=name, known=", ".join(q.name for q in flow.queues))
    now = to_iso(ctx.service.clock.now())
    released = False

    def decide(current: Ticket) -> list[Event]:
        nonlocal released
        if current.state in (State.RESOLVED, State.CLOSED):
            raise InvalidMove(messages.NOT_ACTIVE_FOR_TRANSFER, ticket_id=current.id, state=current.state.value)
        here = queue_of(current, flow.queues)
        if here is not None and here.name == target.name:
            raise InvalidMove(messages.ALREADY_IN_QUEUE, ticket_id=current.id, queue=target.name)
        events = [Event(TRANSFERRED, now, ctx.actor.user_id, ctx.actor.name,
                        {"queue": target.name, "from": here.name if here else None})]
        members = {a.casefold() for a in target.agents}
        if current.assignee and target.agents and current.assignee.user_id.casefold() not in members:
            events.append(Event(EventType.UNCLAIMED, now, ctx.actor.user_id, ctx.actor.name,
                                {"reason": f"transferred to {target.name}"}))
            released = True
        return events

    ticket = ctx.service.store.mutate(ticket_id, decide)
    replies = [Reply(messages.TRANSFERRED.format(ticket_id=ticket.id, queue=target.name, agent=ctx.actor.name,
                                                 released=messages.TRANSFER_RELEASED if released else ""),
                     kind=Kind.CHANGED, ticket=ticket)]
    return replies + flow.after_intake(ticket)


def queue(ctx: CommandContext, args: str) -> Reply:
    """``/desk queue [QUEUE]``: active tickets per team queue, and who is on duty."""
    return _listing(ctx, args, mine=False)


def mine(ctx: CommandContext, args: str) -> Reply:
    """``/desk mine [QUEUE]``: the tickets you hold, per team queue."""
    return _listing(ctx, args, mine=True)


def _listing(ctx: CommandContext, args: str, *, mine: bool) -> Reply:
    flow = _workflow(ctx)
    tickets = ctx.service.mine(ctx.actor) if mine else ctx.service.queue(ctx.actor)
    wanted = None
    if args:
        if len(args.split()) > 1:
            raise bad_usage()
        wanted = find_queue(args, flow.queues)
        if wanted is None:
            raise NotFound(messages.QUEUE_UNKNOWN, name=args, known=", ".join(q.name for q in flow.queues) or "none")
    footer = () if mine else (flow.on_duty_text(ctx.actor.platform),)
    if not flow.queues:
        header = (messages.MINE_HEADER if mine else messages.QUEUE_HEADER).format(count=len(tickets))
        if not tickets:
            return Reply(messages.MINE_EMPTY if mine else messages.QUEUE_EMPTY, private=True, lines=footer)
        return Reply(header, private=True, lines=(*queue_lines(ctx.service, tickets), *footer))
    groups: dict[str, list[Ticket]] = {}
    for ticket in tickets:
        found = queue_of(ticket, flow.queues)
        groups.setdefault(found.name if found else messages.QUEUE_NONE_NAME, []).append(ticket)
    order = [q.name for q in (queues_of_agent(ctx.actor.user_id, flow.queues) or flow.queues)]
    order += [q.name for q in flow.queues if q.name not in order] + [messages.QUEUE_NONE_NAME]
    lines: list[str] = []
    for name in order:
        if (wanted and name != wanted.name) or not groups.get(name):
            continue
        section = messages.QUEUE_SECTION_NONE if name == messages.QUEUE_NONE_NAME else messages.QUEUE_SECTION
        lines.append(section.format(queue=name, count=len(groups[name])))
        lines += queue_lines(ctx.service, groups[name])
    count = sum(len(groups.get(name, [])) for name in order if not wanted or name == wanted.name)
    if not count:
        return Reply(messages.MINE_EMPTY if mine else messages.QUEUE_EMPTY, private=True, lines=footer)
    header = (messages.MINE_HEADER if mine else messages.QUEUE_HEADER).format(count=count)
    return Reply(header, private=True, lines=(*lines, *footer))


QUEUE = Param("queue", ParamKind.WORD, "One team queue (default: all of yours)")

WORKFLOW_VERBS = (
    Verb("duty", "duty [on|off]", "go on or off duty for new tickets, or see who is on", duty,
         params=(Param("state", ParamKind.CHOICE, "On or off duty (leave out to see who is on)",
                       choices=("on", "off")),)),
    Verb("reply", "reply [T-12] TEXT | :MACRO [TEXT]", "answer the customer in the ticket's thread, as you", reply,
         params=(TICKET, Param("text", ParamKind.TEXT, "What to send, or :NAME for a canned reply (none: the form)"))),
    Verb("macros", "macros", "the canned replies for `reply`", macros),
    Verb("transfer", "transfer [T-12] QUEUE", "move a ticket to another team's queue", transfer,
         params=(TICKET, Param("queue", ParamKind.WORD, "The team queue to move it to", required=True))),
    Verb("queue", "queue [QUEUE]", "the open and active tickets per team queue, unclaimed first", queue,
         params=(QUEUE,)),
    Verb("mine", "mine [QUEUE]", "the tickets you hold", mine, params=(QUEUE,)),
)
