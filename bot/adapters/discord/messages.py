"""What the Discord adapter says in its own words: options, menus, modals, start-up.

The desk's sentences (replies, refusals) are the core's, in ``bot.messages``.
"""

DISCORD_COMMAND_DESCRIPTION = "Help desk: claim, note, resolve, queue… (/desk help)"
DISCORD_MENU_OPEN = "Open ticket"
DISCORD_MENU_NOT_HERE = "Tickets can only be opened from messages in a server channel."
DISCORD_OPENED = "Opened {ticket_id} {where}."
DISCORD_POSTED_IN_THREAD = "(posted in {thread})"
DISCORD_DONE = "Done."
DISCORD_ERROR = "Sorry, something went wrong handling that; nothing was changed. Please try again."
DISCORD_NO_SUBJECT = "(no subject)"
DISCORD_CONFIDENCE = "{confidence} match"
DISCORD_RESOLVE_TITLE = "Resolve {ticket_id}"
DISCORD_RESOLVE_RESOLUTION = "How was it resolved?"
DISCORD_RESOLVE_ARTICLE = "Article that answers it (slug, optional)"
DISCORD_RESOLVE_ARTICLE_HINT = "e.g. reset-password; find one with /desk kb search"
DISCORD_NOTE_TITLE = "Note on {ticket_id}"
DISCORD_FORM_BUTTON_SLOW = ("The {form} form took too long to open (the desk is busy); nothing was changed. "
                            "Press the button again, or type /desk {form} ticket:{ticket_id} with the text.")
DISCORD_NOTE_TEXT = "What did you do or find? (only agents see notes)"
DISCORD_SURVEY_TITLE = "{ticket_id}: you chose {score} out of 5"
DISCORD_SURVEY_COMMENT = "Anything you want to add? (optional)"
DISCORD_CONFIG_MISSING = "Discord needs DISCORD_TOKEN in the environment (see the Discord section of the README)."
DISCORD_LOGIN_FAILED = "Discord did not accept the bot token ({problem}). Check DISCORD_TOKEN."
DISCORD_INTENTS_NEEDED = (
    "Discord refused the Message Content intent: enable it under Bot → Privileged Gateway Intents "
    "in the Developer Portal (see the Discord section of the README)."
)
DISCORD_STARTING = "chatdesk: Discord desk for {team}; support channels {channels}; agent role {role}; tickets in {location}"
DISCORD_ANY_CHANNEL = "all the bot can see"
DISCORD_NO_ROLE = "none (set CHATDESK_DISCORD_AGENT_ROLE)"
DISCORD_OTHER_SERVER = "This help desk serves another server; nothing was done."
DISCORD_GUILD_REQUIRED = ("The bot is in {count} servers ({servers}): set [discord] guild in chatdesk.toml "
                          "to the id of the server it serves (or a list of ids); until then every server "
                          "is refused.")
DISCORD_GUILD_ABSENT = "[discord] guild lists server(s) {ids} that the bot is not in."
DISCORD_ROLE_AMBIGUOUS = ("[discord] agent_role {role!r} names {count} roles in server {server} (ids {ids}): "
                          "set agent_role to the id of the right one.")
DISCORD_ROLE_ABSENT = "Server {server} has no role {role!r}: nobody there is an agent by role."
DISCORD_FORM_NO_CHANNEL = "channel {channel} not found (is the bot in that server, and can it see the channel?)"
DISCORD_FORM_SLOW = ("The resolve form took too long to open (the desk is busy); nothing was changed. Try again, "
                     "or give the resolution: /desk resolve resolution:…")
