"""Tracked sources, page-view counters and the hiring funnel."""
