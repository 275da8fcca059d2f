// The core promise: a copy of an access token stops working on the
// live-session routes once its Okta session ends, although its signature
// and expiry are still valid.

import { accessToken, callRoute, keepDocsScreenshot, keepScreenshot, shownResult, signIn, signOut } from "../support/app";
import { expect, test } from "../support/fixtures";
import { backendUrl } from "../support/stack";

test("replay after sign-out is refused as session_ended", async ({ page, browser, playwright }, testInfo) => {
  await signIn(page);

  // The token is bound to the session that the sign-in created.
  const binding = page.getByTestId("session-binding");
  await expect(binding).toHaveAttribute("data-bound", "true");
  const sessionId = (await page.getByTestId("session-id").innerText()).trim();
  expect(sessionId).toMatch(/^102[0-9A-Za-z]{22}$/);
  await expect(page.getByTestId("claim-okta_sid")).toHaveAttribute("data-session-claim", "true");
  await expect(page.getByTestId("session-claim-value")).toHaveText(sessionId);

  expect((await callRoute(page, "profile")).status).toMatch(/^200\b/);
  await keepDocsScreenshot(page, testInfo, "signed-in", "token-panel");

  await page.getByTestId("steal-token").click();
  await expect(page.getByTestId("steal-status")).toContainText("The attacker now holds a copy");
  const stolen = await accessToken(page);

  // The attacker: a browser context that shares no cookies or storage
  // with the victim's, holding only the copied string.
  const attackerContext = await browser.newContext();
  const attacker = await attackerContext.newPage();
  await attacker.goto("/");
  await attacker.getByTestId("attacker-token").fill(stolen);
  await attacker.getByTestId("attacker-replay-profile").click();
  const beforeSignOut = await shownResult(attacker, "attacker-result-profile");
  expect(beforeSignOut.status, "the copy works while the session lives").toMatch(/^200\b/);

  await signOut(page);

  // The victim's replay lab replays its copy every second after sign-out
  // and reports the first refusal with the time it took.
  await expect(page.getByTestId("revocation-status")).toContainText(/^Refused .+ after sign-out, on replay \d+\.$/, {
    timeout: 45_000,
  });
  await expect(page.getByTestId("revocation-time")).toHaveText(/\d/);
  await expect(page.getByTestId("attacker-refusal-status")).toHaveText(/^401\b/);
  await expect(page.getByTestId("attacker-refusal-reason")).toHaveText("session_ended");
  await keepDocsScreenshot(page, testInfo, "replay-refused", "replay-attempts");

  // The separate attacker context gets the same refusal for the same string.
  await attacker.getByTestId("attacker-replay-profile").click();
  await expect(attacker.getByTestId("attacker-result-profile-status")).toHaveText(/^401\b/);
  await expect(attacker.getByTestId("attacker-result-profile-reason")).toHaveText("session_ended");
  await expect(attacker.getByTestId("attacker-result-profile-explanation")).toContainText("session behind this token has ended");
  await keepScreenshot(attacker, testInfo, "attacker-refused");

  // A token-only route does not ask Okta, so it still accepts the copy.
  await attacker.getByTestId("attacker-replay-catalog").click();
  await expect(attacker.getByTestId("attacker-result-catalog-status")).toHaveText(/^200\b/);

  // The same refusal at the HTTP level, without any browser state.
  const http = await playwright.request.newContext({ baseURL: backendUrl });
  const response = await http.get("/api/profile", { headers: { Authorization: `Bearer ${stolen}` } });
  expect(response.status()).toBe(401);
  expect(response.headers()["www-authenticate"]).toContain('error="invalid_token"');
  expect((await response.json()).reason).toBe("session_ended");
  await http.dispose();

  await attackerContext.close();
});
