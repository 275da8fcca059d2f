// Okta rotates its signing keys; sessions and their tokens must not notice.

import { callRoute, keepScreenshot, signIn, tokenKeyId } from "../support/app";
import { expect, test } from "../support/fixtures";

test("key rotation mid-session keeps calls working", async ({ page, okta }, testInfo) => {
  await signIn(page);
  const before = await okta.signingKeys();
  expect(await tokenKeyId(page)).toBe(before.signing_kid);
  expect((await callRoute(page, "profile")).status).toMatch(/^200\b/);

  const after = await okta.rotateKeys();
  expect(after.signing_kid).not.toBe(before.signing_kid);
  // Okta publishes the next key before it signs with it, and keeps the
  // old one published for the overlap period.
  expect(before.published_kids).toContain(after.signing_kid);
  expect(after.published_kids).toContain(before.signing_kid);

  // The token signed with the old key still verifies.
  expect((await callRoute(page, "profile")).status).toMatch(/^200\b/);

  // A refresh returns a token signed with the new key, bound to the same session.
  const sessionId = (await page.getByTestId("session-id").innerText()).trim();
  await page.getByTestId("refresh-tokens").click();
  await expect(page.getByTestId("refresh-status")).toContainText("Refreshed");
  await expect.poll(() => tokenKeyId(page)).toBe(after.signing_kid);
  await expect(page.getByTestId("session-id")).toHaveText(sessionId);

  expect((await callRoute(page, "profile")).status).toMatch(/^200\b/);
  expect((await callRoute(page, "catalog")).status).toMatch(/^200\b/);
  await keepScreenshot(page, testInfo, "after-key-rotation");
});
