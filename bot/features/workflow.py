"""Team workflow: on-duty assignment, canned replies (macros), team queues and transfers."""

from __future__ import annotations

from bot.registry import Feature, add_feature
from bot.intake_form import IntakeSection
from bot.workflow.settings import AssignmentSection, Macros, Queues

EXAMPLE = """\
# Who gets a new ticket: "claim" (whoever claims it), "round-robin" or "least-busy" among agents on duty.
# [assignment]
# mode = "round-robin"
# on_duty = ["maria"]

# Canned replies for `/desk reply T-12 :NAME` (long ones as macros/NAME.md files).
# [macros]
# refund = "Hi {customer}, your refund for {ticket} is on its way: {article_link}. {agent}"

# Team queues: new tickets route to a queue by category; `/desk transfer T-12 QUEUE` moves one.
# [[queues]]
# name = "billing-team"
# categories = ["billing"]
# agents = ["maria"]

# An intake form ("New ticket" button; `/new` in the console) asking these besides the request.
# [intake]
# form = true
# [[intake.fields]]
# name = "order"
# label = "Order number"
# required = false
"""

add_feature(Feature("workflow", example=EXAMPLE, install="bot.workflow:install",
                    sections={"assignment": AssignmentSection, "macros": Macros, "queues": Queues,
                              "intake": IntakeSection}, order=40))
