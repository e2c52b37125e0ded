"""Team workflow on a desk: on-duty assignment, canned replies, team queues and transfers.

``install(desk)`` (called for every new desk through ``bot.features.workflow``) adds the verbs
and the intake step that hands a new ticket to an on-duty agent when ``[assignment] mode`` says so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot import messages
from bot.domain import Person, Ticket
from bot.replies import Kind, Reply
from bot.workflow.assignment import assign_to, candidates, choose
from bot.workflow.duty import DutyRoster
from bot.workflow.macros import MacroChoice, load_macros, preview
from bot.workflow.queues import queue_of
from bot.workflow.settings import AssignmentSection
from bot.workflow.verbs import WORKFLOW_VERBS

log = logging.getLogger(__name__)


class Workflow:
    """The team-workflow settings of one desk and the state they read."""

    def __init__(self, desk) -> None:
        self.desk = desk
        config = desk.config
        self.assignment: AssignmentSection = config.validated("assignment") or AssignmentSection()
        self.queues = tuple(config.validated("queues") or ())
        self._macro_table = config.validated("macros") or {}
        self._macro_folder = config.root / "macros"
        self.roster = DutyRoster(desk.service.store, desk.service.clock, defaults=self.assignment.on_duty,
                                 group=self._group_members)

    def _group_members(self, platform: str) -> Sequence[Person]:
        group = self.assignment.on_duty_group
        lookup = self.desk.group_members
        if not group or lookup is None:
            return ()
        try:
            return lookup(platform, group)
        except Exception:  # a failing platform lookup leaves the explicit roster in charge
            log.exception("on-duty group %s could not be read", group)
            return ()

    @property
    def mode(self) -> str:
        return self.assignment.mode

    def macros(self) -> dict[str, str]:
        """Read on every use, so a new macros/NAME.md file needs no restart."""
        return load_macros(self._macro_table, self._macro_folder)

    def macro_list_text(self) -> str:
        found = self.macros()
        return messages.MACROS_HEADER.format(count=len(found)) if found else messages.MACROS_NONE

    def macro_choices(self) -> tuple[MacroChoice, ...]:
        """The macros a reply or resolve form offers, by name."""
        return tuple(MacroChoice(name, preview(text)) for name, text in sorted(self.macros().items()))

    def macro_lines(self) -> tuple[str, ...]:
        return tuple(messages.MACRO_LINE.format(name=name, preview=preview(text))
                     for name, text in sorted(self.macros().items()))

    def article_link(self, ticket: Ticket) -> str | None:
        """The help-site link of the ticket's article, else of its top suggestion."""
        slug = ticket.article or next((str(s.get("slug")) for s in ticket.suggestions if s.get("slug")), None)
        if not slug:
            return None
        for suggestion in ticket.suggestions:
            if suggestion.get("slug") == slug and suggestion.get("url"):
                return str(suggestion["url"])
        return f"{self.desk.config.help_site.url.rstrip('/')}/articles/{slug}/"

    def queue_audience(self, ticket: Ticket) -> tuple[str, tuple[Person, ...]] | None:
        """The ticket's queue and whom its reminders are for: the queue's agents on duty, else all of
        its agents; ``None`` for a ticket in no queue (its reminders stay the whole team's)."""
        queue = queue_of(ticket, self.queues)
        if queue is None:
            return None
        platform = ticket.source.platform
        members = {a.casefold() for a in queue.agents}
        on_duty = [Person(platform, a.user_id, a.name) for a in self.roster.on_duty(platform)
                   if a.user_id.casefold() in members]
        return queue.name, tuple(on_duty or (Person(platform, a, a) for a in queue.agents))

    def on_duty_text(self, platform: str) -> str:
        agents = self.roster.on_duty(platform)
        if not agents:
            return messages.DUTY_NOBODY
        return messages.DUTY_LIST.format(names=", ".join(a.name for a in agents))

    def after_intake(self, ticket: Ticket) -> list[Reply]:
        """Hand a new (or transferred) unclaimed ticket to an on-duty agent, and tell the team."""
        if self.mode == "claim" or ticket.assignee is not None:
            return []
        platform = ticket.source.platform
        agent = choose(self.mode, candidates(self.roster, ticket, self.queues), store=self.desk.service.store,
                       platform=platform, config_order=self.desk.config.platform(platform).agents)
        if agent is None:
            return []
        updated = assign_to(self.desk.service.store, ticket, agent, mode=self.mode,
                            now=self.desk.service.clock.now())
        if updated is None:
            return []
        return [Reply(messages.ASSIGNED_BY_DESK.format(ticket_id=updated.id, agent=agent.name, mode=self.mode,
                                                       subject=updated.subject),
                      kind=Kind.ANNOUNCE, ticket=updated)]


def install(desk) -> None:
    """Add the workflow verbs and the assignment step to ``desk``."""
    desk.workflow = Workflow(desk)
    for verb in WORKFLOW_VERBS:
        desk.verbs.register(verb)
    desk.intake_hooks.append(desk.workflow.after_intake)
