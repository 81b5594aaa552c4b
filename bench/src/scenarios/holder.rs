//! What a holder does, as the WASM client does it: list certificates,
//! apply for an endorsement and poll until the copy is ready.

use std::time::{Duration, Instant};

use crate::http::{Client, Error};

pub async fn certificate_ids(client: &mut Client) -> Result<Vec<i64>, Error> {
    let list = client.call_ok("certificates", &[]).await?;
    Ok(list.as_array().ok_or("certificates: not a list")?.iter().filter_map(|c| c["id"].as_i64()).collect())
}

/// Applies (本人调用, 30 days) and returns the endorsement's id and the
/// time the application took to answer.
pub async fn apply(client: &mut Client, certificate: i64) -> Result<(i64, Duration), Error> {
    apply_with_key(client, certificate, &format!("{:032x}", rand::random::<u128>())).await
}

/// `apply` with the form's idempotency key: the same key again (a retry,
/// e.g. through another instance) answers with the same endorsement.
pub async fn apply_with_key(client: &mut Client, certificate: i64, key: &str) -> Result<(i64, Duration), Error> {
    let certificate = certificate.to_string();
    let form = [("certificate_id", certificate.as_str()), ("scenario", "own_use"), ("days", "30"), ("form_key", key)];
    let sent = Instant::now();
    let view = client.call_ok("apply_endorsement", &form).await?;
    let took = sent.elapsed();
    Ok((view["id"].as_i64().ok_or("apply_endorsement: no id")?, took))
}

/// Submit → ready as the holder sees it: from sending the application to
/// the first poll that finds the copy valid. `poll` sets the resolution,
/// and the load the waiting adds (each poll is a full server-function call).
pub async fn apply_and_wait(client: &mut Client, certificate: i64, poll: Duration) -> Result<(i64, Duration), Error> {
    let sent = Instant::now();
    let (id, _) = apply(client, certificate).await?;
    wait_until_valid(client, certificate, id, poll).await?;
    Ok((id, sent.elapsed()))
}

/// Polls the certificate's endorsements every `poll` until endorsement `id`
/// is valid; an error if it ends otherwise or is not ready within 60 s.
pub async fn wait_until_valid(client: &mut Client, certificate: i64, id: i64, poll: Duration) -> Result<(), Error> {
    let started = Instant::now();
    let certificate = certificate.to_string();
    loop {
        let list = client.call_ok("endorsements", &[("certificate_id", &certificate)]).await?;
        let phase = list
            .as_array()
            .and_then(|l| l.iter().find(|e| e["id"].as_i64() == Some(id)))
            .and_then(|e| e["phase"].as_str().map(str::to_string));
        match phase.as_deref() {
            Some("valid") => return Ok(()),
            Some("generating") => {}
            other => return Err(format!("endorsement {id}: {other:?}").into()),
        }
        if started.elapsed() > Duration::from_secs(60) {
            return Err(format!("endorsement {id} not ready after 60 s").into());
        }
        tokio::time::sleep(poll).await;
    }
}

pub fn username(n: usize) -> String {
    format!("bench{n:06}")
}
