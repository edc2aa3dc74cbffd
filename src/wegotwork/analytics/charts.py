"""Charts as SVG written on the server: readable without JavaScript, styled by the page's CSS,
each with a title and a description for screen readers (the page shows the table behind it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

BAR_HEIGHT = 28
LABEL_WIDTH = 140
CHART_WIDTH = 640


def _svg(chart_id: str, title: str, description: str, width: int, height: int, body: str) -> Markup:
    # Every text in it is escaped here; numbers and ids are ours.
    return Markup(  # noqa: S704
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>{body}</svg>'
    )


def funnel_chart(chart_id: str, title: str, steps: Sequence[tuple[str, int]]) -> Markup:
    """Horizontal bars, one per step, as long as the share of the first step."""
    top = max((count for _name, count in steps), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 70
    parts: list[str] = []
    for index, (name, count) in enumerate(steps):
        y = index * BAR_HEIGHT
        width = max(1, round(room * count / top)) if count else 0
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + 18}" text-anchor="end">'
            f"{escape(name)}</text>"
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y + 4}" width="{width}" '
            f'height="{BAR_HEIGHT - 8}" rx="3"></rect>'
            f'<text class="chart-value" x="{LABEL_WIDTH + width + 6}" y="{y + 18}">{count}</text>'
        )
    description = "; ".join(f"{name}: {count}" for name, count in steps)
    height = max(BAR_HEIGHT, BAR_HEIGHT * len(steps))
    return _svg(chart_id, title, description, CHART_WIDTH, height, "".join(parts))


def daily_chart(chart_id: str, title: str, days: Sequence[tuple[date, int, int]]) -> Markup:
    """Columns of applications per day under a line of page views per day."""
    height, bottom, left = 180, 150, 40
    room = CHART_WIDTH - left - 10
    count = max(len(days), 1)
    step = room / count
    top_views = max((views for _day, views, _apps in days), default=0) or 1
    top_apps = max((apps for _day, _views, apps in days), default=0) or 1
    parts = [
        f'<line class="chart-axis" x1="{left}" y1="{bottom}" x2="{CHART_WIDTH - 10}" '
        f'y2="{bottom}"></line>'
    ]
    points: list[str] = []
    for index, (_day, views, applications) in enumerate(days):
        x = left + index * step
        column = (bottom - 20) * applications / top_apps
        if applications:
            parts.append(
                f'<rect class="chart-bar" x="{x + step * 0.15:.1f}" y="{bottom - column:.1f}" '
                f'width="{max(step * 0.7, 1):.1f}" height="{column:.1f}"></rect>'
            )
        points.append(f"{x + step / 2:.1f},{bottom - (bottom - 20) * views / top_views:.1f}")
    if days:
        parts.append(f'<polyline class="chart-line" points="{" ".join(points)}"></polyline>')
        first, last = days[0][0], days[-1][0]
        parts.append(
            f'<text class="chart-label" x="{left}" y="{bottom + 18}">{first.isoformat()}</text>'
            f'<text class="chart-label" x="{CHART_WIDTH - 10}" y="{bottom + 18}" '
            f'text-anchor="end">{last.isoformat()}</text>'
        )
    most_views = max((views for _day, views, _apps in days), default=0)
    most_apps = max((apps for _day, _views, apps in days), default=0)
    parts.append(
        f'<text class="chart-label" x="{left}" y="12">Most in a day: {most_views} views, '
        f"{most_apps} applications</text>"
    )
    total_views = sum(views for _day, views, _apps in days)
    total_apps = sum(apps for _day, _views, apps in days)
    description = (
        f"{len(days)} days; {total_views} page views and {total_apps} applications in all."
    )
    return _svg(chart_id, title, description, CHART_WIDTH, height, "".join(parts))
