// The tests' handle on the emulated Okta org: mock-okta's control API
// (`/mock/...`, loopback only, not part of Okta) for faults, the clock,
// keys and resets, and Okta's Management API with the demo SSWS token for
// what an administrator would do.

import { type APIRequestContext, type APIResponse, expect } from "@playwright/test";

import { demo } from "./stack";

/** The `default` server's signing key and the keys its JWKS publishes. */
export interface SigningKeys {
  signing_kid: string;
  published_kids: string[];
}

/** A fault as mock-okta's `POST /mock/faults` takes it. */
export interface FaultRequest {
  bucket?: string;
  path_prefix?: string;
  kind: "latency" | "status" | "rate_limit" | "drop";
  status?: number;
  latency_ms?: number;
  count?: number;
}

/** Faults of a token inline hook (`PUT /mock/inline-hooks/{id}/faults`). */
export interface InlineHookFaults {
  delay_ms?: number;
  status?: number | null;
  unreachable?: boolean;
}

export class Okta {
  constructor(private readonly http: APIRequestContext) {}

  /** Returns the emulator to its start-up state (keys keep their rotation). */
  async reset(): Promise<void> {
    await this.send("POST", "/mock/reset", 204);
  }

  /** Moves the emulator's clock forward; sessions and rate-limit windows follow it. */
  async advanceClock(seconds: number): Promise<void> {
    await this.send("POST", "/mock/clock/advance", 200, { seconds });
  }

  async signingKeys(): Promise<SigningKeys> {
    const response = await this.send("GET", "/mock/authorization-servers/default/keys", 200);
    return (await response.json()) as SigningKeys;
  }

  /** Rotates the `default` server's keys: the next key signs, the old one stays published. */
  async rotateKeys(): Promise<SigningKeys> {
    const response = await this.send("POST", "/mock/authorization-servers/default/keys/rotate", 200);
    return (await response.json()) as SigningKeys;
  }

  async addFault(fault: FaultRequest): Promise<void> {
    await this.send("POST", "/mock/faults", 201, fault);
  }

  async clearFaults(): Promise<void> {
    await this.send("DELETE", "/mock/faults", 204);
  }

  async setInlineHookFaults(faults: InlineHookFaults): Promise<void> {
    await this.send("PUT", `/mock/inline-hooks/${demo.inlineHookId}/faults`, 200, faults);
  }

  /**
   * Ends every Okta session of a user, as an administrator does with
   * `DELETE /api/v1/users/{userId}/sessions`. With `oauthTokens` false
   * Okta leaves the user's tokens valid, so only the session link can
   * stop them.
   */
  async clearUserSessions(userId: string, oauthTokens: boolean): Promise<void> {
    const response = await this.http.delete(`/api/v1/users/${userId}/sessions`, {
      params: { oauthTokens: String(oauthTokens) },
      headers: { Authorization: `SSWS ${demo.apiToken}`, Accept: "application/json" },
    });
    await expectStatus(response, 204, `DELETE /api/v1/users/${userId}/sessions`);
  }

  private async send(method: string, url: string, expected: number, data?: unknown): Promise<APIResponse> {
    const response = await this.http.fetch(url, { method, data });
    await expectStatus(response, expected, `${method} ${url}`);
    return response;
  }
}

async function expectStatus(response: APIResponse, expected: number, what: string): Promise<void> {
  const body = response.status() === expected ? "" : await response.text();
  expect(response.status(), `${what} returned ${response.status()}: ${body}`).toBe(expected);
}
