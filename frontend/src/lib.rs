//! Hydrates the server-rendered cabinet in the browser.
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
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-wasm", "started");
    }
    leptos::mount::hydrate_body(app::App);
}
