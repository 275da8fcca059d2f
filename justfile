# Task runner for the session-linked access token toolkit.
# `just --list` shows every recipe.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Show the recipes.
default:
    @just --list

# Run every test (what CI runs): the Rust tests, then the end-to-end tests.
test:
    cargo test --workspace --locked
    {{just_executable()}} e2e

# Build the stack and run the end-to-end tests in Chromium against it (`just e2e -g replay`; see e2e/README.md).
e2e *ARGS:
    frontend/build.sh
    cargo build --locked -p mock-okta -p session-hook -p demo-backend -p spa-host -p demo-stack
    cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npx playwright test {{ARGS}}

# Run the Okta emulator with the embedded demo org on 127.0.0.1:9400.
mock-okta *ARGS:
    cargo run --locked -p mock-okta -- {{ARGS}}

# Replay a stolen token after logout and check the back end rejects it (`just replay --all`, `just replay --help`).
replay *ARGS:
    cargo run --locked -p replay -- {{ARGS}}

# Lint: formatting and clippy with warnings as errors.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --locked -- -D warnings

# Build and run the demo (mock-okta, hook, back end, single-page app) until Ctrl-C.
demo *ARGS:
    frontend/build.sh
    cargo build --locked -p mock-okta -p session-hook -p demo-backend -p spa-host -p demo-stack && target/debug/stack {{ARGS}}

# Benchmark the guard against Okta's verifiers and session calls, rewriting docs/benchmarks.md (not a test; `just bench --help`).
bench *ARGS:
    cargo build --release --locked -p demo-backend -p bench
    cd bench/node && npm ci --no-audit --no-fund --loglevel=error
    target/release/bench run --repo . {{ARGS}}
