//! Hydrates the server-rendered cabinet in the browser. Pages are lazy routes (their own WASM
//! chunks), so hydration is asynchronous: it waits for the current page's chunk, then marks the
//! body `data-hydrated` (the browser tests, and anyone curious, wait for that).
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // hydrate_from_async starts Leptos' executor itself; this future only waits for it.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
