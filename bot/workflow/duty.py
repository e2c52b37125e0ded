"""Who is on duty, per platform: kept in the store so every process (and a restart) agrees.

Each agent's state is its own key (``duty:<platform>:<user>``), written whole, so two agents
switching at once never overwrite each other; an index key lists who has ever switched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.clock import Clock, to_iso
from bot.domain import Person
from bot.store.base import TicketStore


@dataclass(frozen=True, slots=True)
class OnDuty:
    """One agent on duty."""

    user_id: str
    name: str


class DutyRoster:
    """Reads and writes the on-duty set of one store; ``defaults``: on duty until they say otherwise."""

    def __init__(self, store: TicketStore, clock: Clock, *, defaults: tuple[str, ...] = (),
                 group: Callable[[str], Sequence[Person]] | None = None) -> None:
        self.store = store
        self.clock = clock
        self.defaults = defaults
        # The platform's on-duty group (``[assignment] on_duty_group``), looked up when asked.
        self.group = group

    def set(self, person: Person, on: bool) -> bool:
        """Put ``person`` on or off duty; False when they already were."""
        if self._effective(person.platform, person.user_id) == on:
            return False
        self.store.put(_key(person.platform, person.user_id),
                       {"on": on, "name": person.name, "at": to_iso(self.clock.now())})
        index_key = f"duty-index:{person.platform}"
        for _ in range(3):  # another process may be adding itself at the same moment
            known = list(self.store.recall(index_key) or [])
            if person.user_id in known:
                break
            self.store.put(index_key, [*known, person.user_id])
        return True

    def is_on(self, platform: str, user_id: str) -> bool:
        state = self.store.recall(_key(platform, user_id))
        if isinstance(state, dict) and "on" in state:
            return bool(state["on"])
        return user_id in self.defaults or user_id.casefold() in {d.casefold() for d in self.defaults}

    def on_duty(self, platform: str) -> list[OnDuty]:
        """Everyone on duty on ``platform``: configured defaults first, in config order, then the rest."""
        known = [*self.defaults, *(u for u in self.store.recall(f"duty-index:{platform}") or []
                                   if u not in self.defaults)]
        members = {p.user_id: p.name for p in (self.group(platform) if self.group else ())}
        known += [u for u in members if u not in known]
        found: list[OnDuty] = []
        for user_id in known:
            if not self.is_on(platform, user_id) and not (user_id in members and self._unsaid(platform, user_id)):
                continue
            state = self.store.recall(_key(platform, user_id))
            name = state.get("name") if isinstance(state, dict) else None
            found.append(OnDuty(user_id, str(name or members.get(user_id) or user_id)))
        return found

    def _effective(self, platform: str, user_id: str) -> bool:
        """On duty by their own word, by the defaults, or as an on-duty group member who said nothing."""
        if self.is_on(platform, user_id):
            return True
        members = {p.user_id for p in (self.group(platform) if self.group else ())}
        return user_id in members and self._unsaid(platform, user_id)

    def _unsaid(self, platform: str, user_id: str) -> bool:
        """Nobody has set this agent's duty yet (a group member is on until they say off)."""
        state = self.store.recall(_key(platform, user_id))
        return not (isinstance(state, dict) and "on" in state)


def _key(platform: str, user_id: str) -> str:
    return f"duty:{platform}:{user_id}"
