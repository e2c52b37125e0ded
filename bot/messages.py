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
IGNORED_BOT_MESSAGE = "bot message"  # reasons for logs: a bot's message, a thread no ticket lives in
IGNORED_NOT_A_TICKET_THREAD = "not a ticket thread"
IGNORED_DUPLICATE = "(already received: {ticket_id} was opened for this message)"
BUTTON_SOLVED = "This solved it"
BUTTON_NEED_HELP = "Still need help"
BUTTON_CLAIM = "Claim"
BUTTON_RESOLVE_FORM = "Resolve…"
BUTTON_NOTE_FORM = "Add note…"
FORM_AS_COMMAND_RESOLVE = "Resolve {ticket_id} with /desk resolve {ticket_id} RESOLUTION (or --article SLUG)."
FORM_AS_COMMAND_NOTE = "Add a note to {ticket_id} with /desk note {ticket_id} TEXT."
NEW_TICKET_ANNOUNCEMENT = "New ticket {ticket_id} from {name}: {subject}"

# -- ticket moves ---------------------------------------------------------------
CLAIMED = "{actor} claimed {ticket_id}."
CLAIMED_CHECKLIST = "Checklist for {category}:"
UNCLAIMED = "{actor} released {ticket_id}; it is back in the queue."
ASSIGNED = "{actor} assigned {ticket_id} to {assignee}."
NOTED = "Noted on {ticket_id}."
WAITING = "{ticket_id} is now waiting on the customer."
WAITING_FOR = "{ticket_id} is now waiting on the customer: {text}"
RESOLVED = "{ticket_id} is resolved: {resolution}"
RESOLVED_WITH_ARTICLE = "{ticket_id} is resolved with the article “{article}”: {resolution}"
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

# -- words the desk records or fills in --------------------------------------------
NO_SUBJECT = "(no subject)"
NONE_CONFIGURED = "none configured"
SELF_SERVED_RESOLUTION = "Solved by the customer"
STILL_NEED_HELP_REASON = "still need help"
SOMEONE = "someone"
SOME_POINT = "some point"

# -- refusals (nothing changed) -----------------------------------------------
TICKET_NOT_FOUND = "I can't find ticket {ticket_id}. Check the id with `/desk queue` or `/desk mine`."
AGENTS_ONLY = "Sorry, only agents can use `/desk {verb}`. If you need help, just describe the problem here."
FORM_AGENTS_ONLY = "Sorry, only agents can open the {form} form of {ticket_id}."
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
REQUESTER_BUTTON = ("“{button}” is for {name}, who asked for {ticket_id}; agents work it with the team channel's "
                    "buttons or /desk claim, /desk note and /desk resolve {ticket_id}.")
SOLVED_NOTHING_SUGGESTED = ("No articles were suggested for {ticket_id}, so there is nothing to mark as solved; "
                            "it stays open and an agent will be with you shortly.")
SOLVED_NOT_SUGGESTED = ("“{article}” was not among the articles suggested for {ticket_id}; "
                        "“This solved it” applies only to those. The ticket stays open.")
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

# -- a ticket's status line (the intake message's footer on every platform) -----------------
STATE_OPEN = "Open: waiting for an agent"
STATE_CLAIMED = "Claimed by {owner}"
STATE_WAITING = "Waiting on the customer ({owner})"
STATE_RESOLVED = "Resolved"
STATE_CLOSED = "Closed"
STATE_ESCALATED = "flagged: still needs help"

# -- views of tickets (show, queue, checklists) ---------------------------------------
CHECKLIST_ITEM = "  [ ] {item}"
QUEUE_LINE = "  {parts}: {subject}{owner}{flag}"
QUEUE_AGE = "{age} old"
QUEUE_HELD_BY = " (held by {name})"
QUEUE_FLAGGED = " ⚑ still needs help"
SHOW_TITLE = "{ticket_id}: {subject}"
SHOW_STATE = "  state: {state}"
SHOW_HELD_BY = " (held by {name} since {since})"
SHOW_REQUESTER = "  requester: {name} ({platform})"
SHOW_FIELDS = "  category: {category} · priority: {priority} · tags: {tags}"
SHOW_OPENED = "  opened: {when}"
SHOW_SUGGESTION = "{title} ({confidence})"
SHOW_SUGGESTED = "  suggested: {offered}"
SHOW_SELF_SERVED = "self-served"
SHOW_BY_TEAM = "by the team"
SHOW_ARTICLE = " · article: {slug}"
SHOW_RESOLUTION = "  resolution ({how}): {resolution}{article}"
SHOW_CONVERSATION = "  conversation:"
SHOW_AGENT_MARK = " (agent)"
SHOW_LINE = "    {when} {who}: {text}"
SHOW_NOTES = "  notes (internal):"
STATE_FLAG = " · {flag}"

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
RECORD_INVALID = "{problem} ({where})"
RECORD_SKIPPED = "skipped a damaged ticket record, left as it is in the store: {problem}"
STORE_BUSY = "The ticket store at {location} is busy (locked by another process for too long). Try again."
STORE_WRITE_FAILED = "Could not save to the ticket store at {location} ({problem}). Nothing was changed."
STORE_UNREACHABLE = ("Can't reach the PostgreSQL ticket store: host {host}, port {port}, database {database} "
                     "({problem}). Check that the server runs and accepts connections there, and the url in "
                     "[store] of chatdesk.toml (or CHATDESK_STORE_URL). Nothing was changed.")
STORE_SCHEMA_NEWER = ("The ticket store at {location} has schema version {found}, newer than this chatdesk knows "
                      "({known}). Upgrade chatdesk before using this database.")
STORE_URL_UNKNOWN = ("The store url {url} is not a PostgreSQL URL (postgresql://user@host:5432/database); "
                     "leave [store] url unset to keep the embedded store.")
STORE_COPY_NOT_EMPTY = ("The target store at {location} already holds tickets; copy into an empty store "
                        "(nothing was copied).")
STORE_COPY_FAILED = "Copying the ticket store {source} to {target} failed: {problem}."
STORE_READ_ONLY = ("Could not save to the ticket store at {location}: this user may not write in {directory} "
                   "({problem}). Make that directory writable, or set data_dir in chatdesk.toml (or "
                   "CHATDESK_DATA) to one that is. Nothing was changed.")
CONFIG_MISSING = "No configuration file at {path}."
CONFIG_BROKEN = "The configuration file {path} is not valid TOML: {problem}"
CONFIG_BAD_VALUE = "In {path}, setting {setting}: {problem}"
CONFIG_INVALID = "{path} has settings chatdesk cannot use:\n{problems}"
CONFIG_NOT_UTF8 = "The configuration file {path} is not UTF-8 text ({problem}); save it as UTF-8."
CONFIG_BAD_TIMEZONE = "{setting}: {value!r} is not a known time zone (use an IANA name such as Europe/Berlin)."
CONFIG_BAD_NUMBER = "{setting}: {value!r} must be a whole number above zero."

# -- knowledge base ---------------------------------------------------------------
ARTICLE_NOT_FOUND = "There is no published article {slug!r}. Find one with `/desk kb search TEXT`."
KB_SEARCH_HEADER = "Articles for “{text}”:"
KB_SEARCH_NOTHING = "No article matches “{text}”."
KB_DRAFT_WRITTEN = "Drafted an article from {ticket_id}: {path} (status: draft). Review it, then publish with `chatdesk kb publish {slug}`."
KB_DRAFT_UPDATED = "Updated the draft from {ticket_id}: {path} (still a draft). Publish with `chatdesk kb publish {slug}`."
KB_DRAFT_REFUSED = "No draft written: {problem}."
KB_DRAFT_LINKED = ("No draft written: {ticket_id} was resolved with “{title}”, so its wording is proposed for that "
                   "article instead (accept it with `/desk kb review accept {ticket_id}`).")
KB_DRAFT_LINKED_KNOWN = ("No draft written: {ticket_id} was resolved with “{title}”, which already knows its "
                         "wording (or has it waiting for review).")
KB_GAPS_NONE = "No recurring question is missing an article right now."
KB_GAPS_HEADER = "Recurring questions with no article ({count} topics), most frequent first:"
KB_REVIEW_NONE = "No customer wording is waiting for review."
KB_REVIEW_HEADER = ("{count} customer wording(s) wait for review; nothing of them is matched or public until "
                    "accepted (`/desk kb review accept T-12` or `reject T-12`):")
KB_REVIEW_ACCEPTED = "Accepted {count} wording(s) from {ticket_id}: the matcher and the next help-site build use them."
KB_REVIEW_REJECTED = "Rejected {count} wording(s) from {ticket_id}; they were never public."
KB_REVIEW_NOTHING = "Nothing from {ticket_id} is waiting for review (see `/desk kb review`)."
KB_REVIEW_PROPOSED = "Proposed the wording of {ticket_id} for “{title}”; accept it with `/desk kb review accept {ticket_id}`."
KB_REVIEW_NOT_PROPOSED = ("Nothing to propose from {ticket_id}: it needs to be resolved with a published article, "
                          "and its wording must be new to that article.")

# -- metrics --
METRICS_TITLE = "**Support metrics {week}**, {monday} – {sunday} ({tz}); in brackets: change since {previous}"
METRICS_NO_TICKETS = "No tickets in {week}."
METRICS_CHANGE = " ({change})"
METRICS_SAME = " (±0)"
METRICS_VOLUME = ("• Opened {opened}{opened_change} · resolved {resolved}{resolved_change} · reopened {reopened}"
                  " · backlog {backlog}{backlog_change}")
METRICS_FRT = "• First response: median {median}{change}, p90 {p90} · target {target}: {breaches} breached"
METRICS_TIMES = ("• Handle time (median): {handle}{handle_change} · resolution time (median): "
                 "{resolution}{resolution_change}")
METRICS_SELF_SERVICE = ("• Self-served: {auto}{auto_change} of new tickets · knowledge-base coverage: "
                        "{coverage}{coverage_change}")
METRICS_CSAT = ("• Satisfaction: {avg}/5, {satisfied} satisfied (4–5) · {responses} answer(s), "
                "response rate {rate}")
METRICS_CSAT_NONE = "• Satisfaction: no survey answers this week"
METRICS_AGENTS_HEADER = "**By agent**"
METRICS_AGENT_LINE = ("• {name}: {resolved} resolved, median handle {handle} · {responses} first response(s), "
                      "median {frt}")
METRICS_SLA = ("• Service levels: {met} of decided tickets met every target{met_change} · "
               "first response in {clock}: median {business}")
METRICS_SLA_BUSINESS = "business hours"
METRICS_SLA_ALL_HOURS = "real time"
METRICS_PRIORITIES_HEADER = "**By priority**"
METRICS_PRIORITY_LINE = ("• {priority}: {opened} opened, {breaches} breached, {met} met · first response {frt} "
                         "({business} counted) · resolution {resolution} counted")
METRICS_CATEGORIES_HEADER = "**By category**"
METRICS_QUEUES_HEADER = "**By team queue**"
METRICS_CATEGORY_LINE = ("• {name}: {opened} opened, {resolved} resolved, backlog {backlog} · first response {frt}"
                         " · self-served {auto}")
METRICS_GAPS_HEADER = "**Recurring questions with no article yet**"
METRICS_GAP_LINE = "• {count}× “{topic}”{where}"
METRICS_BAD_WEEK = "{problem}. Say `/desk metrics` for last week, or name a week: `/desk metrics 2026-W47`."
METRICS_CHART_FAILED = "(the chart could not be drawn this time: {problem})"
REMINDER_UNCLAIMED = ("Reminder: {ticket_id} from {name} has waited {waited} with no agent "
                      "(first-response target {target}): {subject}")
REMINDER_FIRST_RESPONSE_SOON = ("Heads-up: {ticket_id} ({priority}) reaches its first-response target in {left} "
                                "and nobody has it yet: {subject}")
REMINDER_RESOLUTION_SOON = ("Heads-up: {ticket_id} ({priority}, with {owner}) reaches its resolution target in "
                            "{left}: {subject}")
REMINDER_RESOLUTION_BREACHED = ("{ticket_id} ({priority}, with {owner}) is past its resolution target: {subject}")
REMINDER_NOBODY = "nobody"
REMINDER_IN_QUEUE = "[{queue} queue] {text}"
MENTIONS_LINE = "For: {names}"
WAITING_NUDGE = ("{name}, we're still waiting for your answer on {ticket_id}. Reply here and we'll pick it up; "
                 "otherwise it closes automatically in {days} day(s).")
AUTO_CLOSE_REASON = "closed automatically: no answer from the customer for {days} day(s)"
AUTO_CLOSED = ("{ticket_id} is closed: we heard nothing for {days} day(s). If you still need help, "
               "just post a new request.")
SCHEDULE_BAD_TIME = "{value!r} is not a time of day such as 09:00"
SCHEDULE_BAD_DAY = "{value!r} is not a weekday such as monday"
SURVEY_BAD_RATE = "{value!r} must be a number from 0 to 1 (the share of resolved tickets that get the survey)"


# -- team workflow: duty, assignment, macros, queues --------------------------------------
DUTY_ON = "{name} is on duty: new tickets can be assigned to you."
DUTY_OFF = "{name} is off duty: no new tickets will be assigned to you."
DUTY_ALREADY_ON = "You are already on duty."
DUTY_ALREADY_OFF = "You are already off duty."
DUTY_NOBODY = "Nobody is on duty: new tickets wait in the queue for someone to claim them."
DUTY_LIST = "On duty: {names}."
DUTY_CLAIM_MODE = "Assignment is by claim ([assignment] mode = \"claim\"): duty only shows who is around."
ASSIGNED_BY_DESK = "{ticket_id} is assigned to {agent} ({mode}): {subject}"
UNASSIGNED_NOBODY_ON_DUTY = "Nobody on duty{queue}: {ticket_id} waits for someone to claim it."
REPLY_SENT = "{agent} (for {ticket_id}): {text}"
REPLY_NEEDED = "Say what to send: `/desk reply T-12 your answer`, or a macro: `/desk reply T-12 :name`."
REPLY_CLOSED = "{ticket_id} is closed: reopen it before replying."
MACRO_UNKNOWN = "There is no macro `{name}`. {available}"
MACROS_NONE = "No macros yet: add them under [macros] in chatdesk.toml or as macros/NAME.md files."
MACROS_HEADER = "Macros ({count}), used as `/desk reply T-12 :NAME`:"
MACRO_LINE = "• :{name}: {preview}"
MACRO_NO_ARTICLE = "(no article linked yet)"
MACRO_FILE_BAD = "{path}: {problem}"
MACRO_PICKER_LABEL = "Canned reply (macro)"
MACRO_PICKER_HINT = "Filled in for this ticket (customer, ticket, agent, article link); what you type follows it."
MACRO_PICKER_NAME = "Macro name (/desk macros lists all {count})"
MACRO_PICKER_NAME_HINT = "e.g. refund"
MACRO_GROUP = "{first} – {last}"
REPLY_FORM_TITLE = "Reply on {ticket_id}"
REPLY_FORM_TEXT = "Your answer to the customer"
REPLY_FORM_TEXT_HINT = "Posted in the ticket's thread, as you."
REPLY_FORM_SUBMIT = "Send"
QUEUE_UNKNOWN = "There is no queue `{name}`. Queues: {known}."
QUEUES_NONE = "No team queues are configured ([[queues]] in chatdesk.toml)."
TRANSFERRED = "{ticket_id} moved to the {queue} queue by {agent}{released}."
TRANSFER_RELEASED = " (back in the queue, unclaimed)"
ALREADY_IN_QUEUE = "{ticket_id} is already in the {queue} queue."
QUEUE_SECTION = "{queue} queue ({count}):"
QUEUE_NONE_NAME = "no queue"
QUEUE_SECTION_NONE = "In no team queue ({count}):"
ON_DUTY_LINE = "On duty: {names}"
NOT_ACTIVE_FOR_TRANSFER = "{ticket_id} is {state}: reopen it before moving it to another queue."

# -- after a resolution: follow-ups, reopen, closed for good ------------------------------
CLOSED_FOR_GOOD = ("{ticket_id} is closed for good. Write your message in its thread or as a new request "
                   "and we'll open a new ticket for it.")
SURVEY_NOT_ASKED = "There is no survey open for {ticket_id}."
FOLLOW_UP_REOPENED = "{name}, {ticket_id} is open again and the team has been told."
FOLLOW_UP_REOPENED_ANNOUNCEMENT = "{name} reopened {ticket_id} ({owner}): “{text}” · {subject}"
CUSTOMER_REOPENED_ANNOUNCEMENT = "{name} reopened {ticket_id} ({owner}){reason} · {subject}"
WAITING_ANSWERED_ANNOUNCEMENT = "{name} answered on {ticket_id}, which was waiting on them ({owner}): “{text}”"
OWNER_IS = "with {owner}"
OWNER_NOBODY = "unclaimed"
FOLLOWS_INTAKE_WITH_SUGGESTIONS = ("{name}, {old_id} is closed, so I've opened {ticket_id} for this (it follows "
                                   "{old_id}). These articles may already answer it:")
FOLLOWS_INTAKE_NO_SUGGESTIONS = ("{name}, {old_id} is closed, so I've opened {ticket_id} for this (it follows "
                                 "{old_id}). An agent will be with you shortly.")
ESCALATED_UNMATCHED = "{ticket_id} is still waiting for an answer (nothing was suggested): {subject}"
ESCALATED_AFTER_RESOLUTION = "{ticket_id} still needs help after {who} resolved it: {subject}"
ESCALATED_AFTER_SELF_SERVICE = "{ticket_id} still needs help (the article did not solve it after all): {subject}"

# -- /desk show: the ticket's story ------------------------------------------------------
STORY_HEADER = "  history (newest last):"
STORY_EARLIER = "    … {count} earlier event(s): `/desk show {ticket_id} --all` shows everything"
STORY_LINE = "    {when} · {what}"
STORY_OPENED = "{who} opened it{follows}{said}"
STORY_FOLLOWS = " (following {old})"
STORY_RESOLVED = "{who} resolved it{how}{said}{article}"
STORY_SELF_SERVED = " (self-served)"
STORY_ASSIGNED = "{who} assigned it to {assignee}"
STORY_PRIORITY = "{who} set the priority to {priority}"
STORY_CATEGORY = "{who} set the category to {category}"
STORY_TAGGED = "{who} set the tags: {tags}"
STORY_SUGGESTED = "suggested: {offered}"
STORY_NO_SUGGESTION = "no article matched well enough to suggest"
STORY_SURVEY = "{who} rated it {score}/5{said}"
STORY_TRANSFERRED = "{who} moved it to the {queue} queue"
STORY_REMINDED = "the desk reminded the team ({reason})"
STORY_VERBS = {
    "claimed": "{who} claimed it",
    "unclaimed": "{who} put it back in the queue{said}",
    "waiting": "{who} is waiting on the customer{said}",
    "noted": "{who} noted (internal){said}",
    "reopened": "{who} reopened it{said}",
    "closed": "{who} closed it{said}",
    "escalated": "{who} asked for more help",
    "survey_asked": "the desk asked for a rating",
    "edited": "{who} edited a message{said}",
    "deleted": "{who} deleted a message",
}
SHOW_ALL_FLAG = "--all"

# -- intake forms ------------------------------------------------------------------------
FORM_REQUEST_LABEL = "What do you need help with?"
FORM_REQUIRED = "Please fill in “{label}”."
FORM_NOT_AN_OPTION = "“{value}” is not one of the choices for “{label}”: {options}."
FORM_ANSWER = "  {label}: {value}"
FORM_NOT_CONFIGURED = "This desk has no intake form ([intake] form = true in chatdesk.toml)."
FORM_BUTTON = "New ticket"
FORM_TITLE = "New support request"
FORM_INVITE = "Need help? Press “New ticket” and tell us what happened."
