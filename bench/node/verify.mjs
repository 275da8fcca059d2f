// Verifies the harness's tokens with a Node verifier and prints one JSON
// line: {"peer", "version", "decisions", "seconds", "per_second"}.
//
//   node verify.mjs okta|jose TOKENS_JSON JWKS_JSON MIN_MS
//
// okta: @okta/jwt-verifier's verifyAccessToken, which fetches the JWKS
// from the issuer's /v1/keys (the emulator) once and caches it. The
// issuer is plain http on loopback, so its https check is switched off.
// jose: jwtVerify with createLocalJWKSet over the same JWKS.
// Every token must verify; one failure stops the run with exit code 1.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as jose from 'jose';

const require = createRequire(import.meta.url);
const OktaJwtVerifier = require('@okta/jwt-verifier');

const [peer, tokensPath, jwksPath, minMsText] = process.argv.slice(2);
if (!peer || !tokensPath || !jwksPath || !minMsText) {
  console.error('usage: node verify.mjs okta|jose TOKENS_JSON JWKS_JSON MIN_MS');
  process.exit(2);
}
const file = JSON.parse(readFileSync(tokensPath, 'utf8'));
const jwks = JSON.parse(readFileSync(jwksPath, 'utf8'));
const minMs = Number(minMsText);

function packageVersion(name) {
  return require(`${name}/package.json`).version;
}

function makeVerifier() {
  if (peer === 'okta') {
    const verifier = new OktaJwtVerifier({
      issuer: file.issuer,
      testing: { disableHttpsCheck: true },
    });
    return {
      version: packageVersion('@okta/jwt-verifier'),
      verify: (token) => verifier.verifyAccessToken(token, file.audience),
    };
  }
  if (peer === 'jose') {
    const keySet = jose.createLocalJWKSet(jwks);
    const options = { issuer: file.issuer, audience: file.audience, algorithms: ['RS256'] };
    return {
      version: packageVersion('jose'),
      verify: (token) => jose.jwtVerify(token, keySet, options),
    };
  }
  console.error(`unknown peer ${JSON.stringify(peer)}; use okta or jose`);
  process.exit(2);
}

const { version, verify } = makeVerifier();

// Warm-up: the first call fetches or imports the key, and V8 compiles the
// hot paths. Not counted.
for (const token of file.warm) {
  await verify(token);
}

const started = process.hrtime.bigint();
let decisions = 0;
let elapsedMs = 0;
while (decisions === 0 || elapsedMs < minMs) {
  for (const token of file.tokens) {
    await verify(token);
  }
  decisions += file.tokens.length;
  elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
}

const seconds = elapsedMs / 1000;
console.log(JSON.stringify({
  peer: peer === 'okta' ? 'node_okta_jwt_verifier' : 'node_jose',
  version,
  decisions,
  seconds,
  per_second: decisions / seconds,
}));
