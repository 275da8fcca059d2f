// End-to-end tests in Debian's Chromium against the full demo stack, which
// global-setup.ts starts on the test ports and stops afterwards.

import { defineConfig } from "@playwright/test";

import { spaUrl } from "./support/stack";

export default defineConfig({
  testDir: "./tests",
  outputDir: "./test-results",
  globalSetup: "./global-setup.ts",

  // The tests share one stack and reset the emulator before each test, so
  // they run one at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // The expiry and rate-limit scenarios wait for the back end's verdict
  // cache (30 s) or Okta's rate-limit window (up to 60 s) and set their
  // own timeouts. The others take a few seconds.
  timeout: 60_000,
  expect: { timeout: 10_000 },

  reporter: [["list"], ["./summary-reporter.ts"]],

  use: {
    baseURL: spaUrl,
    headless: true,
    viewport: { width: 1280, height: 900 },
    screenshot: "on",
    trace: "retain-on-failure",
    launchOptions: {
      // Debian's Chromium (`apt-get install chromium`); Playwright's own
      // browser download is skipped (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1).
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      // Headless, and nothing that reaches beyond loopback: no QUIC, no
      // component or background updates, no sync.
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },

  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
});
