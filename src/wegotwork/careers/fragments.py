"""Pre-rendered pieces of the careers page, kept per process.

A careers page lists every published job of the organization; rendering the 50 list items (six
escaped values and four labels each) was most of the template's work on a render-cache miss.
An item is a function of the job's listed values, the prefix of links on this host and the
visitor's tracking parameters, and nothing else, so it is kept under exactly those (the values
as one tuple of the row read, ``ListedJob.row``): a changed
job has other values and renders afresh, while a change to one job, or a new filter or tracking
link, reuses the other jobs' items. Nothing here can go stale, only unused; the least recently
used items leave first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from jinja2 import Environment, Template
from markupsafe import Markup

from wegotwork.careers.queries import ListedJob

ITEM_TEMPLATE = "careers/_job_item.html"

_Key = tuple[Template, object, str, str]


class JobItems:
    """A bounded LRU of rendered list items (about 300 bytes each)."""

    def __init__(self, max_entries: int = 8192) -> None:
        self.max_entries = max_entries
        self._items: OrderedDict[_Key, Markup] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def renderer(
        self, env: Environment, root: str, tracking_query: str
    ) -> Callable[[ListedJob], Markup]:
        """``job_item(job)`` for one page: the job's ``<li>``, from memory when kept."""
        # The template object is part of the key: when templates reload (development), the
        # items rendered from the old one are never used again.
        template = env.get_template(ITEM_TEMPLATE)
        render = template.module.job_item  # type: ignore[attr-defined]
        items = self._items

        def job_item(job: ListedJob) -> Markup:
            key = (template, job.row or job, root, tracking_query)
            item = items.get(key)
            if item is None:
                item = render(job, root, tracking_query)
                items[key] = item
                if len(items) > self.max_entries:
                    items.popitem(last=False)
            else:
                items.move_to_end(key)
            return item

        return job_item


job_items = JobItems()
