"""The workspace form of the onboarding page: the organization, and the categories to start
with (the API and Better Auth's organization/create always give the five default ones)."""

from __future__ import annotations

from pydantic import field_validator

from wegotwork.onboarding.rules import NO_PRESET, PRESETS_BY_KEY
from wegotwork.organizations.schemas import OrganizationCreate


class WorkspaceCreate(OrganizationCreate):
    categories: str = NO_PRESET

    @field_validator("categories")
    @classmethod
    def _known_preset(cls, value: str) -> str:
        if value not in PRESETS_BY_KEY:
            raise ValueError("Choose one of the suggestions, or none")
        return value

    @property
    def category_names(self) -> tuple[str, ...]:
        return PRESETS_BY_KEY[self.categories].categories
