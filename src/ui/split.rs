//! Parts of the app that the hosted build (`.ci/dist`) puts in WebAssembly
//! files of their own, downloaded the first time the learner opens them, so
//! the first download holds less than the whole app.
//!
//! A part is a function declared with [`part!`]: it returns the part's view
//! and is awaited (inside a `Suspense`). Built with `--cfg hoplab_split`, it
//! is a split point of `wasm_split` (its code goes into the file named by
//! the part, fetched on the first call); in every other build (`trunk
//! serve`, the browser tests) it is a plain function that is ready at once.

use leptos::prelude::*;

/// A part's file could not be downloaded (the network went away).
#[derive(Clone, Copy, Debug)]
pub struct PartMissing;

impl From<leptos::wasm_split::SplitLoaderError> for PartMissing {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        PartMissing
    }
}

/// `part!(file, fn name(arg: Type, ...) { body })` declares
/// `async fn name(arg: Type, ...) -> Result<AnyView, PartMissing>`, whose
/// body (an expression giving an `AnyView`) goes into the WebAssembly file
/// `file` of the hosted build.
macro_rules! part {
    ($file:ident, $(#[$meta:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        #[cfg(hoplab_split)]
        $(#[$meta])*
        #[leptos::wasm_split::wasm_split($file, wasm_split_path = ::leptos::wasm_split, fallible)]
        fn $name($($arg: $ty),*) -> Result<AnyView, $crate::ui::split::PartMissing> {
            Ok($body)
        }

        #[cfg(not(hoplab_split))]
        $(#[$meta])*
        async fn $name($($arg: $ty),*) -> Result<AnyView, $crate::ui::split::PartMissing> {
            Ok($body)
        }
    };
}
pub(crate) use part;

/// What shows while a part downloads.
pub fn loading() -> AnyView {
    view! { <p role="status" class="part-loading">"Loading…"</p> }.into_any()
}

/// A part's view, or a message saying its file did not download (the
/// learner's world is untouched; opening it again tries again).
pub fn or_message(part: Result<AnyView, PartMissing>) -> AnyView {
    part.unwrap_or_else(|PartMissing| {
        view! {
            <p class="input-error" role="alert">
                "This panel could not be downloaded. Check the connection and open it again."
            </p>
        }
        .into_any()
    })
}
