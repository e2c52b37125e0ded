"""What the Slack adapter says in its own words: buttons, modals, shortcuts, the manifest, start-up.

The desk's sentences (replies, refusals) are the core's, in ``bot.messages``.
"""

SLACK_CONFIDENCE = "{confidence} match"
SLACK_SURVEY_LOW = "1 = unhappy"
SLACK_SURVEY_HIGH = "5 = very happy"
SLACK_MORE_LINES = "_… {count} more lines not shown_"
SLACK_SHORTCUT_OPEN = "Open as ticket"  # Slack: shortcut names ≤ 24 characters
SLACK_SHORTCUT_OPEN_HINT = "Turn this message into a help-desk ticket (agents)"
SLACK_SHORTCUT_COMMAND = "Desk command here"
SLACK_SHORTCUT_COMMAND_HINT = "Run /desk on the ticket of this thread without typing its id"
SLACK_COMMAND_DESCRIPTION = "Help desk: claim, note, resolve, queue… (/desk help)"
SLACK_COMMAND_USAGE_HINT = "claim T-12 | resolve T-12 TEXT | queue | help"
SLACK_APP_DESCRIPTION = "A help desk in your support channel: every request a ticket, worked in its thread."
SLACK_MODAL_RESOLVE_TITLE = "Resolve {ticket_id}"
SLACK_MODAL_RESOLVE_SUBMIT = "Resolve"
SLACK_MODAL_RESOLUTION = "How was it resolved?"
SLACK_MODAL_ARTICLE = "Article that answers it"
SLACK_MODAL_ARTICLE_HINT = "Linking an article teaches it the customer's wording."
SLACK_MODAL_NOTE_TITLE = "Note on {ticket_id}"
SLACK_MODAL_NOTE = "What did you do? (internal, not shown to the customer)"
SLACK_MODAL_SAVE = "Save"
SLACK_MODAL_CANCEL = "Cancel"
SLACK_MODAL_COMMAND_TITLE = "Desk command"
SLACK_MODAL_COMMAND = "Command, without /desk (the thread's ticket is used when you leave out the id)"
SLACK_MODAL_COMMAND_SUBMIT = "Run"
SLACK_MODAL_SURVEY_TITLE = "Your feedback"
SLACK_MODAL_SURVEY_SCORE = "You rated {ticket_id} {score} out of 5. Thank you!"
SLACK_MODAL_SURVEY_COMMENT = "Anything you want to add? (optional)"
SLACK_MODAL_SEND = "Send"
SLACK_NO_THREAD_HINT = (
    "Slack does not tell the bot which thread a slash command was typed in: add the ticket id, "
    "or use the message shortcut “Desk command here” on a message of the thread."
)
SLACK_CONFIG_MISSING = "Slack needs {names} in the environment (see `chatdesk slack manifest` and the Slack section of the README)."
SLACK_LISTENING_HTTP = "chatdesk: Slack desk for {team} on http://{host}:{port}/slack/events; tickets in {location}"
SLACK_CANNOT_FOLLOW = (
    "No ticket opened: the desk is not in <#{channel}> and cannot join it, so it could neither answer "
    "there nor see the replies. Invite the app to the channel (`/invite @app-name`), then try again."
)
SLACK_MANIFEST_TOO_LONG = "{field} is {length} characters; Slack allows at most {limit}: {value!r}"
SLACK_LISTENING_SOCKET = "chatdesk: Slack desk for {team} over Socket Mode; tickets in {location}"
SLACK_AUTH_FAILED = "Slack did not accept the bot token ({problem}). Check SLACK_BOT_TOKEN and SLACK_API_URL."
SLACK_FORM_REQUEST = "<@{user}> asked for help: {request}"
SLACK_FORM_BUTTON_POSTED = "posted the New ticket button in {channel} (ts {ts})"
SLACK_FORM_NO_CHANNELS = "no channel to post in: give --channel, or list support channels in [slack] channels"
SLACK_FORM_EXPIRED = (
    "The desk restarted before the {verb} form for {ticket_id} could open (Slack allows 3 seconds), "
    "and nothing was changed. Run the command again to open it."
)
