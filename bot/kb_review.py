"""``/desk kb review``: agents accept or reject the customer wordings proposed for articles.

Nothing a customer wrote reaches the matcher or the help site before an agent accepts it here
(or with ``chatdesk kb review``); ``confirm`` lets an agent vouch for a customer's own resolve.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import messages
from bot.commands import CommandContext, bad_usage
from bot.domain import State, parse_ticket_id
from bot.replies import Reply

if TYPE_CHECKING:
    from bot.kb_bridge import KnowledgeBase

KB_USAGE = "kb search TEXT | kb draft [T-12] | kb gaps | kb review [accept|reject|confirm T-12]"
KB_REVIEW_HELP = (
    ("kb review", "customer wordings waiting for review (not matched or public until accepted)"),
    ("kb review accept|reject T-12", "accept a ticket's proposed wording into its article, or drop it"),
    ("kb review confirm T-12", "propose the wording of a ticket its requester resolved with an article"),
)


def review(ctx: CommandContext, knowledge: KnowledgeBase, args: str) -> Reply:
    """List pending wordings, or accept / reject / confirm those of one ticket."""
    action, _, rest = args.partition(" ")
    if not action:
        return _listing(knowledge)
    ticket_id = parse_ticket_id(rest.strip()) if rest.strip() else ctx.thread_ticket
    if action.lower() not in ("accept", "reject", "confirm") or ticket_id is None:
        raise bad_usage()
    if action.lower() == "confirm":
        return _confirm(ctx, knowledge, ticket_id)
    from kb.learning import decide_reviews

    accept = action.lower() == "accept"
    done = decide_reviews(knowledge.reviews(), ticket_id, accept=accept,
                          default_language=knowledge.config.kb.default_language)
    if not done:
        return Reply(messages.KB_REVIEW_NOTHING.format(ticket_id=ticket_id), private=True)
    template = messages.KB_REVIEW_ACCEPTED if accept else messages.KB_REVIEW_REJECTED
    count = sum(len(wordings) for _, wordings in done)
    lines = tuple(f"  {slug}: “{w}”" for slug, wordings in done for w in wordings)
    return Reply(template.format(count=count, ticket_id=ticket_id), private=True, lines=lines)


def _listing(knowledge: KnowledgeBase) -> Reply:
    reviews = knowledge.reviews()
    if not reviews:
        return Reply(messages.KB_REVIEW_NONE, private=True)
    lines = tuple(f"  {r.pending.ticket or '(no ticket)'} → {r.slug} (“{r.title}”): “{r.pending.text}”"
                  for r in reviews)
    return Reply(messages.KB_REVIEW_HEADER.format(count=len(reviews)), private=True, lines=lines)


def _confirm(ctx: CommandContext, knowledge: KnowledgeBase, ticket_id: str) -> Reply:
    from bot.kb_bridge import propose_from_ticket

    ticket = ctx.service.show(ctx.actor, ticket_id)
    found = knowledge.article(ticket.article) if ticket.article else None
    if ticket.state not in (State.RESOLVED, State.CLOSED) or found is None \
            or not propose_from_ticket(knowledge, ticket):
        return Reply(messages.KB_REVIEW_NOT_PROPOSED.format(ticket_id=ticket.id), private=True)
    return Reply(messages.KB_REVIEW_PROPOSED.format(ticket_id=ticket.id, title=found[0]), private=True)
