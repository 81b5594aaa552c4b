//! 证书下载 (the certificate list) rendered on the server for a signed-in
//! holder with 10 certificates, and the page's paint and hydration times
//! in Chromium (end2end/perf/paint.mjs, Playwright).

use std::{sync::Arc, time::Duration};

use crate::http::{Client, Error};
use crate::load;
use crate::report::Report;
use crate::server::Server;

pub async fn ssr(server: &Server, holder: &Client, report: &mut Report, seconds: u64) -> Result<(), Error> {
    let ok = Arc::new(|r: &crate::http::Reply| {
        r.status == 200 && memfind(&r.body, b"data-testid=\"certificate-row\"") >= 10
    });
    let result =
        load::get(server.addr, holder.cookie.clone(), "/certificates".into(), 32, Duration::from_secs(seconds), ok)
            .await;
    let rps = result.per_second();
    report.add(
        "SSR of the certificate list (10 certificates), 32 connections",
        "≥ 2,000 req/s",
        format!("{rps:.0} req/s ({})", result.summary()),
        rps >= 2000.0 && result.errors == 0,
    );
    Ok(())
}

/// How many times `needle` occurs in `hay`.
fn memfind(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

pub async fn paint(server: &Server, holder: &Client, report: &mut Report, runs: usize) -> Result<(), Error> {
    let cookie = holder.cookie.clone().ok_or("no session cookie")?;
    let value = cookie.trim_start_matches("ecert_session=");
    let out = tokio::process::Command::new("node")
        .current_dir("end2end")
        .args(["perf/paint.mjs", &format!("http://{}", server.addr), value, &runs.to_string()])
        .output()
        .await?;
    if !out.status.success() {
        return Err(format!("paint.mjs: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let result: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let number = |key: &str| result[key].as_f64().unwrap_or(f64::NAN);
    let (fcp, hydrated) = (number("fcp_ms_max"), number("hydrated_ms_max"));
    report.add(
        "First contentful paint, /certificates",
        "≤ 300 ms",
        format!("worst {fcp:.0} ms of {runs} cold loads (median {:.0} ms)", number("fcp_ms_median")),
        fcp <= 300.0,
    );
    report.add(
        "Hydrated, /certificates",
        "≤ 1 s",
        format!("worst {hydrated:.0} ms of {runs} cold loads (median {:.0} ms)", number("hydrated_ms_median")),
        hydrated <= 1000.0,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_occurrences() {
        assert_eq!(super::memfind(b"abcabca", b"a"), 3);
        assert_eq!(super::memfind(b"abc", b"abcd"), 0);
    }
}
