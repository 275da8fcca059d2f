// The tests' `test`: Playwright's, plus an `okta` handle on the emulator
// that is reset before every test, so each scenario starts with no
// sessions, tokens, faults or clock offset.

import { test as base } from "@playwright/test";

import { Okta } from "./okta";
import { oktaUrl } from "./stack";

export const test = base.extend<{ okta: Okta }>({
  okta: [
    async ({ playwright }, use) => {
      const http = await playwright.request.newContext({ baseURL: oktaUrl });
      const okta = new Okta(http);
      await okta.reset();
      await use(okta);
      await http.dispose();
    },
    { auto: true },
  ],
});

export { expect } from "@playwright/test";
