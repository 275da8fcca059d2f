//! `spa-bindgen`: the wasm-bindgen step of `frontend/build.sh`.
//!
//! It does what `wasm-bindgen --target web --no-typescript` does, through
//! the `wasm-bindgen-cli-support` library that the CLI itself wraps. The
//! library is pinned to the `wasm-bindgen` version in `Cargo.lock`, so the
//! glue always matches the module, and building this small crate takes far
//! less time than `cargo install wasm-bindgen-cli`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use wasm_bindgen_cli_support::Bindgen;

/// Generate the ES module glue (`--target web`) for the app's WebAssembly
/// module, without TypeScript declarations.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Exit codes: 0 when the glue was written, 1 when the module could not be read or processed, 2 for invalid arguments."
)]
struct Args {
    /// The `.wasm` file that `cargo build --target wasm32-unknown-unknown` wrote.
    input: PathBuf,

    /// Directory for `<out-name>.js` and `<out-name>_bg.wasm`; created if missing.
    #[arg(long)]
    out_dir: PathBuf,

    /// Base name of the generated files.
    #[arg(long, default_value = "app")]
    out_name: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("spa-bindgen: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> anyhow::Result<()> {
    if !args.input.is_file() {
        anyhow::bail!(
            "the module {} does not exist; build it first with `cargo build -p demo-frontend --target wasm32-unknown-unknown`",
            args.input.display()
        );
    }

    // The same settings the CLI applies for
    // `--target web --no-typescript --out-name <name>`. The CLI keeps the
    // default module path, so `init()` without arguments loads
    // `<name>_bg.wasm` next to the script; boot.js relies on that.
    let mut bindgen = Bindgen::new();
    bindgen
        .input_path(&args.input)
        .web(true)
        .context("failed to select the web target")?
        .typescript(false)
        .omit_default_module_path(false)
        .out_name(&args.out_name);

    bindgen.generate(&args.out_dir).with_context(|| {
        format!(
            "failed to generate bindings for {} into {}",
            args.input.display(),
            args.out_dir.display()
        )
    })?;

    println!(
        "spa-bindgen: wrote {name}.js and {name}_bg.wasm to {dir}",
        name = args.out_name,
        dir = args.out_dir.display()
    );
    Ok(())
}
