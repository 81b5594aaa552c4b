//! The WASM entry point: hydrates the page's islands, the parts that run in
//! the browser (the rest of every page is plain server-rendered HTML).

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    app::mark_hydrated();
}
