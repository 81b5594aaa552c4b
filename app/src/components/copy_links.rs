//! 查看 / 下载 / 下载 OFD / 电子凭证: the ways to take a valid endorsed copy, the same
//! on the download page's row and on the copy's detail page.

use leptos::prelude::*;

use crate::components::island::page_locale;
use crate::i18n::*;

/// `small` for a table row, full-size buttons on the detail page.
#[component]
pub fn CopyLinks(endorsement_id: i64, #[prop(optional)] small: bool) -> impl IntoView {
    let locale = page_locale();
    let class = |extra: &str| format!("button{}{extra}", if small { " small" } else { "" });
    let file = move |download: bool| format!("/api/endorsement_file?id={endorsement_id}&download={download}");
    view! {
        <a class=class("") href=file(false) target="_blank" rel="noopener" data-testid="endorsement-view">
            {td!(locale, download.view)}
        </a>
        <a class=class(" primary") href=file(true) download data-testid="endorsement-download">
            {td!(locale, download.download)}
        </a>
        <a class=class("") href=format!("/api/endorsement_ofd?id={endorsement_id}") download
            title=move || td_string!(locale, download.ofd_hint) data-testid="endorsement-ofd">
            {td!(locale, download.ofd)}
        </a>
        <a class=class("") href=format!("/api/endorsement_credential?id={endorsement_id}") download
            title=move || td_string!(locale, download.credential_hint) data-testid="endorsement-credential">
            {td!(locale, download.credential)}
        </a>
    }
}
