//! What an island (a part of a page that runs in the browser) needs from
//! the page around it. Islands hydrate alone, without the contexts of the
//! server-rendered page: each takes the page's locale as a prop.
//!
//! Islands translate with the locale as a plain value (`td!`), not with
//! leptos_i18n's context: that context would bring its cookie and browser
//! language handling into the WASM, and the browser's languages must not
//! override the page's (zh-CN unless the holder chose otherwise).

use leptos::prelude::*;

use crate::i18n::{use_i18n, Locale};

#[derive(Clone, Copy)]
struct PageLocale(Locale);

/// Called first in every island with the locale the page was rendered in.
pub fn provide_locale(locale: Locale) {
    provide_context(PageLocale(locale));
}

/// The page's locale: an island's own, else (server-rendered parts) the
/// page's i18n context. It changes only with a page load (/locale/…).
pub fn page_locale() -> Locale {
    use_context::<PageLocale>().map_or_else(|| use_i18n().get_locale_untracked(), |l| l.0)
}

/// An element the island renders, put there with `node_ref=anchor`: how the
/// island's code finds its place in the page (to say it has hydrated, to
/// stop polling once the islands router has taken it off the page).
pub type Anchor = NodeRef<leptos::html::Div>;

/// Says, once the island runs in the browser, that it does: `data-hydrated`
/// on its `<leptos-island>` and on the body. Each island says it itself: a
/// lazy island (its code a chunk fetched when its page shows) hydrates after
/// the rest, and one the islands router brings in after the page has loaded.
/// The end-to-end tests and the measurements wait for it.
pub fn mark_hydrated(anchor: Anchor) {
    // Effects never run during server rendering.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(element) = anchor.get() {
            if let Ok(Some(island)) = element.closest("leptos-island") {
                let _ = island.set_attribute("data-hydrated", "");
            }
            if let Some(body) = document().body() {
                let _ = body.set_attribute("data-hydrated", "");
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = anchor;
    });
}
