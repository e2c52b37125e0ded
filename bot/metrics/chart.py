"""The weekly chart: the last eight weeks of opened vs resolved, first-response median, self-service.

Drawn with matplotlib's Agg backend (no display needed) at a fixed pixel size, so chat
previews look the same every week and tests can check the image.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.metrics.report import Report, percent

WIDTH_PX, HEIGHT_PX, DPI = 1000, 600, 100
OPENED_COLOR, RESOLVED_COLOR, FRT_COLOR, AUTO_COLOR = "#8fa8d8", "#3b6fb6", "#d9822b", "#2e9e6a"
SLA_COLOR = "#8a4fb0"


def draw_chart(report: Report, path: str | os.PathLike[str]) -> Path:
    """Write the report's chart as a PNG of ``WIDTH_PX`` × ``HEIGHT_PX`` and return its path."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure  # a bare Figure: no pyplot state shared across threads

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    weeks = [week.label.split("-", 1)[1] for week, _ in report.history]
    opened = [f["opened"] for _, f in report.history]
    resolved = [f["resolved"] for _, f in report.history]
    frt = [f["frt_median_min"] for _, f in report.history]
    auto = [None if f["auto_resolution_rate"] is None else f["auto_resolution_rate"] * 100 for _, f in report.history]
    x = list(range(len(weeks)))

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    figure.suptitle(f"Support, {report.history[0][0].label} – {report.week.label} ({report.week.tz.key})")

    width = 0.38
    top.bar([i - width / 2 for i in x], opened, width, label="opened", color=OPENED_COLOR)
    top.bar([i + width / 2 for i in x], resolved, width, label="resolved", color=RESOLVED_COLOR)
    top.set_ylabel("tickets")
    top.yaxis.get_major_locator().set_params(integer=True)
    minutes = top.twinx()
    minutes.plot(x, [float("nan") if v is None else v for v in frt], marker="o", color=FRT_COLOR,
                 label="first response, median (min)")
    minutes.axhline(report.target_minutes, color=FRT_COLOR, linestyle=":", linewidth=1,
                    label=f"target ({report.target_minutes} min)")
    minutes.set_ylabel("minutes")
    highest = max([report.target_minutes, *(v for v in frt if v is not None)])
    minutes.set_ylim(0, highest * 1.3)  # headroom for the legend
    top.set_ylim(0, max([1, *opened, *resolved]) * 1.3)
    handles = [*top.get_legend_handles_labels()[0], *minutes.get_legend_handles_labels()[0]]
    labels = [*top.get_legend_handles_labels()[1], *minutes.get_legend_handles_labels()[1]]
    top.legend(handles, labels, loc="upper left", fontsize="small", ncols=2)

    bottom.plot(x, [float("nan") if v is None else v for v in auto], marker="s", color=AUTO_COLOR,
                label="auto-resolution rate")
    if report.policies.by_priority or report.policies.business_hours:
        met = [None if f["sla_met_rate"] is None else f["sla_met_rate"] * 100 for _, f in report.history]
        bottom.plot(x, [float("nan") if v is None else v for v in met], marker="^", color=SLA_COLOR,
                    label="SLA targets met")
        per_priority = "   ".join(f"{name}: {percent(f['sla_met_rate'])} met, {f['breaches']} breached"
                                  for name, f in report.by_priority.items())
        if per_priority:
            bottom.set_title(f"{report.week.label} SLA by priority — {per_priority}", loc="left", fontsize="small")
    bottom.set_ylim(0, 100)
    bottom.set_ylabel("%")
    bottom.set_xticks(x, weeks)
    bottom.legend(loc="upper left", fontsize="small")
    for axes in (top, bottom):
        axes.grid(axis="y", alpha=0.3)
    figure.subplots_adjust(left=0.07, right=0.92, top=0.91, bottom=0.07, hspace=0.2)
    figure.savefig(target, format="png", dpi=DPI)
    return target
