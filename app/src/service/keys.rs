//! 更换密钥 and installing an operator's own key: one path for the portal's
//! button (`api::admin::rotate_seal_key`) and `server keys rotate|install`
//! (`server::admin_cli`): find the seal, change its key under the key
//! directory (docs/pdf.md), and record it (`seal_key_changed`).

use std::path::{Path, PathBuf};

use crate::error::{internal, AppError};
use crate::signing::{rotation, KeyRing, SigningError};
use crate::state::AppState;
use crate::store::{AuditEntry, AuditEvent, Store, StoreError};

/// One key change (rotation, new seal) at a time in this server: files,
/// reload and swap happen together, so it never signs with a key just retired.
static KEY_CHANGES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A new key from the CA in `keys_dir/ca` (with the SM2 key, from the SM2
/// CA), or the operator's own P-256 or SM2 key.
#[derive(Debug, Clone, Copy)]
pub enum KeyChange<'a> {
    Rotate,
    Install { key: &'a Path, chain: &'a Path },
    InstallSm2 { key: &'a Path, chain: &'a Path },
}

impl KeyChange<'_> {
    /// How the audit entry's detail names the change.
    fn label(&self) -> &'static str {
        match self {
            KeyChange::Rotate => "rotated",
            KeyChange::Install { .. } => "installed",
            KeyChange::InstallSm2 { .. } => "installed the SM2 key",
        }
    }
}

/// A [`KeyChange`] that owns its paths, to move onto a blocking thread.
enum OwnedKeyChange {
    Rotate,
    Install { key: PathBuf, chain: PathBuf },
    InstallSm2 { key: PathBuf, chain: PathBuf },
}

impl From<KeyChange<'_>> for OwnedKeyChange {
    fn from(change: KeyChange<'_>) -> Self {
        match change {
            KeyChange::Rotate => OwnedKeyChange::Rotate,
            KeyChange::Install { key, chain } => OwnedKeyChange::Install { key: key.into(), chain: chain.into() },
            KeyChange::InstallSm2 { key, chain } => OwnedKeyChange::InstallSm2 { key: key.into(), chain: chain.into() },
        }
    }
}

impl OwnedKeyChange {
    /// Writes the new key files: the P-256 certificate's fingerprint, and the
    /// SM2 one's where a rotation also made an SM2 key.
    fn apply(self, dir: &Path, code: &str, name: &str) -> Result<(String, Option<String>), SigningError> {
        match self {
            OwnedKeyChange::Rotate => {
                let fingerprint = rotation::rotate(dir, code, name)?;
                // The OFD copies' SM2 key with it, where this server holds the SM2 CA.
                let sm2_ca = dir.join("sm2").join("ca").join("root.key.pem");
                let sm2 = if sm2_ca.exists() { Some(crate::signing::sm2::rotate(dir, code, name)?) } else { None };
                Ok((fingerprint, sm2))
            }
            OwnedKeyChange::Install { key, chain } => Ok((rotation::install(dir, code, &key, &chain)?, None)),
            OwnedKeyChange::InstallSm2 { key, chain } => Ok((crate::signing::sm2::install(dir, code, &key, &chain)?, None)),
        }
    }
}

/// Who made the change, for the audit entry.
#[derive(Debug, Clone, Copy, Default)]
pub struct Actor<'a> {
    pub staff_id: Option<i64>,
    pub client_addr: Option<&'a str>,
    /// Said in the entry's detail, e.g. " on the command line".
    pub via: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyChangeError {
    #[error("no seal with code {0:?}")]
    NoSuchSeal(String),
    #[error(transparent)]
    Signing(#[from] SigningError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the key change stopped: {0}")]
    Task(String),
}

/// Changes `seal_code`'s key and audits it; the new certificate's fingerprint.
pub async fn change_seal_key(
    store: &Store,
    keys_dir: &Path,
    seal_code: &str,
    change: KeyChange<'_>,
    actor: Actor<'_>,
) -> Result<String, KeyChangeError> {
    let seals = store.seal_names().await?;
    let name = seals
        .iter()
        .find(|(code, _)| code == seal_code)
        .map(|(_, name)| name.clone())
        .ok_or_else(|| KeyChangeError::NoSuchSeal(seal_code.to_string()))?;
    let installed = change.label();
    // Key generation and file writes: off the async threads.
    let (dir, code, owned) = (keys_dir.to_path_buf(), seal_code.to_string(), OwnedKeyChange::from(change));
    let (fingerprint, sm2) = tokio::task::spawn_blocking(move || owned.apply(&dir, &code, &name))
        .await
        .map_err(|e| KeyChangeError::Task(e.to_string()))??;
    let sm2 = sm2.map(|f| format!("; new SM2 certificate {f}")).unwrap_or_default();
    let detail = format!("{installed}{}; new certificate {fingerprint}{sm2}", actor.via);
    let entry = AuditEntry {
        staff_id: actor.staff_id,
        subject: Some(seal_code),
        client_addr: actor.client_addr,
        detail: Some(&detail),
        ..Default::default()
    };
    store.audit(AuditEvent::SealKeyChanged, entry).await?;
    Ok(fingerprint)
}

/// 印章密钥: every seal's active and retired keys.
pub async fn list(state: &AppState) -> Result<Vec<crate::domain::staff::SealKeyInfo>, AppError> {
    list_in(&state.store, &state.settings.keys_dir).await.map_err(internal("key list"))
}

/// Every seal's active and retired keys under `keys_dir` (`server keys list`).
pub async fn list_in(store: &Store, keys_dir: &Path) -> Result<Vec<crate::domain::staff::SealKeyInfo>, KeyChangeError> {
    let seals = store.seal_names().await?;
    let codes: Vec<&str> = seals.iter().map(|(code, _)| code.as_str()).collect();
    Ok(rotation::list(keys_dir, &codes)?)
}

/// 更换密钥 on the portal: a new key and certificate for the seal from the
/// CA in the key directory, which this server signs with from now on (the
/// old one is retired: copies it signed keep verifying). The fingerprint.
pub async fn rotate_and_switch(state: &AppState, seal_code: &str, actor: Actor<'_>) -> Result<String, AppError> {
    let _one_at_a_time = KEY_CHANGES.lock().await;
    let fingerprint = change_seal_key(&state.store, &state.settings.keys_dir, seal_code, KeyChange::Rotate, actor)
        .await
        .map_err(|e| match e {
            KeyChangeError::NoSuchSeal(_) => AppError::NotFound,
            other => internal("key rotation")(other),
        })?;
    let ring = load_ring(state).await.map_err(internal("key reload"))?;
    state.generator.replace_keys(ring);
    let sm2 = load_sm2_ring(state).await.map_err(internal("SM2 key reload"))?;
    state.generator.replace_sm2_keys(sm2);
    Ok(fingerprint)
}

/// After a seal is added: its key, issued now by the CA in the key
/// directory if there is one. The portal never creates a CA: without one,
/// or if the key cannot be made, the operator installs the seal's key
/// (`server keys install`), as the warning says.
pub async fn issue_for_new_seal(state: &AppState, seal_code: &str) -> Result<(), AppError> {
    if !state.settings.keys_dir.join("ca").join("root.key.pem").exists() {
        tracing::warn!(seal = seal_code, "no CA key to issue the seal's key with: install one (server keys install)");
        return Ok(());
    }
    let _one_at_a_time = KEY_CHANGES.lock().await;
    match load_ring(state).await {
        Ok(ring) => state.generator.replace_keys(ring),
        Err(e) => tracing::warn!(error = %e, seal = seal_code, "the seal has no key yet: install one (server keys install)"),
    }
    // Its SM2 key for the OFD copies, from the SM2 root.
    match load_sm2_ring(state).await {
        Ok(ring) => state.generator.replace_sm2_keys(ring),
        Err(e) => tracing::warn!(error = %e, seal = seal_code, "the seal has no SM2 key yet"),
    }
    Ok(())
}

/// Every seal's SM2 key from `<keys_dir>/sm2`, made where one is missing.
async fn load_sm2_ring(state: &AppState) -> Result<crate::signing::sm2::Sm2KeyRing, KeyChangeError> {
    let seals = state.store.seal_names().await?;
    let dir = state.settings.keys_dir.clone();
    Ok(tokio::task::spawn_blocking(move || crate::signing::sm2::Sm2KeyRing::load_or_create(&dir, &seals))
        .await
        .map_err(|e| KeyChangeError::Task(e.to_string()))??)
}

/// Every seal's key from the key directory, made where one is missing.
async fn load_ring(state: &AppState) -> Result<KeyRing, KeyChangeError> {
    let seals = state.store.seal_names().await?;
    let dir = state.settings.keys_dir.clone();
    Ok(tokio::task::spawn_blocking(move || KeyRing::load_or_create(&dir, &seals))
        .await
        .map_err(|e| KeyChangeError::Task(e.to_string()))??)
}
