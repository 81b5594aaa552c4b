//! The WASM entry point: starts the islands runtime; Leptos' script then
//! hydrates the page's islands, the parts that run in the browser (the rest
//! of every page is plain server-rendered HTML). Each island marks itself
//! hydrated (`components::island::mark_hydrated`).

// The islands' hydration functions are exported from `app`; nothing here
// calls into it, so this is what links it into the WASM.
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
