"""The console desk: the whole help desk in a terminal, one line at a time.

Plain text is a message in the support channel (or, after ``/thread T-1``, a reply in that
ticket's thread); ``/desk …`` runs a command; ``/as NAME`` switches who is speaking; ``/press
solved|help|claim [T-1]`` presses a ticket's button. Replies go to stdout; errors never
escape as tracebacks.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
import uuid
from collections.abc import Iterable
from typing import TextIO

from bot import messages as core_messages
from bot.adapters.console import messages
from bot.commands import COMMAND_PREFIX
from bot.config import PlatformConfig
from bot.desk import Action, Actor, Desk, Destination, Inbound, Kind, Reply, parse_ticket_id, plan
from bot.errors import DeskError
from bot.outbound import Handed
from bot.registry import Platform, add_platform

log = logging.getLogger(__name__)

PLATFORM = "console"
DEMO_CUSTOMER = "casey"
CONSOLE_HELP = messages.CONSOLE_HELP
PRESS_ALIASES = {"solved": Action.SOLVED, "help": Action.NEED_HELP, "need_help": Action.NEED_HELP,
                 "claim": Action.CLAIM}


def printable(text: str) -> str:
    """Text safe for an agent's terminal: control characters (ANSI escapes among them) shown, not run."""
    return "".join(ch if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf") or ch in ZERO_WIDTH_KEPT
                   else f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}" for ch in text)


# Joiners that Persian and emoji need; every other format character is shown as its code.
ZERO_WIDTH_KEPT = frozenset("\u200c\u200d")


@dataclass(slots=True)
class FormInProgress:
    """The intake form being answered in the console: its questions and the answers so far."""

    fields: tuple
    answers: dict = field(default_factory=dict)
    position: int = 0

    @property
    def current(self):
        return self.fields[self.position]


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
        self.form: FormInProgress | None = None

    @property
    def actor(self) -> Actor:
        is_agent = self.desk.config.is_agent(PLATFORM, self.speaker)
        return Actor(PLATFORM, self.speaker, self.speaker, is_agent=is_agent)

    def prompt(self) -> str:
        where = messages.PROMPT_IN_THREAD.format(ticket_id=self.thread_ticket) if self.thread_ticket else ""
        return messages.PROMPT.format(speaker=self.speaker, role=self._role(), where=where)

    def _role(self) -> str:
        return messages.ROLE_AGENT if self.actor.is_agent else messages.ROLE_CUSTOMER

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
                self._bot(error.message)
            except Exception:  # the console never shows a traceback; the log keeps it
                log.exception("console line failed: %s", line)
                self._bot(messages.FAILED)
        return 0

    def handle(self, line: str) -> None:
        if self.form is not None:
            self._form_answer(line)
        elif line == "/new":
            self._form_start()
        elif line.lower().startswith(COMMAND_PREFIX):
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
            self._bot(messages.WHOAMI.format(name=self.speaker, role=self._role()))
        elif line.startswith("/"):
            agents = ", ".join(self.desk.config.platform(PLATFORM).agents) or messages.NO_AGENTS
            self._say(CONSOLE_HELP.format(agents=agents))
        else:
            self._message(line)

    def _message(self, text: str) -> None:
        inbound = Inbound(actor=self.actor, text=text, channel=self.channel, message_id=uuid.uuid4().hex[:12],
                          thread=self._thread_ref())
        outcome = self.desk.on_message(inbound)
        if outcome.ignored == core_messages.IGNORED_AGENT_TOP_LEVEL:
            self._say(messages.IGNORED.format(why=messages.AGENT_TOP_LEVEL))  # the console has no shortcut
        elif outcome.ignored:
            self._say(messages.IGNORED.format(why=outcome.ignored))
        elif self.thread_ticket and outcome.ticket and not outcome.created:
            what = messages.ADDED_REPLY if self.actor.is_agent else messages.ADDED_MESSAGE
            self._say(messages.ADDED.format(ticket_id=outcome.ticket.id, what=what))
        self._show(outcome.replies)

    # -- the intake form, field by field -----------------------------------------------

    def _form_start(self) -> None:
        fields = self.desk.intake_form()
        if not fields:
            self._bot(core_messages.FORM_NOT_CONFIGURED)
            return
        self.form = FormInProgress(fields)
        self._bot(messages.FORM_START)
        self._form_ask()

    def _form_ask(self) -> None:
        field = self.form.current
        hint = messages.FORM_OPTIONS.format(options=", ".join(field.options)) if field.options else ""
        optional = "" if field.required else messages.FORM_OPTIONAL
        self._bot(messages.FORM_QUESTION.format(label=field.label, optional=optional, hint=hint))

    def _form_answer(self, line: str) -> None:
        if line == "/cancel":
            self.form = None
            self._bot(messages.FORM_CANCELLED)
            return
        field, answer = self.form.current, "" if line == "-" else line
        try:
            self.desk.check_form_answer(field, answer)
        except DeskError as error:  # ask the same question again
            self._bot(error.message)
            self._form_ask()
            return
        self.form.answers[field.name] = answer
        self.form.position += 1
        if self.form.position < len(self.form.fields):
            self._form_ask()
            return
        answers, self.form = self.form.answers, None
        outcome = self.desk.submit_form(self.actor, answers, channel=self.channel, message_id=uuid.uuid4().hex[:12])
        self._show(outcome.replies)

    def _switch(self, name: str) -> None:
        if not name or " " in name:
            self._bot(messages.AS_USAGE)
            return
        # Agents are who the config says, whatever the case typed: "/as Maria" is maria.
        agents = self.desk.config.platform(PLATFORM).agents
        name = next((agent for agent in agents if agent.casefold() == name.casefold()), name)
        self.speaker = name
        role = messages.ROLE_AN_AGENT if self.actor.is_agent else messages.ROLE_A_CUSTOMER
        self._bot(messages.SWITCHED.format(name=name, role=role))

    def _enter_thread(self, arg: str) -> None:
        if not arg:
            self.thread_ticket = None
            self._bot(messages.LEFT_THREAD)
            return
        ticket = self.desk.find(arg)
        if ticket is None:
            self._bot(messages.NO_SUCH_TICKET.format(arg=arg))
            return
        self.thread_ticket = ticket.id
        self._bot(messages.IN_THREAD.format(ticket_id=ticket.id))

    def _press(self, arg: str) -> None:
        words = arg.split()
        action = PRESS_ALIASES.get(words[0].lower()) if words else None
        ticket_id = parse_ticket_id(words[1]) if len(words) > 1 else self.thread_ticket
        if action is None or ticket_id is None or len(words) > 2:
            self._bot(messages.PRESS_USAGE)
            return
        self._show(self.desk.on_action(self.actor, action, ticket_id))

    def _survey(self, arg: str) -> None:
        words = arg.split(maxsplit=2)
        ticket_id = parse_ticket_id(words[0]) if words else None
        if ticket_id is None or len(words) < 2 or not words[1].isdigit():
            self._bot(messages.SURVEY_USAGE)
            return
        self._show(self.desk.on_survey(self.actor, ticket_id, int(words[1]), words[2] if len(words) > 2 else ""))

    def _thread_ref(self) -> str | None:
        if not self.thread_ticket:
            return None
        ticket = self.desk.find(self.thread_ticket)
        return ticket.source.thread if ticket else None

    def _show(self, replies: Iterable[Reply]) -> None:
        """Print each reply as the core routes it: the team channel and private answers are marked."""
        for destination, reply in plan(replies).steps:
            speaker = messages.SPEAKER_TEAM if destination is Destination.TEAM else messages.SPEAKER_BOT
            private = messages.ONLY_YOU if destination is Destination.INVOKER else ""
            # Markdown bold is for chat platforms; a terminal shows the words plainly.
            text = reply.full_text.replace("**", "").replace("\n", "\n      ")
            self._say(messages.SAYS.format(speaker=speaker, private=private, text=text))
            ticket_id = reply.ticket.id if reply.ticket else ""
            if reply.actions:  # the core gives customers' posts only theirs, the team's post the agents'
                buttons = "  ".join(f"[{action.label}]" for action in reply.actions)
                how = " · ".join(messages.PRESS_HOW[action].format(ticket_id=ticket_id) for action in reply.actions)
                self._say(messages.BUTTONS.format(buttons=buttons, how=how))
            if reply.kind is Kind.SURVEY and reply.ticket:
                self._say(messages.SURVEY_BUTTONS.format(ticket_id=ticket_id))
            for attachment in reply.attachments:
                self._say(messages.ATTACHED.format(path=attachment))

    def _bot(self, text: str) -> None:
        self._say(messages.BOT_SAYS.format(text=text))

    def _say(self, text: str) -> None:
        print(printable(text), file=self.output, flush=True)


class ConsoleOutbox:
    """The console's ``Outbox``: unprompted posts are printed like any other reply."""

    def __init__(self, console: ConsoleDesk) -> None:
        self.console = console

    def to_team(self, reply: Reply, *, key: str | None = None, mark: str | None = None) -> Handed:
        self.console._show([reply])
        return Handed.ACCEPTED

    def to_thread(self, ticket, reply: Reply, *, key: str | None = None) -> Handed:
        self.console._show([reply])
        return Handed.ACCEPTED


def _run_options(run) -> None:
    run.add_argument("--no-site", action="store_true", help="console: do not build the help site first")


add_platform(Platform(
    name=PLATFORM, summary="the desk in this terminal (the default)", runner="bot.cli.desk:run_console",
    default=PlatformConfig(channels=("support",), agents=("maria", "sam")),
    example='# The local console desk: who is an agent there.\n[console]\nchannels = ["support"]\n'
            'agents = ["maria", "sam"]\n',
    run_options=_run_options, order=0))
