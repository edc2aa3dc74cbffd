"""What a new organization starts with: one template of each kind and a list of rejection
reasons. (The migration that introduced them keeps its own copy.)"""

from __future__ import annotations

from wegotwork.models import TemplateKind

DEFAULT_TEMPLATES: tuple[tuple[TemplateKind, str, str, str], ...] = (
    (
        TemplateKind.CONFIRMATION,
        "Application received",
        "We received your application for {{job.title}} at {{organization.name}}",
        "Hello {{candidate.name}},\n\n"
        "thank you for applying for {{job.title}} at {{organization.name}}. We received your "
        "application and the team will review it and get back to you.\n\n"
        "You can follow your application, withdraw it or ask us to delete your data on "
        "your status page:\n{{statusUrl}}\n\n"
        "If you did not apply, you can ignore this message.\n\n"
        "{{organization.name}}",
    ),
    (
        TemplateKind.REJECTION,
        "Rejection",
        "Your application for {{job.title}} at {{organization.name}}",
        "Hello {{candidate.firstName}},\n\n"
        "thank you for your interest in {{job.title}} and for the time you took to apply. "
        "After careful consideration we decided not to move forward with your application.\n\n"
        "We wish you every success in your search.\n\n"
        "{{sender.name}}, {{organization.name}}",
    ),
    (
        TemplateKind.INTERVIEW,
        "Interview invitation",
        "Interview for {{job.title}} at {{organization.name}}",
        "Hello {{candidate.firstName}},\n\n"
        "we would like to meet you to talk about {{job.title}}. Please reply to this message "
        "with a few times that suit you.\n\n"
        "{{sender.name}}, {{organization.name}}",
    ),
    (
        TemplateKind.OFFER,
        "Offer",
        "An offer for {{job.title}} at {{organization.name}}",
        "Hello {{candidate.firstName}},\n\n"
        "we are happy to offer you the position of {{job.title}}. We will send the details "
        "separately; reply to this message with any questions.\n\n"
        "{{sender.name}}, {{organization.name}}",
    ),
)

DEFAULT_REASONS: tuple[str, ...] = (
    "Not enough experience",
    "Skills do not match",
    "Position filled",
    "Salary expectations",
    "Location or work permit",
    "Other",
)

WITHDRAWN = "Withdrawn"
