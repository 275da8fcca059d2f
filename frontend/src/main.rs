//! Entry point of the app's WebAssembly module; wasm-bindgen runs `main`
//! when the page loads it.

#[cfg(target_arch = "wasm32")]
fn main() {
    demo_frontend::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "demo-frontend: this binary runs in a browser; build it with frontend/build.sh and serve frontend/dist with spa-host"
    );
    std::process::exit(2);
}
