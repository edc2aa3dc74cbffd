// Drives the official Better Auth JavaScript client against a running WeGotWork server.
// Usage: node client.mjs <base URL> <mail bridge URL> <ID token of the "oidc" provider> <its nonce>
// Prints "ok <step>" per passed step; exits 1 at the first failure ("fail <step>: <why>").
import { createAuthClient } from "better-auth/client";
import { organizationClient } from "better-auth/client/plugins";

const [baseURL, mailURL, idToken, idTokenNonce] = process.argv.slice(2);
const origin = new URL(baseURL).origin;

const jars = {};
const fetchers = {};

// A browser: a cookie jar, and the Origin header browsers add to cross-document fetches.
function browser(name) {
  const jar = new Map();
  async function cookieFetch(input, init = {}) {
    const headers = new Headers(init.headers || {});
    headers.set("origin", origin);
    headers.set("user-agent", `better-auth-conformance/${name}`);
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
  const client = createAuthClient({ baseURL, fetchOptions: { customFetchImpl: cookieFetch } });
  jars[name] = jar;
  fetchers[name] = cookieFetch;
  return client;
}

let failed = false;
function check(step, condition, detail) {
  if (condition) {
    console.log(`ok ${step}`);
  } else {
    console.log(`fail ${step}: ${JSON.stringify(detail)}`);
    failed = true;
    process.exit(1);
  }
}

async function mail(to, kind) {
  for (let i = 0; i < 100; i++) {
    const response = await fetch(`${mailURL}/mail?to=${encodeURIComponent(to)}&kind=${kind}`);
    if (response.status === 200) return (await response.json()).text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${kind} mail to ${to}`);
}

function linkIn(text) {
  return text.split(/\s+/).find((word) => word.startsWith("http"));
}

const email = `ada.${Date.now()}@Example.com`;
const lower = email.toLowerCase();
const password = "correct horse battery";
const laptop = browser("laptop");
const phone = browser("phone");
const tablet = browser("tablet");

// Sign-up
let result = await laptop.signUp.email({ name: "Ada Lovelace", email, password });
check("sign-up", result.data?.user?.email === lower && typeof result.data?.token === "string", result);
check("sign-up sets the session cookie", jars.laptop.has("better-auth.session_token"), [...jars.laptop.keys()]);

result = await phone.signUp.email({ name: "Someone Else", email, password });
check(
  "duplicate sign-up",
  result.error?.status === 422 && result.error?.code === "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
  result.error,
);

result = await phone.signUp.email({ name: "Short", email: `short.${lower}`, password: "short" });
check("short password", result.error?.status === 400 && result.error?.code === "PASSWORD_TOO_SHORT", result.error);

// Sign-in
result = await phone.signIn.email({ email, password: "wrong password!" });
check(
  "wrong password",
  result.error?.status === 401 && result.error?.code === "INVALID_EMAIL_OR_PASSWORD",
  result.error,
);
result = await phone.signIn.email({ email: lower, password });
check("sign-in", result.data?.user?.email === lower && result.data?.redirect === false, result);
const phoneToken = result.data.token;

// Session
result = await laptop.getSession();
check(
  "get-session",
  result.data?.user?.email === lower && result.data?.session?.expiresAt instanceof Date,
  result,
);
result = await browser("nobody").getSession();
check("get-session signed out", result.data === null && !result.error, result);

// Sessions
result = await laptop.listSessions();
check("list-sessions", Array.isArray(result.data) && result.data.length === 2, result);
const phoneEntry = result.data.find((s) => s.userAgent === "better-auth-conformance/phone");
check("list-sessions has the phone", phoneEntry !== undefined, result.data);
check(
  "list-sessions hides other sessions' tokens",
  !JSON.stringify(result.data).includes(phoneToken) && phoneEntry.token === phoneEntry.id,
  result.data,
);
result = await laptop.revokeSession({ token: phoneEntry.token });
check("revoke-session", result.data?.status === true, result);
result = await phone.getSession({ query: { disableCookieCache: true } });
check("revoked session is gone", result.data === null, result);

// Profile
result = await laptop.updateUser({ name: "Countess Lovelace" });
check("update-user", result.data?.status === true, result);
result = await laptop.getSession();
check("update-user shows in get-session", result.data?.user?.name === "Countess Lovelace", result.data);

// Password change
result = await laptop.changePassword({ currentPassword: "not my password", newPassword: "n3w password!" });
check("change-password with a wrong current password", result.error?.status === 400 && result.error?.code === "INVALID_PASSWORD", result.error);
await tablet.signIn.email({ email, password });
result = await laptop.changePassword({
  currentPassword: password,
  newPassword: "n3w password!",
  revokeOtherSessions: true,
});
check("change-password", typeof result.data?.token === "string" && result.data?.user?.email === lower, result);
result = await tablet.getSession({ query: { disableCookieCache: true } });
check("change-password revoked other sessions", result.data === null, result);
result = await laptop.getSession();
check("change-password kept this browser signed in", result.data?.user?.email === lower, result);
result = await tablet.signIn.email({ email, password: "n3w password!" });
check("sign-in with the new password", result.data?.user?.email === lower, result.error);

// Sign-out
result = await tablet.signOut();
check("sign-out", result.data?.success === true, result);
result = await tablet.getSession();
check("signed out", result.data === null, result);

// Password reset through the mail
result = await phone.requestPasswordReset({ email, redirectTo: "/reset-password" });
check("request-password-reset", result.data?.status === true, result);
const resetLink = linkIn(await mail(lower, "reset-password"));
let response = await fetchers.phone(resetLink);
const location = new URL(response.headers.get("location"), baseURL);
const resetToken = location.searchParams.get("token");
check("reset link redirects with the token", response.status === 302 && location.pathname === "/reset-password" && resetToken, response.status);
result = await phone.resetPassword({ newPassword: "reset password 1", token: resetToken });
check("reset-password", result.data?.status === true, result);
result = await phone.resetPassword({ newPassword: "reset password 2", token: resetToken });
check("reset token is single-use", result.error?.status === 400 && result.error?.code === "INVALID_TOKEN", result.error);
result = await phone.signIn.email({ email, password: "reset password 1" });
check("sign-in after reset", result.data?.user?.email === lower, result.error);
result = await laptop.getSession({ query: { disableCookieCache: true } });
check("reset ended every earlier session", result.data === null, result);
result = await laptop.signIn.email({ email, password: "reset password 1" });
check("sign-in again after reset", result.data?.user?.email === lower, result.error);

// Email verification
result = await laptop.sendVerificationEmail({ email, callbackURL: "/verify-email" });
check("send-verification-email", result.data?.status === true, result);
const verifyLink = linkIn(await mail(lower, "verify-email"));
response = await fetchers.laptop(verifyLink);
check("verification link", response.status === 302 && response.headers.get("location") === "/verify-email", response.status);
result = await laptop.getSession({ query: { disableCookieCache: true } });
check("email verified", result.data?.user?.emailVerified === true, result.data);
result = await laptop.sendVerificationEmail({ email });
check("already verified", result.error?.code === "EMAIL_ALREADY_VERIFIED", result.error);

// Change email: a link to the new address, the change when it is opened
const newEmail = `ada.changed.${Date.now()}@example.com`;
result = await laptop.changeEmail({ newEmail, callbackURL: "/account" });
check("change-email", result.data?.status === true, result);
result = await laptop.changeEmail({ newEmail: lower });
check("change-email to the same address", result.error?.status === 400 && result.error?.message === "Email is the same", result.error);
result = await laptop.getSession({ query: { disableCookieCache: true } });
check("change-email waits for the link", result.data?.user?.email === lower, result.data);
const changeLink = linkIn(await mail(newEmail, "verify-email"));
response = await fetchers.laptop(changeLink);
check("change-email link", response.status === 302 && response.headers.get("location") === "/account", response.status);
result = await laptop.getSession();
check(
  "email changed",
  result.data?.user?.email === newEmail && result.data?.user?.emailVerified === true,
  result.data,
);

// Sign-in with an ID token the provider gave the client (a sign-in button, a mobile SDK)
const social = browser("social");
result = await social.signIn.social({ provider: "oidc", idToken: { token: idToken, nonce: idTokenNonce } });
check(
  "sign-in with an ID token",
  result.data?.redirect === false && typeof result.data?.token === "string" && result.data?.user?.email === "grace@example.com",
  result,
);
const socialToken = result.data.token;
result = await social.getSession();
check(
  "ID token session",
  result.data?.user?.emailVerified === true && result.data?.session?.token === socialToken,
  result.data,
);
result = await phone.signIn.social({ provider: "oidc", idToken: { token: idToken, nonce: "another nonce" } });
check("ID token with the wrong nonce", result.error?.status === 401 && result.error?.code === "INVALID_TOKEN", result.error);

// 401 before validation: signed out, a route that needs a session does not look at the body
// (Better Auth itself would answer 400 VALIDATION_ERROR to these).
const stranger = browser("stranger");
const strangerOrgs = createAuthClient({
  baseURL,
  plugins: [organizationClient()],
  fetchOptions: { customFetchImpl: fetchers.stranger },
});
const unauthorized = (error) => error?.status === 401 && error?.code === "UNAUTHORIZED";
// (A call with an empty body goes out as a GET: each sends something.)
result = await stranger.revokeSession({ token: 12 });
check("401 before validation: revoke-session with a token that is no string", unauthorized(result.error), result.error);
result = await stranger.changeEmail({ newEmail: "not an address" });
check("401 before validation: change-email to a bad address", unauthorized(result.error), result.error);
result = await stranger.changePassword({ newPassword: 12 });
check("401 before validation: change-password without the current one", unauthorized(result.error), result.error);
result = await strangerOrgs.organization.create({ name: "No Slug" });
check("401 before validation: organization create without a slug", result.error?.status === 401, result.error);
result = await strangerOrgs.organization.inviteMember({ email: 12 });
check("401 before validation: invite-member with a bad body", unauthorized(result.error), result.error);
result = await fetchers.stranger(`${baseURL}/api/auth/delete-user`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: '{"password": ',
});
check("401 before validation: delete-user with malformed JSON", result.status === 401, result.status);

// Revoke everything
result = await laptop.revokeSessions();
check("revoke-sessions", result.data?.status === true, result);
result = await phone.getSession({ query: { disableCookieCache: true } });
check("every session ended", result.data === null, result);

console.log("conformance: all steps passed");
process.exit(failed ? 1 : 0);
