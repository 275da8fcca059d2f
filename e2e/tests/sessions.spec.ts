// Every way an Okta session ends, and what the app's tokens can do after.

import { callRoute, keepScreenshot, signIn, signOut } from "../support/app";
import { expect, test } from "../support/fixtures";
import { demo } from "../support/stack";

/**
 * Upper bound for the back end to notice an ended session. An event hook
 * push ends it at once; without one, the back end's cached verdict of a
 * live session lasts up to 30 s (`session.verdict_ttl_secs`).
 */
const NOTICE_TIMEOUT_MS = 45_000;

test("admin ending sessions refuses the next call", async ({ page, okta }, testInfo) => {
  await signIn(page);
  expect((await callRoute(page, "profile")).status).toMatch(/^200\b/);

  // Okta keeps the user's tokens valid (oauthTokens=false): only the
  // session link can stop them.
  await okta.clearUserSessions(demo.user.id, false);

  await expect(async () => {
    expect(await callRoute(page, "profile")).toEqual({ status: "401 Unauthorized", reason: "session_ended" });
  }).toPass({ timeout: NOTICE_TIMEOUT_MS, intervals: [500, 1000] });
  await expect(page.getByTestId("result-profile-explanation")).toContainText("an administrator");
  await keepScreenshot(page, testInfo, "admin-ended-sessions");

  // The token itself is still valid: a token-only route accepts it.
  expect((await callRoute(page, "catalog")).status).toMatch(/^200\b/);
});

test("expired session refuses calls and refresh", async ({ page, okta }, testInfo) => {
  test.setTimeout(NOTICE_TIMEOUT_MS + 30_000);

  await signIn(page);
  expect((await callRoute(page, "profile")).status).toMatch(/^200\b/);

  // Past the idle timeout on the emulator's clock, the session expires
  // as Okta's do: silently, with no System Log event and no event hook,
  // so only the Sessions API check can notice.
  await okta.advanceClock(demo.sessionIdleTimeoutSeconds + 1);

  await expect(async () => {
    expect(await callRoute(page, "profile")).toEqual({ status: "401 Unauthorized", reason: "session_ended" });
  }).toPass({ timeout: NOTICE_TIMEOUT_MS, intervals: [1000] });

  // The hook checks the session on every refresh grant and denies it.
  await page.getByTestId("refresh-tokens").click();
  await expect(page.getByTestId("auth-error")).toHaveAttribute("data-error-code", "token_error");
  await expect(page.getByTestId("auth-error-message")).toContainText("server_error");
  await keepScreenshot(page, testInfo, "session-expired");
});

test("refresh after sign-out is refused", async ({ page, context }, testInfo) => {
  await signIn(page);
  const sessionId = (await page.getByTestId("session-id").innerText()).trim();

  // A second tab of the same browser signs in without a password (the
  // Okta session cookie), gets its own tokens for the same session, and
  // signs out, which ends that session for both tabs.
  const otherTab = await context.newPage();
  await otherTab.goto("/");
  await otherTab.getByTestId("sign-in").click();
  await expect(otherTab.getByTestId("session-id")).toHaveText(sessionId);
  await signOut(otherTab);

  // The first tab still keeps its refresh token in memory.
  await page.getByTestId("refresh-tokens").click();
  await expect(page.getByTestId("auth-error")).toHaveAttribute("data-error-code", "token_error");
  await expect(page.getByTestId("auth-error-message")).toContainText("server_error");
  await keepScreenshot(page, testInfo, "refresh-refused");

  // Its access token is refused too.
  expect(await callRoute(page, "profile")).toEqual({ status: "401 Unauthorized", reason: "session_ended" });
});
