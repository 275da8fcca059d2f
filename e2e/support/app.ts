// What a person does in the single-page app, by its data-testid values
// (listed in frontend/README.md).

import * as path from "node:path";

import { type Page, type TestInfo, expect } from "@playwright/test";

import { demo, repoRoot } from "./stack";

/** A back-end route of the app's API panel. */
export type Route = "profile" | "transfers" | "catalog";

/** What the app shows for one back-end call. */
export interface CallOutcome {
  status: string;
  reason: string;
}

/**
 * Signs in with the authorization code flow: the app redirects to the
 * emulator's sign-in form, which redirects back with the code. Resolves
 * once the app shows the signed-in user.
 */
export async function signIn(page: Page): Promise<void> {
  await page.goto("/");
  await page.getByTestId("sign-in").click();

  // The emulator's sign-in form, not the app: it has no test ids.
  await page.locator("#username").fill(demo.user.login);
  await page.locator("#password").fill(demo.user.password);
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(page.getByTestId("user-panel")).toBeVisible();
  await expect(page.getByTestId("user-username")).toContainText(demo.user.login);
}

/** Signs out through Okta's logout and waits for the app's signed-out notice. */
export async function signOut(page: Page): Promise<void> {
  await page.getByTestId("sign-out").click();
  await expect(page.getByTestId("signed-out-notice")).toBeVisible();
}

/** Clicks a route's button and returns the status and reason once the call completed. */
export async function callRoute(page: Page, route: Route): Promise<CallOutcome> {
  const button = page.getByTestId(`call-${route}`);
  await button.click();
  // The button is disabled while the call is in flight.
  await expect(button).toBeEnabled();
  return shownResult(page, `result-${route}`);
}

/** Reads the status and reason of an outcome region such as `result-profile`. */
export async function shownResult(page: Page, testId: string): Promise<CallOutcome> {
  const status = page.getByTestId(`${testId}-status`);
  await expect(status).toBeVisible();
  return {
    status: (await status.innerText()).trim(),
    reason: (await page.getByTestId(`${testId}-reason`).innerText()).trim(),
  };
}

/** Returns the compact access token that the app shows. */
export async function accessToken(page: Page): Promise<string> {
  const token = await page.getByTestId("raw-token").inputValue();
  expect(token.split("."), "the app shows a compact JWS").toHaveLength(3);
  return token;
}

/** Returns the `kid` of the access token's JWS header, from the token panel. */
export async function tokenKeyId(page: Page): Promise<string> {
  // textContent, because the header sits in a collapsed <details>.
  const text = (await page.getByTestId("token-header").textContent()) ?? "";
  const header = JSON.parse(text) as { kid?: string };
  expect(header.kid, "the token header names its key").toBeTruthy();
  return header.kid as string;
}

/**
 * Saves a full-page screenshot as `<name>.png` in the test's output
 * directory (under test-results/), which Playwright keeps after the run.
 */
export async function keepScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

/**
 * Saves the top of the page, down to the bottom of the element `lastTestId`,
 * as `<name>.png` in the test's output directory. With E2E_UPDATE_DOCS=1 it
 * also writes docs/<name>.png, the README's screenshots.
 */
export async function keepDocsScreenshot(page: Page, testInfo: TestInfo, name: string, lastTestId: string): Promise<void> {
  // In page coordinates, because clicks may have scrolled the window.
  const bottom = await page
    .getByTestId(lastTestId)
    .evaluate((element) => element.getBoundingClientRect().bottom + window.scrollY);
  const width = page.viewportSize()?.width ?? 1280;
  const clip = { x: 0, y: 0, width, height: Math.ceil(bottom + 16) };

  const files = [testInfo.outputPath(`${name}.png`)];
  if (process.env.E2E_UPDATE_DOCS === "1") {
    files.push(path.join(repoRoot, "docs", `${name}.png`));
  }
  for (const file of files) {
    await page.screenshot({ path: file, clip, fullPage: true });
  }
}
