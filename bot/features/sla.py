"""SLA policies: ``[sla.<priority>]`` targets and the ``[business_hours]`` they count in."""

from __future__ import annotations

from bot.registry import Feature, add_feature
from bot.sla import BusinessHoursSection, SlaSection

EXAMPLE = """\
# SLA policies per priority (low, normal, high, urgent), in business minutes with [business_hours].
# [sla.urgent]
# first_response_minutes = 30
# resolution_minutes = 240
# warn_before_minutes = 10
# [business_hours]
# days = ["monday", "tuesday", "wednesday", "thursday", "friday"]
# start = "09:00"
# end = "17:00"
# holidays = ["2026-12-25"]
"""

add_feature(Feature("sla", sections={"sla": SlaSection, "business_hours": BusinessHoursSection}, order=30,
                    example=EXAMPLE))
