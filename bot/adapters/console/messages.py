"""What the console desk says in its own words (its help, prompts and usage lines).

The desk's sentences (replies, refusals) are the core's, in ``bot.messages``.
"""

CONSOLE_HELP = """\
Console desk: type as a customer in the support channel.
  TEXT                      post a message (a new request, or a reply inside /thread)
  /desk VERB …              run a desk command (/desk help lists them)
  /as NAME                  speak as NAME (an agent if NAME is one: {agents})
  /thread T-1               reply inside T-1's thread; /thread alone leaves it
  /press solved|help|claim [T-1]   press a ticket's button
  /survey T-1 1-5 [comment]  answer the satisfaction survey (as the requester)
  /new                      open a request through the intake form, question by question
  /whoami, /help, /quit"""
NO_AGENTS = "none"
ROLE_AGENT = "agent"
ROLE_CUSTOMER = "customer"
ROLE_AN_AGENT = "an agent"
ROLE_A_CUSTOMER = "a customer"
PROMPT = "{speaker} ({role}){where} › "
PROMPT_IN_THREAD = " in {ticket_id}"
BOT_SAYS = "bot › {text}"
SPEAKER_BOT = "bot"
SPEAKER_TEAM = "team"
ONLY_YOU = " (only you)"
SAYS = "{speaker}{private} › {text}"
FAILED = "Sorry, something went wrong handling that line; nothing was changed."
WHOAMI = "You are {name} ({role})."
IGNORED = "     {why}"
AGENT_TOP_LEVEL = ("(no ticket opened: an agent's own message is not a request; /as NAME to write as a customer, "
                   "/thread T-1 to reply in a ticket)")
ADDED = "     (added to {ticket_id} as a {what})"
ADDED_REPLY = "reply"
ADDED_MESSAGE = "message"
AS_USAGE = "Usage: /as NAME"
FORM_START = "A new request, question by question (/cancel to stop):"
FORM_QUESTION = "{label}{optional}{hint}"
FORM_OPTIONAL = " (optional: - to skip)"
FORM_OPTIONS = " [{options}]"
FORM_CANCELLED = "Form cancelled; nothing was opened."
SWITCHED = "You are now {name}, {role}."
LEFT_THREAD = "Back in the channel: plain text opens new requests."
NO_SUCH_TICKET = "I can't find ticket {arg}. Usage: /thread T-1"
IN_THREAD = "In {ticket_id}'s thread: plain text now replies there (/thread to leave)."
PRESS_USAGE = "Usage: /press solved|help|claim [T-1]"
SURVEY_USAGE = "Usage: /survey T-1 1-5 [comment]"
BUTTONS = "      {buttons}   ({how})"
# How each button is pressed here; the forms are commands in a terminal.
PRESS_HOW = {"solved": "/press solved {ticket_id}", "need_help": "/press help {ticket_id}",
             "claim": "/press claim {ticket_id}", "resolve_modal": "/desk resolve {ticket_id} …",
             "note_modal": "/desk note {ticket_id} …"}
SURVEY_BUTTONS = "      [1] [2] [3] [4] [5]   (/survey {ticket_id} 1-5 [comment])"
ATTACHED = "      (attached: {path})"
