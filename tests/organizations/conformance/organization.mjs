// Drives the official Better Auth client with organizationClient() against a running WeGotWork
// server: an owner creates an organization and invites a teammate by mail; the teammate accepts
// and becomes a member with the role given; a member cannot delete the organization.
// Usage: node organization.mjs <base URL> <mail bridge URL>
// Prints "ok <step>" per passed step; exits 1 at the first failure ("fail <step>: <why>").
import { createAuthClient } from "better-auth/client";
import { organizationClient } from "better-auth/client/plugins";

const [baseURL, mailURL] = process.argv.slice(2);
const origin = new URL(baseURL).origin;

// A browser: a cookie jar, and the Origin header browsers add to cross-document fetches.
function browser(name) {
  const jar = new Map();
  async function cookieFetch(input, init = {}) {
    const headers = new Headers(init.headers || {});
    headers.set("origin", origin);
    headers.set("user-agent", `better-auth-organization/${name}`);
    if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const response = await fetch(input, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";").map((part) => part.trim());
      const index = pair.indexOf("=");
      const key = pair.slice(0, index);
      const value = pair.slice(index + 1);
      if (attributes.some((a) => a.toLowerCase() === "max-age=0") || value === "") jar.delete(key);
      else jar.set(key, value);
    }
    return response;
  }
  return createAuthClient({
    baseURL,
    plugins: [organizationClient()],
    fetchOptions: { customFetchImpl: cookieFetch },
  });
}

function check(step, condition, detail) {
  if (condition) {
    console.log(`ok ${step}`);
  } else {
    console.log(`fail ${step}: ${JSON.stringify(detail)}`);
    process.exit(1);
  }
}

async function mail(to, subjectStart) {
  const query = `to=${encodeURIComponent(to)}&kind=${encodeURIComponent(subjectStart)}`;
  for (let i = 0; i < 100; i++) {
    const response = await fetch(`${mailURL}/mail?${query}`);
    if (response.status === 200) return (await response.json()).text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no mail "${subjectStart}…" to ${to}`);
}

const stamp = Date.now();
const password = "correct horse battery";
const ownerEmail = `owner.${stamp}@example.com`;
const teammateEmail = `grace.${stamp}@example.com`;
const slug = `acme-${stamp}`;
const owner = browser("owner");
const teammate = browser("teammate");

let result = await owner.signUp.email({ name: "Ada Owner", email: ownerEmail, password });
check("owner signs up", result.data?.user?.email === ownerEmail, result.error);
result = await teammate.signUp.email({ name: "Grace Teammate", email: teammateEmail, password });
check("teammate signs up", result.data?.user?.email === teammateEmail, result.error);

// Creating the organization
result = await owner.organization.checkSlug({ slug });
check("check-slug (free)", result.data?.status === true, result);
result = await owner.organization.create({ name: "Acme Robotics", slug });
check("create", result.data?.slug === slug && result.data?.members?.[0]?.role === "owner", result);
const org = result.data;
check("create: createdAt is a date", org.createdAt instanceof Date, org.createdAt);
result = await owner.organization.checkSlug({ slug });
check(
  "check-slug (taken)",
  result.error?.status === 400 && result.error?.code === "ORGANIZATION_SLUG_ALREADY_TAKEN",
  result.error,
);
result = await owner.organization.create({ name: "Copycat", slug });
check("create with a taken slug", result.error?.code === "ORGANIZATION_ALREADY_EXISTS", result.error);
result = await owner.getSession();
check("create made it active", result.data?.session?.activeOrganizationId === org.id, result.data);
result = await owner.organization.getOrganization({ query: { organizationSlug: slug } });
check("get-organization", result.data?.id === org.id, result);
result = await owner.organization.list();
check("list", Array.isArray(result.data) && result.data.map((o) => o.id).includes(org.id), result);
result = await owner.organization.getFullOrganization();
check("get-full-organization", result.data?.id === org.id && result.data?.members?.length === 1, result);
result = await owner.organization.getActiveMemberRole();
check("get-active-member-role", result.data?.role === "owner", result);

// Only a verified address sends invitations: the owner verifies theirs first.
result = await owner.organization.inviteMember({ email: teammateEmail, role: "admin" });
check(
  "invite-member needs a verified email",
  result.error?.status === 403 && result.error?.code === "EMAIL_NOT_VERIFIED",
  result.error,
);
result = await owner.sendVerificationEmail({ email: ownerEmail });
check("send-verification-email", result.data?.status === true, result);
const verifyText = await mail(ownerEmail, "Verify your");
const verifyLink = verifyText.split(/\s+/).find((word) => word.includes("/verify-email"));
const verified = await fetch(verifyLink, { redirect: "manual" });
check("owner verifies the email", verified.status === 302 || verified.status === 200, verified.status);

// Inviting the teammate, who reads the mail
result = await owner.organization.inviteMember({ email: teammateEmail, role: "admin" });
check("invite-member", result.data?.status === "pending" && result.data?.role === "admin", result);
const invitationId = result.data.id;
result = await owner.organization.inviteMember({ email: teammateEmail, role: "admin" });
check(
  "invite-member twice",
  result.error?.code === "USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION",
  result.error,
);
result = await owner.organization.listInvitations();
check("list-invitations", result.data?.some((i) => i.id === invitationId), result);
const text = await mail(teammateEmail, "You are invited to join Acme Robotics");
const link = text.split(/\s+/).find((word) => word.includes("/invite/"));
check("invitation mail carries the link", link === `${baseURL}/invite/${invitationId}`, link);
const mailedId = new URL(link).pathname.split("/").pop();

result = await teammate.organization.listUserInvitations();
check(
  "list-user-invitations needs a verified address",
  result.error?.status === 403 && result.error?.code === "EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION",
  result.error,
);
result = await teammate.organization.getInvitation({ query: { id: mailedId } });
check(
  "get-invitation",
  result.data?.organizationName === "Acme Robotics" && result.data?.inviterEmail === ownerEmail,
  result,
);
result = await teammate.organization.acceptInvitation({ invitationId: mailedId });
check(
  "accept-invitation",
  result.data?.invitation?.status === "accepted" && result.data?.member?.role === "admin",
  result,
);
result = await teammate.organization.getActiveMember();
check("teammate is an admin of it", result.data?.role === "admin" && result.data?.organizationId === org.id, result);

result = await owner.organization.listMembers();
const grace = result.data?.members?.find((m) => m.user.email === teammateEmail);
check("list-members shows the teammate", result.data?.total === 2 && grace?.role === "admin", result);

// Roles
result = await owner.organization.updateMemberRole({ memberId: grace.id, role: "superuser" });
check("update-member-role: unknown role", result.error?.code === "ROLE_NOT_FOUND", result.error);
result = await owner.organization.updateMemberRole({ memberId: grace.id, role: "member" });
check("update-member-role", result.data?.role === "member", result);
result = await teammate.organization.getActiveMemberRole();
check("teammate is now a member", result.data?.role === "member", result);

// A member may not delete the organization
result = await teammate.organization.hasPermission({ permissions: { organization: ["delete"] } });
check("has-permission", result.data?.success === false, result);
result = await teammate.organization.delete({ organizationId: org.id });
check(
  "a member cannot delete the organization",
  result.error?.status === 403 && result.error?.code === "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_ORGANIZATION",
  result.error,
);
result = await owner.organization.getFullOrganization({ query: { organizationId: org.id } });
check("the organization is still there", result.data?.members?.length === 2, result);
result = await teammate.organization.updateMemberRole({ memberId: grace.id, role: "admin" });
check(
  "a member cannot promote themselves",
  result.error?.code === "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER",
  result.error,
);

// Active organization, update, removal, leaving, deletion
result = await owner.organization.setActive({ organizationId: null });
check("set-active null", result.data === null && !result.error, result);
result = await owner.organization.getFullOrganization();
check("nothing active", result.data === null, result);
result = await owner.organization.setActive({ organizationSlug: slug });
check("set-active by slug", result.data?.id === org.id, result);
result = await owner.getSession();
check("set-active shows in get-session", result.data?.session?.activeOrganizationId === org.id, result.data);
result = await owner.organization.update({ data: { name: "Acme Robotics GmbH" } });
check("update", result.data?.name === "Acme Robotics GmbH", result);

result = await owner.organization.inviteMember({ email: `late.${stamp}@example.com`, role: "member" });
result = await owner.organization.cancelInvitation({ invitationId: result.data.id });
check("cancel-invitation", result.data?.status === "canceled", result);

result = await owner.organization.removeMember({ memberIdOrEmail: teammateEmail });
check("remove-member", result.data?.member?.userId === grace.userId, result);
result = await teammate.organization.list();
check("the teammate is out", Array.isArray(result.data) && result.data.length === 0, result);
result = await owner.organization.leave({ organizationId: org.id });
check(
  "the last owner cannot leave",
  result.error?.code === "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER",
  result.error,
);
result = await owner.organization.delete({ organizationId: org.id });
check("delete", result.data?.id === org.id, result);
result = await owner.organization.list();
check("deleted", Array.isArray(result.data) && result.data.length === 0, result);

console.log("organization conformance: all steps passed");
process.exit(0);
