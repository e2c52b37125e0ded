"""The console desk: the whole help desk in a terminal, one line at a time.

Plain text is a message in the support channel (or, after ``/thread T-1``, a reply in that
ticket's thread); ``/desk …`` runs a command; ``/as NAME`` switches who is speaking; ``/press
solved|help|claim [T-1]`` presses a ticket's button. Replies go to stdout; errors never
escape as tracebacks.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import TextIO

from bot.commands import COMMAND_PREFIX
from bot.desk import Desk, Inbound
from bot.domain import Actor, parse_ticket_id
from bot.errors import DeskError
from bot.replies import Action, Kind, Reply

log = logging.getLogger(__name__)

PLATFORM = "console"
DEMO_CUSTOMER = "casey"
CONSOLE_HELP = """\
Console desk: type as a customer in the support channel.
  TEXT                      post a message (a new request, or a reply inside /thread)
  /desk VERB …              run a desk command (/desk help lists them)
  /as NAME                  speak as NAME (an agent if NAME is one: {agents})
  /thread T-1               reply inside T-1's thread; /thread alone leaves it
  /press solved|help|claim [T-1]   press a ticket's button
  /survey T-1 1-5 [comment]  answer the satisfaction survey (as the requester)
  /whoami, /help, /quit"""
PRESS_ALIASES = {"solved": Action.SOLVED, "help": Action.NEED_HELP, "need_help": Action.NEED_HELP,
                 "claim": Action.CLAIM}


class ConsoleDesk:
    """Reads lines, speaks to the desk as the current person, and prints its replies."""

    def __init__(self, desk: Desk, *, output: TextIO, interactive: bool = False,
                 customer: str = DEMO_CUSTOMER, scheduler=None) -> None:
        self.desk = desk
        # Timers (first-response reminders, waiting nudges) run between lines, on the desk's clock.
        self.scheduler = scheduler
        self.output = output
        self.interactive = interactive
        self.channel = (desk.config.platform(PLATFORM).channels or ("support",))[0]
        self.speaker = customer
        self.thread_ticket: str | None = None

    @property
    def actor(self) -> Actor:
        is_agent = self.desk.config.is_agent(PLATFORM, self.speaker)
        return Actor(PLATFORM, self.speaker, self.speaker, is_agent=is_agent)

    def prompt(self) -> str:
        role = "agent" if self.actor.is_agent else "customer"
        where = f" in {self.thread_ticket}" if self.thread_ticket else ""
        return f"{self.speaker} ({role}){where} › "

    def run(self, lines: Iterable[str]) -> int:
        """Handle every line until end of input or ``/quit``; returns the exit status."""
        for raw in lines:
            line = raw.strip()
            if not line:
                continue
            if not self.interactive:
                self._say(f"{self.prompt()}{line}")
            if line in ("/quit", "/exit"):
                break
            try:
                self.handle(line)
                if self.scheduler is not None:
                    self.scheduler.tick()
            except DeskError as error:
                self._say(f"bot › {error.message}")
            except Exception:  # the console never shows a traceback; the log keeps it
                log.exception("console line failed: %s", line)
                self._say("bot › Sorry, something went wrong handling that line; nothing was changed.")
        return 0

    def handle(self, line: str) -> None:
        if line.lower().startswith(COMMAND_PREFIX):
            thread = self._thread_ref()
            self._show(self.desk.on_command(self.actor, line, channel=self.channel, thread=thread,
                                            ticket_id=self.thread_ticket))
        elif line.startswith("/as"):
            self._switch(line[3:].strip())
        elif line.startswith("/thread"):
            self._enter_thread(line[7:].strip())
        elif line.startswith("/press"):
            self._press(line[6:].strip())
        elif line.startswith("/survey"):
            self._survey(line[7:].strip())
        elif line in ("/whoami",):
            self._say(f"bot › You are {self.speaker} ({'agent' if self.actor.is_agent else 'customer'}).")
        elif line.startswith("/"):
            agents = ", ".join(self.desk.config.platform(PLATFORM).agents) or "none"
            self._say(CONSOLE_HELP.format(agents=agents))
        else:
            self._message(line)

    def _message(self, text: str) -> None:
        inbound = Inbound(actor=self.actor, text=text, channel=self.channel, message_id=uuid.uuid4().hex[:12],
                          thread=self._thread_ref())
        outcome = self.desk.on_message(inbound)
        if outcome.ignored:
            self._say(f"     {outcome.ignored}")
        elif self.thread_ticket and outcome.ticket:
            who = "reply" if self.actor.is_agent else "message"
            self._say(f"     (added to {outcome.ticket.id} as a {who})")
        self._show(outcome.replies)

    def _switch(self, name: str) -> None:
        if not name or " " in name:
            self._say("bot › Usage: /as NAME")
            return
        self.speaker = name
        role = "an agent" if self.actor.is_agent else "a customer"
        self._say(f"bot › You are now {name}, {role}.")

    def _enter_thread(self, arg: str) -> None:
        if not arg:
            self.thread_ticket = None
            self._say("bot › Back in the channel: plain text opens new requests.")
            return
        ticket_id = parse_ticket_id(arg)
        ticket = self.desk.service.store.get(ticket_id) if ticket_id else None
        if ticket is None:
            self._say(f"bot › I can't find ticket {arg}. Usage: /thread T-1")
            return
        self.thread_ticket = ticket.id
        self._say(f"bot › In {ticket.id}'s thread: plain text now replies there (/thread to leave).")

    def _press(self, arg: str) -> None:
        words = arg.split()
        action = PRESS_ALIASES.get(words[0].lower()) if words else None
        ticket_id = parse_ticket_id(words[1]) if len(words) > 1 else self.thread_ticket
        if action is None or ticket_id is None or len(words) > 2:
            self._say("bot › Usage: /press solved|help|claim [T-1]")
            return
        self._show(self.desk.on_action(self.actor, action, ticket_id))

    def _survey(self, arg: str) -> None:
        words = arg.split(maxsplit=2)
        ticket_id = parse_ticket_id(words[0]) if words else None
        if ticket_id is None or len(words) < 2 or not words[1].isdigit():
            self._say("bot › Usage: /survey T-1 1-5 [comment]")
            return
        self._show(self.desk.on_survey(self.actor, ticket_id, int(words[1]), words[2] if len(words) > 2 else ""))

    def _thread_ref(self) -> str | None:
        if not self.thread_ticket:
            return None
        ticket = self.desk.service.store.get(self.thread_ticket)
        return ticket.source.thread if ticket else None

    def _show(self, replies: Iterable[Reply]) -> None:
        for reply in replies:
            speaker = "team" if reply.kind is Kind.ANNOUNCE else "bot"
            private = " (only you)" if reply.private else ""
            # Markdown bold is for chat platforms; a terminal shows the words plainly.
            text = reply.full_text.replace("**", "").replace("\n", "\n      ")
            self._say(f"{speaker}{private} › {text}")
            if reply.actions and reply.kind is not Kind.ANNOUNCE:
                buttons = "  ".join(f"[{action.label}]" for action in reply.actions)
                self._say(f"      {buttons}   (/press solved|help|claim {reply.ticket.id if reply.ticket else ''})")
            if reply.kind is Kind.SURVEY and reply.ticket:
                self._say(f"      [1] [2] [3] [4] [5]   (/survey {reply.ticket.id} 1-5 [comment])")
            for attachment in reply.attachments:
                self._say(f"      (attached: {attachment})")

    def _say(self, text: str) -> None:
        print(text, file=self.output, flush=True)


class ConsoleOutbox:
    """The console's ``Outbox``: unprompted posts are printed like any other reply."""

    def __init__(self, console: ConsoleDesk) -> None:
        self.console = console

    def to_team(self, reply: Reply) -> None:
        self.console._show([reply])

    def to_thread(self, ticket, reply: Reply) -> None:
        self.console._show([reply])
