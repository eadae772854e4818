//! Hydrates the server-rendered cabinet in the browser. Pages are lazy routes whose code comes in
//! WASM chunks per section (`app::sections`), so hydration is asynchronous: it waits for the current
//! page's chunk, then marks `<body data-hydrated>` (the browser tests, and anyone curious, wait for
//! that).
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // A panic is logged to the console as before, and its message is also left on <body> as
    // `data-panic`, so a page that stops short of hydrating says why to whoever inspects it
    // (the browser tests print it when a page never becomes `data-hydrated`).
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if let Some(body) = leptos::prelude::document().body() {
            let _ = body.set_attribute("data-panic", &info.to_string());
        }
    }));
    let Some(body) = leptos::prelude::document().body() else {
        return;
    };
    let _ = body.set_attribute("data-wasm", "started");
    // hydrate_from_async starts Leptos' executor itself; this future only waits for it.
    wasm_bindgen_futures::spawn_local(async move {
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
