"""Every sentence the desk says to people, in one place.

Templates use ``str.format`` fields. Keep them short, polite and specific: a refusal says
why and what to do instead.
"""

# -- intake -------------------------------------------------------------------
INTAKE_WITH_SUGGESTIONS = (
    "Thanks {name}, I've opened ticket {ticket_id} for you. These articles may already answer it:"
)
INTAKE_NO_SUGGESTIONS = "Thanks {name}, I've opened ticket {ticket_id}. An agent will be with you shortly."
INTAKE_BUTTONS_HINT = "If one of them solved it, press “This solved it”; otherwise press “Still need help”."
IGNORED_SMALL_TALK = "(no ticket opened: that reads as small talk; describe what you need help with)"
IGNORED_AGENT_TOP_LEVEL = "(no ticket opened: agents' own messages are not tickets; use the shortcut to open one)"
IGNORED_NOT_SUPPORT_CHANNEL = "(no ticket opened: this is not a support channel)"
IGNORED_DUPLICATE = "(already received: {ticket_id} was opened for this message)"
NEW_TICKET_ANNOUNCEMENT = "New ticket {ticket_id} from {name}: {subject}"

# -- ticket moves ---------------------------------------------------------------
CLAIMED = "{actor} claimed {ticket_id}."
CLAIMED_CHECKLIST = "Checklist for {category}:"
UNCLAIMED = "{actor} released {ticket_id}; it is back in the queue."
ASSIGNED = "{actor} assigned {ticket_id} to {assignee}."
NOTED = "Noted on {ticket_id}."
WAITING = "{ticket_id} is now waiting on the customer."
RESOLVED = "{ticket_id} is resolved. {resolution}"
RESOLVED_WITH_ARTICLE = "{ticket_id} is resolved with the article “{article}”. {resolution}"
SELF_SERVED = "Glad that helped, {name}! {ticket_id} is resolved. If it comes back, press “Still need help” or say so here."
ESCALATED = "Got it, {name}: {ticket_id} is flagged for the team and an agent will be with you shortly."
ESCALATED_ANNOUNCEMENT = "{ticket_id} still needs help (the suggestions did not solve it): {subject}"
REOPENED = "{actor} reopened {ticket_id}."
CLOSED = "{ticket_id} is closed."
PRIORITY_SET = "{ticket_id} priority is now {priority}."
CATEGORY_SET = "{ticket_id} category is now {category}."
TAGS_SET = "{ticket_id} tags: {tags}."
NO_TAGS = "none"
SURVEY_QUESTION = "{name}, how satisfied are you with how {ticket_id} was handled? (1 = unhappy, 5 = very happy)"
SURVEY_THANKS = "Thank you for the feedback on {ticket_id}!"

# -- refusals (nothing changed) -----------------------------------------------
TICKET_NOT_FOUND = "I can't find ticket {ticket_id}. Check the id with `/desk queue` or `/desk mine`."
AGENTS_ONLY = "Sorry, only agents can use `/desk {verb}`. If you need help, just describe the problem here."
NOT_YOUR_TICKET = "Sorry, only the person who asked or an agent can do that on {ticket_id}."
ALREADY_HELD = "{ticket_id} is already claimed by {holder} since {since}. Ask them, or use `/desk assign` to hand it over."
ALREADY_YOURS = "You already hold {ticket_id} (since {since})."
NOT_CLAIMED = "{ticket_id} is not claimed by anyone."
HELD_BY_OTHER = "{ticket_id} is held by {holder}, not you. Use `/desk assign {ticket_id} NAME` to hand it over."
CLAIM_FIRST = "{ticket_id} is {state}; claim it before putting it on hold."
ALREADY_WAITING = "{ticket_id} is already waiting on the customer."
ALREADY_RESOLVED = "{ticket_id} was already resolved by {who} at {when}. Use `/desk reopen {ticket_id}` to work on it again."
IS_CLOSED = "{ticket_id} is closed. Use `/desk reopen {ticket_id}` first."
NOT_RESOLVED = "{ticket_id} is {state}, not resolved or closed, so there is nothing to reopen."
ALREADY_CLOSED = "{ticket_id} is already closed."
ALREADY_ESCALATED = "{ticket_id} is already flagged for the team; an agent will be with you shortly."
CANT_WHILE = "{ticket_id} is {state}; that is not possible now."
UNKNOWN_CATEGORY = "There is no category {category!r}. Categories: {known}."
UNKNOWN_PRIORITY = "There is no priority {priority!r}. Priorities: {known}."
NOT_AN_AGENT = "{name} is not an agent, so {ticket_id} can't be assigned to them. Agents: {known}."
RESOLUTION_NEEDED = "Please say how {ticket_id} was resolved: `/desk resolve {ticket_id} TEXT`."
NOTE_NEEDED = "Please write the note: `/desk note {ticket_id} TEXT`."
SURVEY_NOT_YOURS = "Sorry, only the person who asked can answer the survey for {ticket_id}."
SURVEY_ALREADY = "Thanks, the survey for {ticket_id} is already answered."
SURVEY_BAD_SCORE = "Please answer with a number from 1 (unhappy) to 5 (very happy)."
SURVEY_NOT_RESOLVED = "The survey for {ticket_id} opens once it is resolved."
NOTHING_TO_CHANGE = "Nothing to change on {ticket_id}."

# -- commands ------------------------------------------------------------------
UNKNOWN_VERB = "I don't know `/desk {verb}`. Try `/desk help` for the list of commands."
USAGE = "Usage: `/desk {usage}`: {summary}"
WHICH_TICKET = "Which ticket? Say `/desk {verb} T-12 …` (inside a ticket's thread you may leave the id out)."
HELP_HEADER = "chatdesk commands (ticket ids may be left out inside a ticket's thread):"
HELP_AGENT_ONLY = "(agents)"
NOT_AVAILABLE = "`/desk {verb}` is not available yet on this desk."
QUEUE_EMPTY = "The queue is empty. Nice work!"
QUEUE_HEADER = "Open and active tickets ({count}):"
MINE_EMPTY = "You hold no tickets right now."
MINE_HEADER = "Your tickets ({count}):"

# -- storage and configuration ---------------------------------------------------
STORE_UNREADABLE = "The ticket store at {location} can't be read ({problem}). Nothing was changed."
STORE_BUSY = "The ticket store at {location} is busy (locked by another process for too long). Try again."
STORE_WRITE_FAILED = "Could not save to the ticket store at {location} ({problem}). Nothing was changed."
CONFIG_MISSING = "No configuration file at {path}."
CONFIG_BROKEN = "The configuration file {path} is not valid TOML: {problem}"
CONFIG_BAD_VALUE = "In {path}, setting {setting}: {problem}"
CONFIG_BAD_TIMEZONE = "{setting}: {value!r} is not a known time zone (use an IANA name such as Europe/Berlin)."
CONFIG_BAD_NUMBER = "{setting}: {value!r} must be a whole number above zero."

# -- knowledge base ---------------------------------------------------------------
ARTICLE_NOT_FOUND = "There is no published article {slug!r}. Find one with `/desk kb search TEXT`."
