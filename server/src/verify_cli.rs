//! `server verify FILE.pdf`: the upload check, offline — the same verifier
//! and trust anchors (`<data_dir>/keys`) as the server, and the record the
//! file was issued for, read from the database (read-only). Not logged.

use std::path::Path;

use app::service::verification::examine_file;
use app::domain::verification::{Outcome, Verdict};
use app::signing::KeyRing;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Prints the verdict (text, or JSON with `json`); `Ok(true)` when the file verifies.
pub async fn run(settings: &app::config::Settings, file: &Path, json: bool) -> Result<bool, BoxError> {
    let pdf = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let anchors = KeyRing::read_trust_anchors(&settings.keys_dir)
        .map_err(|e| format!("cannot read the trust anchors in {}: {e}", settings.keys_dir.display()))?;
    if anchors.is_empty() {
        return Err(
            format!("no trust anchors in {} (ca/*.crt.pem, seals/*.chain.pem)", settings.keys_dir.display()).into()
        );
    }
    let ofd = app::signing::sm2::Sm2KeyRing::read_trust_anchors(&settings.keys_dir)
        .map_err(|e| format!("cannot read the SM2 trust anchors in {}/sm2: {e}", settings.keys_dir.display()))?;
    let anchors = app::service::verification::Anchors { pdf: anchors, ofd };
    let store = app::service::setup::open_read_only(&settings.database_url)
        .await
        .map_err(|e| format!("cannot open the database {} read-only: {e}", settings.database_url))?;
    let verdict = examine_file(&store, anchors, pdf).await?.verdict;
    if json {
        println!("{}", serde_json::to_string_pretty(&verdict)?);
    } else {
        print!("{}", describe(&verdict));
    }
    Ok(verdict.outcome == Outcome::Valid)
}

/// The verdict as lines of text (English; the web page is localised).
pub fn describe(v: &Verdict) -> String {
    let mut out = format!("outcome: {}\nchecked at: {} (Asia/Shanghai)\n", v.outcome.code(), v.checked_at);
    let yes = |b: bool| if b { "yes" } else { "no" };
    if let Some(f) = &v.file {
        out += &format!("signed: {}\nsignature valid: {}\n", yes(f.signed), yes(f.signature_valid));
        out += &format!("covers the whole file: {}\ntrusted: {}\n", yes(f.covers_whole_document), yes(f.trusted));
        out += &format!("matches our record: {}\n", yes(f.matches_record));
        if let Some(s) = &f.signer {
            out += &format!("signer: {s}\n");
        }
        if let Some(s) = &f.signer_fingerprint {
            out += &format!("signer certificate SHA-256: {s}\n");
        }
        if let Some(s) = &f.signed_at {
            out += &format!("signed at: {s} (Asia/Shanghai)\n");
        }
        if let Some(p) = f.problem {
            out += &format!("problem: {}\n", p.code());
        }
    }
    if let Some(c) = &v.certificate {
        out += &format!(
            "certificate: {} {} ({}), {} {}, issued {}, {}\n",
            c.certificate_number,
            c.qualification.zh,
            c.qualification.en,
            c.holder_name,
            c.id_number_masked,
            c.issued_on,
            c.status.code()
        );
        if let Some(d) = c.revoked_on {
            out += &format!("revoked on: {d}\n");
        }
    }
    if let Some(e) = &v.endorsement {
        out += &format!(
            "endorsement: {} ({}), valid {} to {}, {}\n",
            e.number,
            e.scenario.zh,
            e.valid_from,
            e.valid_until,
            e.standing.code()
        );
    }
    out
}
