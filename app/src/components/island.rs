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
