"""Verify the harness's tokens with a Python verifier and print one JSON line:
{"peer", "version", "decisions", "seconds", "per_second"}.

    python verify.py okta|pyjwt TOKENS_JSON JWKS_JSON MIN_MS

okta: okta-jwt-verifier's AccessTokenVerifier.verify_sync, which fetches the
JWKS from the issuer's /v1/keys (the emulator) once and caches it. Its
configuration check rejects plain http issuers, so that one check is
replaced for the loopback emulator; the verification itself is unchanged.
pyjwt: jwt.decode with the signing key taken from the same JWKS.
Every token must verify; one failure stops the run with exit code 1.
"""

import json
import sys
import time
from importlib.metadata import version


def make_verifier(peer, file, jwks):
    if peer == "okta":
        from okta_jwt_verifier import AccessTokenVerifier
        from okta_jwt_verifier.config_validator import ConfigValidator

        original = ConfigValidator.validate_issuer

        def validate_loopback_issuer(self, issuer=None, https_check=True):
            return original(self, issuer, https_check=False)

        ConfigValidator.validate_issuer = validate_loopback_issuer
        verifier = AccessTokenVerifier(issuer=file["issuer"], audience=file["audience"])
        return "python_okta_jwt_verifier", version("okta-jwt-verifier"), verifier.verify_sync

    if peer == "pyjwt":
        import jwt

        key = jwt.PyJWK(jwks["keys"][0]).key

        def verify(token):
            jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=file["audience"],
                issuer=file["issuer"],
            )

        return "python_pyjwt", version("PyJWT"), verify

    print(f"unknown peer {peer!r}; use okta or pyjwt", file=sys.stderr)
    sys.exit(2)


def main():
    if len(sys.argv) != 5:
        print("usage: python verify.py okta|pyjwt TOKENS_JSON JWKS_JSON MIN_MS", file=sys.stderr)
        sys.exit(2)
    peer, tokens_path, jwks_path, min_ms = sys.argv[1:]
    with open(tokens_path, encoding="utf-8") as handle:
        file = json.load(handle)
    with open(jwks_path, encoding="utf-8") as handle:
        jwks = json.load(handle)

    name, package_version, verify = make_verifier(peer, file, jwks)

    # Warm-up: fetches the JWKS where the peer does. Not counted.
    for token in file["warm"]:
        verify(token)

    started = time.perf_counter()
    decisions = 0
    while decisions == 0 or (time.perf_counter() - started) * 1000 < float(min_ms):
        for token in file["tokens"]:
            verify(token)
        decisions += len(file["tokens"])
    seconds = time.perf_counter() - started

    print(json.dumps({
        "peer": name,
        "version": package_version,
        "decisions": decisions,
        "seconds": seconds,
        "per_second": decisions / seconds,
    }))


if __name__ == "__main__":
    main()
