//! The issuers' portal (/admin): a frame with its own navigation, shown
//! only to staff; everyone else gets the site's "not found".

pub mod account_import;
pub mod audit;
pub mod catalog;
pub mod certificates;
pub mod import;
pub mod keys;
pub mod login;
pub mod overview;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::admin::{staff_me, StaffLogout};
use crate::components::gate::ErrorView;
use crate::domain::staff::{Role, StaffMember};
use crate::error::AppError;
use crate::i18n::*;

/// Renders `children` inside the portal frame for staff; "not found" for
/// anyone else. Pages create their resources before calling this (never
/// inside it), so that their data loads alongside the gate.
#[component]
pub fn StaffGate(children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let me = Resource::new(|| (), |_| staff_me());
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(member)) => view! {
                        <AdminNav member/>
                        {children.read_value()()}
                    }
                    .into_any(),
                    Ok(None) => view! { <ErrorView error=AppError::NotFound/> }.into_any(),
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AdminNav(member: StaffMember) -> impl IntoView {
    let i18n = use_i18n();
    let logout = ServerAction::<StaffLogout>::new();
    let admin = member.role == Role::Admin;
    let role = move || match member.role {
        Role::Admin => t_string!(i18n, admin.role_admin).to_string(),
        Role::Issuer => format!("{} · {}", t_string!(i18n, admin.role_issuer), member.authority),
    };
    view! {
        <nav class="admin-nav" aria-label=move || t_string!(i18n, admin.title) data-testid="admin-nav">
            <ul class="nav-links">
                <li><A href="/admin">{t!(i18n, admin.nav_overview)}</A></li>
                <li><A href="/admin/import">{t!(i18n, admin.nav_import)}</A></li>
                <li><A href="/admin/certificates">{t!(i18n, admin.nav_certificates)}</A></li>
                {admin.then(|| view! {
                    <li><A href="/admin/accounts/import">{t!(i18n, admin.nav_account_import)}</A></li>
                    <li><A href="/admin/audit">{t!(i18n, admin.nav_audit)}</A></li>
                    <li><A href="/admin/catalog">{t!(i18n, admin.nav_catalog)}</A></li>
                    <li><A href="/admin/keys">{t!(i18n, admin.nav_keys)}</A></li>
                })}
                <li><A href="/admin/account">{t!(i18n, admin.nav_account)}</A></li>
            </ul>
            <span class="user-name" data-testid="staff-name">{member.display_name.clone()}" · "{role}</span>
            <ActionForm action=logout>
                <button type="submit" class="link-button" data-testid="staff-logout">{t!(i18n, admin.logout)}</button>
            </ActionForm>
        </nav>
    }
}
