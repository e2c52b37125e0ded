"""SLA policies: ``[sla.<priority>]`` targets and the ``[business_hours]`` they count in."""

from __future__ import annotations

from bot.registry import Feature, add_feature
from bot.sla import BusinessHoursSection, SlaSection

add_feature(Feature("sla", sections={"sla": SlaSection, "business_hours": BusinessHoursSection}, order=30))
