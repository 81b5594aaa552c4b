//! 关联账户: a platform sign-in whose ID document already has an account
//! here. The account's password, once, links the two (never silently).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::accounts::take_form_flash;
use crate::api::platform::{platform_link_offer, ConfirmPlatformLink};
use crate::components::fields::{submission_error, FormError, TextField};
use crate::i18n::*;

#[component]
pub fn PlatformLinkPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<ConfirmPlatformLink>::new();
    let offer = Resource::new(|| (), |_| platform_link_offer());
    let flash = Resource::new(|| (), |_| take_form_flash("platform_link".into()));
    view! {
        <section class="card narrow" aria-labelledby="link-title">
            <h1 id="link-title">{t!(i18n, platform_link.title)}</h1>
            <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten();
                    let Some(offer) = offer.await.ok().flatten() else {
                        return view! {
                            <p class="notice" data-testid="link-none">{t!(i18n, platform_link.none)}</p>
                            <p><A href="/login">{t!(i18n, login.title)}</A></p>
                        }
                        .into_any();
                    };
                    let error = submission_error(action.value(), flash.map(|f| f.error));
                    view! {
                        <p class="lead">{t!(i18n, platform_link.lead)}</p>
                        <dl class="facts" data-testid="link-offer">
                            <dt>{t!(i18n, platform_link.account)}</dt><dd class="mono" data-testid="link-username">{offer.username}</dd>
                            <dt>{t!(i18n, platform_link.name)}</dt><dd>{offer.real_name}</dd>
                            <dt>{t!(i18n, platform_link.id_number)}</dt><dd class="mono">{offer.id_number_masked}</dd>
                        </dl>
                        <FormError error/>
                        <ActionForm action>
                            <TextField
                                label=move || t_string!(i18n, platform_link.password)
                                name="password"
                                input_type="password"
                                problem=Signal::stored(None)
                                required=true
                                autocomplete="current-password"
                                maxlength=64
                            />
                            <button type="submit" class="button primary" data-testid="link-submit">
                                {t!(i18n, platform_link.submit)}
                            </button>
                        </ActionForm>
                    }
                    .into_any()
                })}
            </Suspense>
        </section>
    }
}
