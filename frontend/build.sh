#!/usr/bin/env bash
# Build the single-page app into frontend/dist/: the WebAssembly module,
# its wasm-bindgen JavaScript glue, index.html, boot.js and style.css.
#
# Usage: frontend/build.sh [--debug] [--wasm-opt]
#   --debug     build the debug profile (faster to build, larger, slower)
#   --wasm-opt  shrink the module with `wasm-opt -Oz`, found as $WASM_OPT or
#               on PATH. Binaryen 132 (the npm package `binaryen`) works;
#               Debian's binaryen 108 emits modules that fail at run time with
#               current wasm-bindgen output, so 108 and older are rejected.
#
# Installs the wasm32-unknown-unknown target (rustup) when it is missing.
# The bindings come from `spa-bindgen` (frontend/bindgen), a workspace tool
# built on wasm-bindgen-cli-support pinned to the wasm-bindgen version in
# Cargo.lock, so glue and library always match and no CLI install is needed.

set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

target=wasm32-unknown-unknown
profile=release
optimize=false
for argument in "$@"; do
    case "$argument" in
        --debug) profile=debug ;;
        --wasm-opt) optimize=true ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown option '$argument'; see --help" >&2; exit 2 ;;
    esac
done

target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
dist="$repo_root/frontend/dist"
static="$repo_root/frontend/static"

step() { printf '==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx "$target"; then
    step "installing the $target target"
    rustup target add "$target"
fi

# The glue generator must be the same release as the library in the module.
# The `=` pin in frontend/bindgen/Cargo.toml makes Cargo resolve both to one
# version; this check turns a hand-edited lock file into a clear message.
lock_version() {
    awk -v crate="$1" '$0 == "name = \"" crate "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}
library="$(lock_version wasm-bindgen)"
generator="$(lock_version wasm-bindgen-cli-support)"
if [[ -z "$library" || "$library" != "$generator" ]]; then
    echo "build.sh: Cargo.lock has wasm-bindgen '${library:-missing}' but wasm-bindgen-cli-support '${generator:-missing}'; pin frontend/bindgen/Cargo.toml to \"=${library:-<version>}\" and run 'cargo metadata' to update the lock file" >&2
    exit 1
fi

step "building demo-frontend for $target ($profile)"
profile_flag=()
[[ "$profile" == release ]] && profile_flag=(--release)
cargo build --locked -p demo-frontend --target "$target" "${profile_flag[@]}"

step "generating bindings into $dist"
rm -rf "$dist"
mkdir -p "$dist"
# A debug build of the tool: on 2 cores it compiles in about 20 s from
# scratch (`cargo install wasm-bindgen-cli` took about 5 minutes) and
# processes the release module in about a second.
cargo run --locked --quiet -p spa-bindgen -- --out-dir "$dist" --out-name app \
    "$target_dir/$target/$profile/demo-frontend.wasm"

if [[ "$optimize" == true ]]; then
    wasm_opt="${WASM_OPT:-wasm-opt}"
    version="$("$wasm_opt" --version 2>/dev/null | grep -oE '[0-9]+' | head -n1 || true)"
    if [[ -z "$version" || "$version" -le 108 ]]; then
        echo "build.sh: --wasm-opt needs binaryen newer than 108 ($wasm_opt is version '${version:-missing}'); install the npm package binaryen and set WASM_OPT to its wasm-opt, or build without --wasm-opt" >&2
        exit 1
    fi
    if [[ "$version" -lt 132 ]]; then
        echo "build.sh: warning: binaryen $version is untested here; 132 is known to work" >&2
    fi
    step "optimizing with $wasm_opt (binaryen $version)"
    "$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
        -o "$dist/app_bg.wasm" "$dist/app_bg.wasm"
fi

cp "$static/index.html" "$static/boot.js" "$static/style.css" "$dist/"

step "done: $(du -h "$dist/app_bg.wasm" | cut -f1) of WebAssembly in $dist"
echo "Serve it with: cargo run -p spa-host  (http://127.0.0.1:9403)"
