//! Parts of the app that the hosted build (`.ci/dist`) puts in WebAssembly
//! files of their own, downloaded the first time the learner opens them, so
//! the first download holds less than the whole app.
//!
//! A part is a function declared with [`part!`]: it returns what the part
//! gives (a view's constructor, or what it read) and is awaited through
//! [`then`] or [`show`]. Built with `--cfg hoplab_split`, it
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

/// `part!(file, fn name(arg: Type, ...) -> T { body })` declares
/// `async fn name(arg: Type, ...) -> Result<T, PartMissing>`, whose body
/// goes into the WebAssembly file `file` of the hosted build. A part with a
/// view gives its constructor (`fn(..) -> AnyView`), which [`show`] calls.
macro_rules! part {
    ($file:ident, $(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        #[cfg(hoplab_split)]
        $(#[$meta])*
        #[leptos::wasm_split::wasm_split($file, wasm_split_path = ::leptos::wasm_split, fallible)]
        $vis fn $name($($arg: $ty),*) -> Result<$ret, $crate::ui::split::PartMissing> {
            Ok($body)
        }

        #[cfg(not(hoplab_split))]
        $(#[$meta])*
        $vis async fn $name($($arg: $ty),*) -> Result<$ret, $crate::ui::split::PartMissing> {
            Ok($body)
        }
    };
}
pub(crate) use part;

/// Carry on with a part's result: at once when it is ready (every build
/// but the hosted one, and the hosted one once the part's file is in), or
/// when its file has downloaded.
pub fn then<T: 'static>(
    part: impl std::future::Future<Output = Result<T, PartMissing>> + 'static,
    next: impl FnOnce(Result<T, PartMissing>) + 'static,
) {
    use std::task::{Context, Poll, Waker};
    let mut part = Box::pin(part);
    match part.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(got) => next(got),
        Poll::Pending => leptos::task::spawn_local(async move { next(part.await) }),
    }
}

/// Two parts fetched at once (one round trip instead of two in a row):
/// both results, or the first that could not be downloaded.
pub async fn both<A, B>(
    a: impl std::future::Future<Output = Result<A, PartMissing>>,
    b: impl std::future::Future<Output = Result<B, PartMissing>>,
) -> Result<(A, B), PartMissing> {
    use std::task::Poll;
    let (mut a, mut b) = (Box::pin(a), Box::pin(b));
    let (mut got_a, mut got_b) = (None, None);
    std::future::poll_fn(move |cx| {
        if got_a.is_none() {
            if let Poll::Ready(r) = a.as_mut().poll(cx) {
                got_a = Some(r);
            }
        }
        if got_b.is_none() {
            if let Poll::Ready(r) = b.as_mut().poll(cx) {
                got_b = Some(r);
            }
        }
        match (got_a.take(), got_b.take()) {
            (Some(ra), Some(rb)) => Poll::Ready(ra.and_then(|x| rb.map(|y| (x, y)))),
            (ra, rb) => {
                (got_a, got_b) = (ra, rb);
                Poll::Pending
            }
        }
    })
    .await
}

/// A part's `Result<T, String>`, with a part that could not be downloaded
/// as one more error.
pub fn flat<T>(got: Result<Result<T, String>, PartMissing>) -> Result<T, String> {
    got.unwrap_or_else(|PartMissing| {
        Err("a part of Hoplab could not be downloaded: check the connection and try again".into())
    })
}

/// A part's view: "Loading…" until the part is in, then `view` of what
/// the part gave (a constructor: the part's components run here, in a
/// reactive closure of the page, not inside the download), or a message
/// saying its file did not download (the learner's world is untouched;
/// opening it again tries again).
pub fn show<F: Copy + Send + Sync + 'static>(
    part: impl std::future::Future<Output = Result<F, PartMissing>> + 'static,
    view: impl Fn(F) -> AnyView + Send + Sync + 'static,
) -> AnyView {
    let got = RwSignal::new(None::<Result<F, PartMissing>>);
    // A panel closed before its part came in is gone: nothing to set.
    then(part, move |r| {
        let _ = got.try_set(Some(r));
    });
    (move || match got.get() {
        None => view! { <p role="status" class="part-loading">"Loading…"</p> }.into_any(),
        Some(Ok(make)) => view(make),
        Some(Err(PartMissing)) => view! {
            <p class="input-error" role="alert">
                "This panel could not be downloaded. Check the connection and open it again."
            </p>
        }
        .into_any(),
    })
    .into_any()
}
