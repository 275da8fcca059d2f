# Task runner for the session-linked access token toolkit.
# `just --list` shows every recipe.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Show the recipes.
default:
    @just --list

# Run every test in the workspace (what CI runs).
test:
    cargo test --workspace --locked

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
