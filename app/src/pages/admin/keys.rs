//! 印章密钥 (administrators): each seal's active and retired keys, P-256
//! (the PDFs) and SM2 (the OFD copies; certificates only), and 更换密钥.

use leptos::prelude::*;

use super::StaffGate;
use crate::api::admin::{seal_keys, RotateSealKey};
use crate::components::gate::ErrorView;
use crate::i18n::*;

#[component]
pub fn KeysPage() -> impl IntoView {
    let i18n = use_i18n();
    let rotate = ServerAction::<RotateSealKey>::new();
    let keys = Resource::new(move || rotate.version().get(), |_| seal_keys());
    view! {
        <StaffGate>
            <section class="card wide" aria-labelledby="keys-title">
                <h1 id="keys-title">{t!(i18n, admin.keys_title)}</h1>
                <p class="lead">{t!(i18n, admin.keys_lead)}</p>
                {move || rotate.value().get().and_then(Result::ok).map(|fp| view! {
                    <div class="notice success" role="status" data-testid="key-rotated">{t!(i18n, admin.rotated)}<span class="mono small">{fp}</span></div>
                })}
                <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                    {move || Suspend::new(async move {
                        match keys.await {
                            Err(error) => view! { <ErrorView error/> }.into_any(),
                            Ok(keys) => view! {
                                <table class="table" data-testid="keys-table">
                                    <thead><tr>
                                        <th>{t!(i18n, admin.seal)}</th><th>{t!(i18n, admin.algorithm)}</th><th>{t!(i18n, admin.state)}</th><th>{t!(i18n, admin.fingerprint)}</th>
                                        <th>{t!(i18n, admin.subject)}</th><th>{t!(i18n, admin.validity)}</th><th></th>
                                    </tr></thead>
                                    <tbody>
                                        {keys.into_iter().map(|k| {
                                            let code = k.seal_code.clone();
                                            view! {
                                                <tr data-testid="key-row" data-seal=k.seal_code.clone() data-active=k.active.to_string() data-algorithm=k.algorithm.clone()>
                                                    <td class="mono">{k.seal_code.clone()}</td>
                                                    <td class="mono">{k.algorithm.clone()}</td>
                                                    <td>{move || if k.active { t_string!(i18n, admin.active) } else { t_string!(i18n, admin.retired) }}</td>
                                                    <td class="mono small" data-testid="key-fingerprint">{k.fingerprint.clone()}</td>
                                                    <td class="small">{k.subject.clone()}</td>
                                                    <td>{format!("{} – {}", k.not_before, k.not_after)}</td>
                                                    // One button per seal: it changes both keys.
                                                    <td>{(k.active && k.algorithm == "P-256").then(|| view! {
                                                        <ActionForm action=rotate>
                                                            <input type="hidden" name="seal_code" value=code.clone()/>
                                                            <button type="submit" class="button" data-testid="key-rotate">{t!(i18n, admin.rotate)}</button>
                                                        </ActionForm>
                                                    })}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }
                            .into_any(),
                        }
                    })}
                </Suspense>
                <p class="hint mono">{t!(i18n, admin.install_hint)}</p>
            </section>
        </StaffGate>
    }
}
