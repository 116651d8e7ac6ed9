//! Mounts the browser app. All logic lives in the library (`hoplab::ui`).

#[cfg(target_arch = "wasm32")]
fn main() {
    hoplab::ui::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("hoplab is a browser app: run `./.ci/dev serve` (or build dist/ with `./.ci/dev dist`) and open it in a browser.");
    eprintln!("For a trace on the command line: cargo run --bin hoplab-cli");
}
