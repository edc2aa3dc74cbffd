"""The category presets a new workspace may start from, and the checklist's steps."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from wegotwork.organizations.rules import DEFAULT_CATEGORIES


@dataclass(frozen=True, slots=True)
class Preset:
    key: str
    label: str
    categories: tuple[str, ...]


# By kind of business; the first is the five categories every API-created workspace gets.
PRESETS = (
    Preset("software", "Software and technology", DEFAULT_CATEGORIES),
    Preset(
        "hospitality", "Restaurant and hospitality", ("Kitchen", "Front of house", "Management")
    ),
    Preset(
        "retail", "Shop and retail", ("Store", "Warehouse and delivery", "Online", "Management")
    ),
    Preset("health", "Health and care", ("Nursing and care", "Therapy", "Administration")),
    Preset("trades", "Construction and trades", ("On site", "Workshop", "Office")),
    Preset("services", "Agency and services", ("Client services", "Creative", "Operations")),
    Preset("none", "None: I will add my own", ()),
)
PRESETS_BY_KEY = {preset.key: preset for preset in PRESETS}
NO_PRESET = "none"


class Step(StrEnum):
    PROFILE = "profile"
    CATEGORIES = "categories"
    JOB = "job"
    PUBLISH = "publish"
    CAREERS = "careers"
    INVITE = "invite"


# The steps that leave no trace of their own: the checklist records when they were taken.
RECORDED = frozenset({Step.CATEGORIES, Step.CAREERS})
DISMISSED = "dismissed"

LABELS = {
    Step.PROFILE: "Add your logo and description",
    Step.CATEGORIES: "Review your job categories",
    Step.JOB: "Create your first job",
    Step.PUBLISH: "Publish it",
    Step.CAREERS: "View your careers page",
    Step.INVITE: "Invite a teammate",
}
