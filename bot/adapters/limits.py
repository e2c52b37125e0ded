"""The chat platforms' documented limits, in one place, each with where it is written down.

Renderers cut and split to these numbers, and the contract tests (tests/test_platform_limits.py)
render the largest realistic replies through the real renderers and check every one. A number
the platform enforces but does not document says so and names where it was observed.
Lengths are in characters (Python ``len``), which is how both platforms count.
"""

from __future__ import annotations

from typing import Final

# -- Slack: messages (chat.postMessage, chat.postEphemeral, chat.update, response_url) -----------

# https://docs.slack.dev/reference/block-kit/blocks — "up to 50 blocks in each message, and
# 100 blocks in modals or Home tabs".
SLACK_MESSAGE_BLOCKS: Final = 50
SLACK_MODAL_BLOCKS: Final = 100
# https://docs.slack.dev/reference/block-kit/blocks/markdown-block — 12,000 characters of block
# text per payload. Slack answers ``msg_blocks_too_long`` from about 13,200 characters of text
# across all blocks of one message, whatever the block types (slackapi/bolt-js#2509), so the desk
# keeps the text of all blocks of one message within 12,000.
SLACK_MESSAGE_BLOCK_TEXT: Final = 12_000
# https://docs.slack.dev/reference/methods/chat.postMessage — ``text`` over 40,000 characters is
# truncated; with blocks it is only the notification fallback, kept far shorter.
SLACK_MESSAGE_TEXT: Final = 40_000
# https://docs.slack.dev/reference/block-kit/blocks/section-block — text 3,000; fields: 10 of 2,000.
SLACK_SECTION_TEXT: Final = 3_000
SLACK_SECTION_FIELDS: Final = 10
SLACK_SECTION_FIELD_TEXT: Final = 2_000
# https://docs.slack.dev/reference/block-kit/blocks/header-block
SLACK_HEADER_TEXT: Final = 150
# https://docs.slack.dev/reference/block-kit/blocks/context-block
SLACK_CONTEXT_ELEMENTS: Final = 10
# https://docs.slack.dev/reference/block-kit/blocks/actions-block
SLACK_ACTIONS_ELEMENTS: Final = 25
# https://docs.slack.dev/reference/block-kit/blocks — ``block_id`` of any block.
SLACK_BLOCK_ID: Final = 255
# https://docs.slack.dev/reference/block-kit/block-elements/button-element
SLACK_BUTTON_TEXT: Final = 75
SLACK_BUTTON_VALUE: Final = 2_000
SLACK_ACTION_ID: Final = 255

# -- Slack: modals ------------------------------------------------------------------------------

# https://docs.slack.dev/reference/views/modal-views — title, submit and close 24 characters each,
# private_metadata 3,000, callback_id 255.
SLACK_MODAL_TITLE: Final = 24
SLACK_MODAL_BUTTON: Final = 24
SLACK_PRIVATE_METADATA: Final = 3_000
SLACK_CALLBACK_ID: Final = 255
# https://docs.slack.dev/reference/block-kit/blocks/input-block — label and hint 2,000.
SLACK_INPUT_LABEL: Final = 2_000
SLACK_INPUT_HINT: Final = 2_000
# https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element — 3,000.
SLACK_TEXT_INPUT_VALUE: Final = 3_000
# https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element — 100 options;
# https://docs.slack.dev/reference/block-kit/composition-objects/option-object — text 75, value 150.
SLACK_SELECT_OPTIONS: Final = 100
SLACK_OPTION_TEXT: Final = 75
SLACK_OPTION_VALUE: Final = 150
# https://docs.slack.dev/reference/block-kit/composition-objects/option-group-object — or up to 100
# option groups of 100 options each, a group label 75; an option description 75 (option object).
SLACK_OPTION_GROUPS: Final = 100
SLACK_OPTION_GROUP_LABEL: Final = 75
SLACK_OPTION_DESCRIPTION: Final = 75

# -- Slack: the app manifest -----------------------------------------------------------------------

# https://docs.slack.dev/reference/app-manifest (the field descriptions are also in the Node SDK's
# typed manifest, slackapi/node-slack-sdk packages/web-api/src/types/request/manifest.ts).
SLACK_APP_NAME: Final = 35
SLACK_APP_DESCRIPTION: Final = 140
SLACK_APP_LONG_DESCRIPTION: Final = 4_000
SLACK_BOT_DISPLAY_NAME: Final = 80
SLACK_SHORTCUTS: Final = 10
# The app configuration pages refuse a shortcut name over 24 characters, and so does installing
# a manifest that has one (https://docs.slack.dev/interactivity/implementing-shortcuts).
SLACK_SHORTCUT_NAME: Final = 24
SLACK_SHORTCUT_DESCRIPTION: Final = 150
SLACK_SHORTCUT_CALLBACK_ID: Final = 255
SLACK_SLASH_COMMANDS: Final = 50
SLACK_SLASH_COMMAND: Final = 32  # the leading "/" included
SLACK_SLASH_DESCRIPTION: Final = 2_000
SLACK_SLASH_USAGE_HINT: Final = 1_000
SLACK_BOT_EVENTS: Final = 100
SLACK_BOT_SCOPES: Final = 255

# -- Slack: timing ------------------------------------------------------------------------------

# https://docs.slack.dev/interactivity/handling-user-interaction#acknowledgment_response and
# https://docs.slack.dev/apis/events-api/#responding — answer every request within 3 seconds,
# or the user sees an error (interactions) and Slack retries (events).
SLACK_ACK_SECONDS: Final = 3.0
# https://docs.slack.dev/authentication/verifying-requests-from-slack — a request whose
# X-Slack-Request-Timestamp is more than five minutes away from now is refused (replay).
SLACK_REQUEST_MAX_AGE_SECONDS: Final = 5 * 60

# -- Discord: messages ----------------------------------------------------------------------------

# https://discord.com/developers/docs/resources/message#create-message — content up to 2,000
# characters, up to 10 embeds.
DISCORD_CONTENT: Final = 2_000
DISCORD_EMBEDS: Final = 10
# https://discord.com/developers/docs/resources/message#embed-object-embed-limits — and all of
# title, description, field names and values, footer and author of all embeds of one message
# together at most 6,000.
DISCORD_EMBED_TOTAL: Final = 6_000
DISCORD_EMBED_TITLE: Final = 256
DISCORD_EMBED_DESCRIPTION: Final = 4_096
DISCORD_EMBED_FIELDS: Final = 25
DISCORD_EMBED_FIELD_NAME: Final = 256
DISCORD_EMBED_FIELD_VALUE: Final = 1_024
DISCORD_EMBED_FOOTER: Final = 2_048
DISCORD_EMBED_AUTHOR: Final = 256

# -- Discord: components, modals, commands ---------------------------------------------------------

# https://discord.com/developers/docs/components/reference — custom_id 100, button label 80,
# 5 action rows of 5 buttons, select menus of 25 options.
DISCORD_CUSTOM_ID: Final = 100
DISCORD_BUTTON_LABEL: Final = 80
DISCORD_ACTION_ROWS: Final = 5
DISCORD_ROW_BUTTONS: Final = 5
DISCORD_SELECT_OPTIONS: Final = 25
DISCORD_SELECT_OPTION_TEXT: Final = 100  # a select option's label, value and description (#select-option)
# https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-modal
# — title 45 characters, 5 components; https://discord.com/developers/docs/components/reference#label
# — label 45, description 100; #text-input — value up to 4,000, placeholder 100.
DISCORD_MODAL_TITLE: Final = 45
DISCORD_MODAL_COMPONENTS: Final = 5
DISCORD_LABEL_TEXT: Final = 45
DISCORD_LABEL_DESCRIPTION: Final = 100
DISCORD_TEXT_INPUT_VALUE: Final = 4_000
DISCORD_TEXT_INPUT_PLACEHOLDER: Final = 100
# https://discord.com/developers/docs/interactions/application-commands#application-command-object
# — names 32, descriptions 100, 25 options, 25 choices of 100 characters.
DISCORD_COMMAND_NAME: Final = 32
DISCORD_COMMAND_DESCRIPTION: Final = 100
DISCORD_COMMAND_OPTIONS: Final = 25
DISCORD_COMMAND_CHOICES: Final = 25
DISCORD_CHOICE_NAME: Final = 100
# https://discord.com/developers/docs/resources/channel#modify-channel — a thread's name is 1–100.
DISCORD_THREAD_NAME: Final = 100

# -- Discord: timing -----------------------------------------------------------------------------

# https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction
# — the first response (or a defer) within 3 seconds; followups with the token for 15 minutes.
DISCORD_INTERACTION_SECONDS: Final = 3.0
DISCORD_INTERACTION_TOKEN_SECONDS: Final = 15 * 60
# Undocumented on purpose ("we do not typically document rate limits", discord/discord-api-docs#2760),
# enforced since May 2020: a channel's or thread's name (and topic) can change twice per 10 minutes;
# the third PATCH gets a 429 with retry_after of up to ~600 s (discord/discord-api-docs#1900,
# discord-net/Discord.Net#1554).
DISCORD_RENAMES: Final = 2
DISCORD_RENAME_WINDOW_SECONDS: Final = 10 * 60
