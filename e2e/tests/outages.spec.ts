// Failures of the pieces around the back end: the token inline hook and
// Okta's Sessions API. Each fails closed, and the app explains why.

import { callRoute, keepScreenshot, signIn } from "../support/app";
import { expect, test } from "../support/fixtures";

test("hook down: token refused as not_session_bound", async ({ page, okta }, testInfo) => {
  // Okta fails open when its token inline hook cannot be reached: it
  // issues the token without the session claim.
  await okta.setInlineHookFaults({ unreachable: true });

  await signIn(page);

  const binding = page.getByTestId("session-binding");
  await expect(binding).toHaveAttribute("data-bound", "false");
  await expect(binding).toContainText("not_session_bound");
  await expect(page.getByTestId("claim-okta_sid")).toHaveCount(0);

  expect(await callRoute(page, "profile")).toEqual({ status: "401 Unauthorized", reason: "not_session_bound" });
  await expect(page.getByTestId("result-profile-explanation")).toContainText("no session claim");
  await expect(page.getByTestId("result-profile-explanation")).toContainText("token inline hook");
  await keepScreenshot(page, testInfo, "hook-down");
});

test("Okta rate-limited: 503 shown, then recovery", async ({ page, okta }, testInfo) => {
  // Okta's rate-limit window is one minute, and the back end waits for
  // its reset (X-Rate-Limit-Reset) before asking again.
  test.setTimeout(120_000);

  await signIn(page);
  // Before any session check, so that no cached verdict decides the call.
  await okta.addFault({ bucket: "sessions", kind: "rate_limit" });

  expect(await callRoute(page, "profile")).toEqual({ status: "503 Service Unavailable", reason: "okta_rate_limited" });
  const retryAfter = page.getByTestId("result-profile-retry-after");
  await expect(retryAfter).toHaveText(/^\d+ s$/);
  const seconds = Number.parseInt(await retryAfter.innerText(), 10);
  expect(seconds).toBeLessThanOrEqual(60);
  await expect(page.getByTestId("result-profile-explanation")).toContainText(`Retry in ${seconds} s`);
  await keepScreenshot(page, testInfo, "okta-rate-limited");

  await okta.clearFaults();

  await expect(async () => {
    expect((await callRoute(page, "profile")).status).toMatch(/^200\b/);
  }).toPass({ timeout: (seconds + 15) * 1000, intervals: [1000] });
  await expect(page.getByTestId("result-profile-reason")).toHaveText("none");
});
