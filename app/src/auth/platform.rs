//! 使用报名服务平台账号登录: the authorization-code flow with PKCE, state and
//! nonce against the exam-registration platform's OpenID Provider, with the
//! `openidconnect` crate (docs/accounts.md). This module speaks OpenID
//! Connect only: it starts a sign-in and turns a callback into the
//! platform's verified identity, or a refusal with its reason. Who that
//! identity signs in as is `api::platform`'s business.

use std::time::{Duration, Instant};

use openidconnect::core::{CoreClient, CoreGenderClaim, CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    reqwest, AdditionalClaims, AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};

use crate::config::PlatformSettings;
use crate::domain::calendar::Ymd;
use crate::domain::id_document::{normalize_id_number, IdType};
use crate::domain::import::parse_id_type;

/// The client as discovery configures it: authorization and token
/// endpoints, userinfo if the provider has one.
type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// Discovery (and the provider's keys) is read again after this long, so
/// that a key rotation at the platform is picked up.
const METADATA_TTL: Duration = Duration::from_secs(600);
/// Each call to the platform: an unreachable platform must not hold a
/// holder's request (or a server thread) for long.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// What the session keeps between the start and the callback; never sent
/// to the browser.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub started_at: i64,
}

/// A person as the platform vouches for them, checked by our rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformIdentity {
    pub issuer: String,
    pub subject: String,
    pub real_name: String,
    pub id_type: IdType,
    pub id_number: String,
}

/// Why a callback is refused; the code is the audit detail and the
/// `?platform=` of the sign-in page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The platform said no (the person cancelled, or an error).
    Denied,
    /// No sign-in was started in this browser, or it was already finished
    /// (a replayed callback), or it took longer than the timeout.
    Expired,
    /// The state, the issuer, the code, the ID token or its nonce is wrong.
    Invalid,
    /// The platform could not be reached.
    Unavailable,
    /// The identity lacks a usable ID document or name.
    Identity,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Denied => "denied",
            Refusal::Expired => "expired",
            Refusal::Invalid => "invalid",
            Refusal::Unavailable => "unavailable",
            Refusal::Identity => "identity",
        }
    }
}

/// Every claim, for the configurable ones (ID type, number, name).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct AllClaims {
    #[serde(flatten)]
    claims: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for AllClaims {}

pub struct Platform {
    settings: PlatformSettings,
    redirect: RedirectUrl,
    http: reqwest::Client,
    metadata: tokio::sync::Mutex<Option<(CoreProviderMetadata, Instant)>>,
}

impl Platform {
    /// `None` when no platform is configured.
    pub fn new(settings: &PlatformSettings, public_base_url: &str) -> Result<Option<Platform>, String> {
        if !settings.enabled() {
            return Ok(None);
        }
        IssuerUrl::new(settings.issuer.clone()).map_err(|e| format!("[ecert.platform] issuer: {e}"))?;
        let redirect = RedirectUrl::new(format!("{public_base_url}/api/platform_callback"))
            .map_err(|e| format!("public_base_url: {e}"))?;
        // No redirects: a token or userinfo request must not be sent on elsewhere.
        let http = reqwest::ClientBuilder::new()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Some(Platform { settings: settings.clone(), redirect, http, metadata: Default::default() }))
    }

    /// Whether a sign-in started at `started_at` took too long.
    pub fn expired(&self, started_at: i64, now: i64) -> bool {
        now - started_at > self.settings.login_timeout_seconds
    }

    async fn client(&self) -> Result<Client, Refusal> {
        let mut cached = self.metadata.lock().await;
        let fresh = cached.as_ref().is_some_and(|(_, at)| at.elapsed() < METADATA_TTL);
        if !fresh {
            let issuer = IssuerUrl::new(self.settings.issuer.clone()).map_err(|_| Refusal::Unavailable)?;
            let metadata = CoreProviderMetadata::discover_async(issuer, &self.http).await.map_err(|e| {
                tracing::warn!(error = %e, "platform discovery");
                Refusal::Unavailable
            })?;
            *cached = Some((metadata, Instant::now()));
        }
        let metadata = cached.as_ref().expect("set above").0.clone();
        let secret = (!self.settings.client_secret.is_empty()).then(|| ClientSecret::new(self.settings.client_secret.clone()));
        Ok(CoreClient::from_provider_metadata(metadata, ClientId::new(self.settings.client_id.clone()), secret)
            .set_redirect_uri(self.redirect.clone()))
    }

    /// The platform's sign-in address, and what to keep until the callback.
    pub async fn start(&self, now: i64) -> Result<(String, PendingLogin), Refusal> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(AuthenticationFlow::<CoreResponseType>::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .set_pkce_challenge(challenge);
        for scope in &self.settings.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        let pending = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            started_at: now,
        };
        Ok((url.to_string(), pending))
    }

    /// Checks a callback against the sign-in this browser started: the
    /// state, the `iss` parameter (RFC 9207, when sent), the code at the
    /// token endpoint with the PKCE verifier, the ID token's signature,
    /// issuer, audience, expiry and nonce (the crate), then the claims.
    pub async fn finish(
        &self,
        pending: Option<PendingLogin>,
        callback: &Callback,
        now: i64,
        today: Ymd,
    ) -> Result<PlatformIdentity, Refusal> {
        if callback.error.is_some() {
            return Err(Refusal::Denied);
        }
        let pending = pending.ok_or(Refusal::Expired)?;
        if self.expired(pending.started_at, now) {
            return Err(Refusal::Expired);
        }
        let (Some(code), Some(state)) = (&callback.code, &callback.state) else { return Err(Refusal::Invalid) };
        if *state != pending.state {
            return Err(Refusal::Invalid);
        }
        if callback.iss.as_deref().is_some_and(|iss| iss != self.settings.issuer) {
            return Err(Refusal::Invalid);
        }
        let client = self.client().await?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.clone()))
            .map_err(|_| Refusal::Unavailable)?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "platform token request refused");
                Refusal::Invalid
            })?;
        let id_token = token.id_token().ok_or(Refusal::Invalid)?;
        let claims = id_token.claims(&client.id_token_verifier(), &Nonce::new(pending.nonce)).map_err(|e| {
            tracing::warn!(error = %e, "platform ID token refused");
            Refusal::Invalid
        })?;
        let subject = claims.subject().clone();
        // The claims: the ID token's own (verified above), then userinfo's
        // (the crate checks its `sub` is the ID token's).
        let mut all = id_token_payload(&id_token.to_string());
        if let Ok(request) = client.user_info(token.access_token().clone(), Some(subject.clone())) {
            let info: UserInfoClaims<AllClaims, CoreGenderClaim> = request.request_async(&self.http).await.map_err(|e| {
                tracing::warn!(error = %e, "platform userinfo");
                Refusal::Invalid
            })?;
            for (name, value) in &info.additional_claims().claims {
                all.entry(name.clone()).or_insert_with(|| value.clone());
            }
            if let Some(name) = info.name().and_then(|n| n.get(None)) {
                all.entry("name".to_string()).or_insert_with(|| serde_json::Value::String(name.to_string()));
            }
        }
        let text = |claim: &str| all.get(claim).and_then(|v| v.as_str()).map(str::trim).unwrap_or_default().to_string();
        let id_type = if self.settings.id_type_claim.is_empty() {
            Some(IdType::ResidentId)
        } else {
            parse_id_type(&text(&self.settings.id_type_claim))
        };
        let id_type = id_type.ok_or(Refusal::Identity)?;
        let id_number =
            normalize_id_number(id_type, &text(&self.settings.id_number_claim), today).map_err(|_| Refusal::Identity)?;
        let real_name = text(&self.settings.name_claim);
        crate::domain::account::check_real_name(&real_name).map_err(|_| Refusal::Identity)?;
        Ok(PlatformIdentity { issuer: self.settings.issuer.clone(), subject: subject.to_string(), real_name, id_type, id_number })
    }
}

/// The query of the platform's redirect back to us.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub iss: Option<String>,
    pub error: Option<String>,
}

/// The claims of a JWS already verified by the crate (its payload, read
/// for the claims the crate's types do not name).
fn id_token_payload(jwt: &str) -> serde_json::Map<String, serde_json::Value> {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    jwt.split('.')
        .nth(1)
        .and_then(|payload| URL_SAFE_NO_PAD.decode(payload).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}
