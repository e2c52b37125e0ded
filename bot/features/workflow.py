"""Team workflow: on-duty assignment, canned replies (macros), team queues and transfers."""

from __future__ import annotations

from bot.registry import Feature, add_feature
from bot.intake_form import IntakeSection
from bot.workflow.settings import AssignmentSection, Macros, Queues

add_feature(Feature("workflow", install="bot.workflow:install",
                    sections={"assignment": AssignmentSection, "macros": Macros, "queues": Queues,
                              "intake": IntakeSection}, order=40))
