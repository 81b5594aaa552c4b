//! 更换密钥 and installing an operator's own key: one path for the portal's
//! button (`api::admin::rotate_seal_key`) and `server keys rotate|install`
//! (`server::admin_cli`): find the seal, change its key under the key
//! directory (docs/pdf.md), and record it (`seal_key_changed`).

use std::path::{Path, PathBuf};

use crate::signing::{rotation, SigningError};
use crate::store::{AuditEntry, AuditEvent, Store, StoreError};

/// A new key from the CA in `keys_dir/ca`, or the operator's own.
#[derive(Debug, Clone, Copy)]
pub enum KeyChange<'a> {
    Rotate,
    Install { key: &'a Path, chain: &'a Path },
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
    // Key generation and file writes: off the async threads.
    let (dir, code) = (keys_dir.to_path_buf(), seal_code.to_string());
    let files: Option<(PathBuf, PathBuf)> = match change {
        KeyChange::Rotate => None,
        KeyChange::Install { key, chain } => Some((key.to_path_buf(), chain.to_path_buf())),
    };
    let installed = files.is_some();
    let fingerprint = tokio::task::spawn_blocking(move || match files {
        None => rotation::rotate(&dir, &code, &name),
        Some((key, chain)) => rotation::install(&dir, &code, &key, &chain),
    })
    .await
    .map_err(|e| KeyChangeError::Task(e.to_string()))??;
    let detail = format!(
        "{}{}; new certificate {fingerprint}",
        if installed { "installed" } else { "rotated" },
        actor.via
    );
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
