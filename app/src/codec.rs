//! How data crosses from the server to the WASM: postcard, a compact binary serde format, for the
//! server functions' answers (`output = Postcard`) and for the resources' data written into the
//! server-rendered page. Its decoders take a fraction of the WASM code serde_json's do (no field
//! names to match, no text to parse). Both directions must use it: a resource decodes its data
//! from the page with its codec and its refetches with the server function's.
//!
//! Postcard does not describe its data: server and WASM are built together and a new build
//! changes the address of the WASM, so both always share one shape of every type.

use leptos::prelude::*;
use leptos::server::codee::binary::PostcardCodec;
use serde::{Serialize, de::DeserializeOwned};

pub use leptos::server_fn::codec::Postcard;

/// A resource whose data travels as postcard.
pub type Res<T> = Resource<T, PostcardCodec>;

/// `Resource::new`, with postcard for the data in the page.
#[track_caller]
pub fn resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Res<T>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
