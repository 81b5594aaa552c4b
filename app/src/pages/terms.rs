//! 服务须知: nothing else is reachable until the holder agrees.

use leptos::prelude::*;

use crate::api::accounts::Logout;
use crate::api::terms::{current_terms, AcceptTerms};
use crate::components::gate::ErrorView;
use crate::i18n::*;

#[component]
pub fn TermsPage() -> impl IntoView {
    let i18n = use_i18n();
    let terms = Resource::new(|| (), |_| current_terms());
    let accept = ServerAction::<AcceptTerms>::new();
    let decline = ServerAction::<Logout>::new();

    view! {
        <section class="card" aria-labelledby="terms-title">
            <h1 id="terms-title">{t!(i18n, terms.title)}</h1>
            <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match terms.await {
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                        Ok(terms) => {
                            let body = move || match i18n.get_locale() {
                                Locale::en => terms.body_en.clone(),
                                _ => terms.body_zh.clone(),
                            };
                            let version = terms.version.clone();
                            view! {
                                <p class="lead">{t!(i18n, terms.lead)}</p>
                                <p class="meta">{t!(i18n, terms.version)}": "{version.clone()}</p>
                                <div class="terms-text" tabindex="0" data-testid="terms-text">
                                    {move || body().split("\n\n").map(|p| view! { <p>{p.trim().to_string()}</p> }).collect_view()}
                                </div>
                                <div class="actions">
                                    <ActionForm action=accept>
                                        <input type="hidden" name="version" value=version/>
                                        <button type="submit" class="button primary" data-testid="terms-agree">{t!(i18n, terms.agree)}</button>
                                    </ActionForm>
                                    <ActionForm action=decline>
                                        <button type="submit" class="button" data-testid="terms-decline">{t!(i18n, terms.decline)}</button>
                                    </ActionForm>
                                </div>
                            }
                            .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
