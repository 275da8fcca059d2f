// Addresses of the stack the end-to-end tests run against.
//
// The tests start their own stack on ports 19400 to 19403, so a demo
// running on its default ports (9400 to 9403) does not clash with them.
// E2E_PORT_BASE moves all four ports together.

import * as path from "node:path";

function portBase(): number {
  const text = process.env.E2E_PORT_BASE ?? "19400";
  const base = Number(text);
  if (!Number.isInteger(base) || base < 1024 || base > 65532) {
    throw new Error(
      `E2E_PORT_BASE is ${JSON.stringify(text)}; set it to a whole number from 1024 to 65532 (the tests use it and the next three ports)`,
    );
  }
  return base;
}

const base = portBase();

export const ports = {
  mockOkta: base,
  hook: base + 1,
  backend: base + 2,
  spa: base + 3,
} as const;

const loopback = (port: number) => `http://127.0.0.1:${port}`;

/** The emulated Okta org. */
export const oktaUrl = loopback(ports.mockOkta);
/** The `default` custom authorization server. */
export const issuer = `${oktaUrl}/oauth2/default`;
/** The demo back end. */
export const backendUrl = loopback(ports.backend);
/** The single-page app. */
export const spaUrl = loopback(ports.spa);

/** The repository root, one level above this package. */
export const repoRoot = path.resolve(__dirname, "..", "..");

/** The demo org's users and clients (mock-okta's embedded configuration). */
export const demo = {
  user: {
    id: "00udemo0000000000001",
    login: "demo@example.com",
    password: "Demo-Passw0rd!",
  },
  spaClientId: "0oademospa0000000001",
  apiToken: "00mockOktaDemoApiToken0000000000000000000",
  /** The token inline hook that demo-stack registers for session-hook. */
  inlineHookId: "cal0demohook00000001",
  /** Okta's default idle timeout of a session, in seconds. */
  sessionIdleTimeoutSeconds: 7200,
} as const;
