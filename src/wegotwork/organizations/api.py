"""JSON API: /api/v1/organizations (organizations, logo, members, leaving)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from wegotwork.deps import DbSession, ServicesDep, SettingsDep
from wegotwork.identity.deps import CurrentAuth, reissue_after_change
from wegotwork.organizations import actions, members, rules
from wegotwork.organizations.schemas import (
    MemberEnvelope,
    MemberListEnvelope,
    MemberOut,
    MemberRoleUpdate,
    MessageEnvelope,
    MyOrganizationOut,
    OrganizationCreate,
    OrganizationDetailEnvelope,
    OrganizationDetailOut,
    OrganizationEnvelope,
    OrganizationListEnvelope,
    OrganizationOut,
    OrganizationUpdate,
)
from wegotwork.schemas import error_responses
from wegotwork.storage.cleanup import commit_or_discard, discard_files
from wegotwork.tenancy.guard import (
    CanDeleteOrganization,
    CanManageMembers,
    CanUpdateOrganization,
    CanViewOrganization,
)

router = APIRouter(prefix="/api/v1/organizations", tags=["organizations"])


@router.get("", response_model=OrganizationListEnvelope, responses=error_responses(401))
async def list_my_organizations(
    auth: CurrentAuth, db: DbSession, settings: SettingsDep
) -> OrganizationListEnvelope:
    """The organizations I belong to, each with my role and whether it is my active one."""
    mine = await actions.list_my_organizations(db, auth)
    return OrganizationListEnvelope(
        organizations=[
            MyOrganizationOut(
                **OrganizationOut.of(item.organization, settings.base_url).model_dump(),
                role=item.role,
                active=item.active,
            )
            for item in mine
        ]
    )


@router.post(
    "",
    status_code=201,
    response_model=OrganizationEnvelope,
    responses=error_responses(401, 409),
)
async def create_organization(
    request: Request,
    data: OrganizationCreate,
    auth: CurrentAuth,
    db: DbSession,
    settings: SettingsDep,
) -> OrganizationEnvelope:
    """Create an organization: I become its owner and it becomes my active organization.
    Without a `slug`, one is suggested from the name. 409 when the slug is taken."""
    organization = await actions.create_organization(db, auth, data)
    await reissue_after_change(request, db, auth.session.id)
    await db.commit()
    return OrganizationEnvelope(organization=OrganizationOut.of(organization, settings.base_url))


@router.get(
    "/{orgId}",
    response_model=OrganizationDetailEnvelope,
    responses=error_responses(401, 404),
)
async def get_organization(
    ctx: CanViewOrganization, db: DbSession, settings: SettingsDep
) -> OrganizationDetailEnvelope:
    """The organization, my role in it, and counts of members, jobs and applicants."""
    detail = await actions.get_organization_detail(db, ctx)
    return OrganizationDetailEnvelope(
        organization=OrganizationDetailOut(
            **OrganizationOut.of(detail.organization, settings.base_url).model_dump(),
            role=detail.role,
            member_count=detail.member_count,
            job_count=detail.job_count,
            published_job_count=detail.published_job_count,
            applicant_count=detail.applicant_count,
        )
    )


@router.patch(
    "/{orgId}",
    response_model=OrganizationEnvelope,
    responses=error_responses(401, 403, 404, 409),
)
async def update_organization(
    data: OrganizationUpdate, ctx: CanUpdateOrganization, db: DbSession, settings: SettingsDep
) -> OrganizationEnvelope:
    """Change name, slug, description or website (admin or owner). `null` or `""` clears the
    description or website. Changing the slug changes the public careers URL."""
    organization = await actions.update_organization(db, ctx, data)
    await db.commit()
    return OrganizationEnvelope(organization=OrganizationOut.of(organization, settings.base_url))


@router.delete(
    "/{orgId}",
    response_model=MessageEnvelope,
    responses=error_responses(401, 403, 404),
)
async def delete_organization(
    ctx: CanDeleteOrganization, db: DbSession, services: ServicesDep, background: BackgroundTasks
) -> MessageEnvelope:
    """Delete the organization with everything in it, stored files included (owner only)."""
    deleted = await actions.delete_organization(db, ctx)
    await db.commit()
    background.add_task(discard_files, services.storage, deleted.file_keys)
    return MessageEnvelope(message=f"{deleted.organization.name} was deleted")


@router.post(
    "/{orgId}/activate",
    response_model=OrganizationEnvelope,
    responses=error_responses(401, 404),
)
async def activate_organization(
    request: Request, ctx: CanViewOrganization, db: DbSession, settings: SettingsDep
) -> OrganizationEnvelope:
    """Make this organization my session's active organization."""
    organization = await actions.set_active_organization(db, ctx)
    if ctx.session is not None:
        await reissue_after_change(request, db, ctx.session.id)
    await db.commit()
    return OrganizationEnvelope(organization=OrganizationOut.of(organization, settings.base_url))


class LogoUpload(BaseModel):
    """The logo form: the image as ``logo`` and nothing else."""

    model_config = ConfigDict(extra="forbid")

    logo: UploadFile = Field(description="PNG, JPEG or WebP, at most 2 MB")


@router.put(
    "/{orgId}/logo",
    response_model=OrganizationEnvelope,
    responses=error_responses(401, 403, 404, 413, 415, 503),
)
async def upload_logo(
    ctx: CanUpdateOrganization,
    db: DbSession,
    services: ServicesDep,
    background: BackgroundTasks,
    upload: Annotated[LogoUpload, Form(media_type="multipart/form-data")],
) -> OrganizationEnvelope:
    """Replace the logo (admin or owner), `multipart/form-data` with the image as `logo`.
    The image type is judged by its content; SVG is not accepted."""
    content = await upload.logo.read(rules.LOGO_MAX_BYTES + 1)
    change = await actions.replace_logo(db, ctx, services.storage, content)
    await commit_or_discard(db, services.storage, [change.new_key])
    background.add_task(discard_files, services.storage, [change.old_key])
    return OrganizationEnvelope(
        organization=OrganizationOut.of(change.organization, services.settings.base_url)
    )


@router.delete(
    "/{orgId}/logo",
    response_model=OrganizationEnvelope,
    responses=error_responses(401, 403, 404),
)
async def delete_logo(
    ctx: CanUpdateOrganization, db: DbSession, services: ServicesDep, background: BackgroundTasks
) -> OrganizationEnvelope:
    """Remove the logo (admin or owner)."""
    change = await actions.remove_logo(db, ctx)
    await db.commit()
    background.add_task(discard_files, services.storage, [change.old_key])
    return OrganizationEnvelope(
        organization=OrganizationOut.of(change.organization, services.settings.base_url)
    )


# Members ------------------------------------------------------------------------------


@router.get(
    "/{orgId}/members",
    response_model=MemberListEnvelope,
    responses=error_responses(401, 404),
)
async def list_members(ctx: CanViewOrganization, db: DbSession) -> MemberListEnvelope:
    """Everyone in the organization, with role and the date they joined (`createdAt`)."""
    found = await members.list_members(db, ctx)
    return MemberListEnvelope(members=[MemberOut.of(member) for member in found])


@router.patch(
    "/{orgId}/members/{memberId}",
    response_model=MemberEnvelope,
    responses=error_responses(401, 403, 404, 409),
)
async def change_member_role(
    memberId: str, data: MemberRoleUpdate, ctx: CanManageMembers, db: DbSession
) -> MemberEnvelope:
    """Change a member's role (admin or owner; only owners make or unmake owners). 409 when
    it would leave the organization without an owner."""
    member = await members.change_member_role(db, ctx, memberId, data.role)
    await db.commit()
    return MemberEnvelope(member=MemberOut.of(member))


@router.delete(
    "/{orgId}/members/{memberId}",
    response_model=MessageEnvelope,
    responses=error_responses(401, 403, 404, 409),
)
async def remove_member(memberId: str, ctx: CanManageMembers, db: DbSession) -> MessageEnvelope:
    """Remove a member (admin or owner; only owners remove owners; never the last owner)."""
    member = await members.remove_member(db, ctx, memberId)
    await db.commit()
    return MessageEnvelope(message=f"{member.user.name} was removed from {ctx.organization.name}")


@router.post(
    "/{orgId}/leave",
    response_model=MessageEnvelope,
    responses=error_responses(401, 404, 409),
)
async def leave_organization(ctx: CanViewOrganization, db: DbSession) -> MessageEnvelope:
    """Leave the organization. 409 for its last owner."""
    await members.leave_organization(db, ctx)
    await db.commit()
    return MessageEnvelope(message=f"You left {ctx.organization.name}")
