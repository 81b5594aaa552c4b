//! The client's size: the release WASM and its JS glue, gzip -9, as a
//! browser downloads them (target/site/pkg, built by cargo leptos build --release).

use std::io::Write;

use crate::http::Error;
use crate::report::Report;

pub fn gzip_len(bytes: &[u8]) -> Result<usize, Error> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len())
}

/// (raw, gzip) bytes of every .wasm and .js file in `dir`.
pub fn measure(dir: &std::path::Path) -> Result<(usize, usize), Error> {
    let (mut raw, mut gzip) = (0, 0);
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if matches!(path.extension().and_then(|e| e.to_str()), Some("wasm" | "js")) {
            let bytes = std::fs::read(&path)?;
            raw += bytes.len();
            gzip += gzip_len(&bytes)?;
        }
    }
    if raw == 0 {
        return Err(format!("no .wasm or .js in {}: build with cargo leptos build --release", dir.display()).into());
    }
    Ok((raw, gzip))
}

/// The figures before the wire budgets, kept for comparison: what the
/// files weigh raw and at gzip -9. What a browser receives (brotli 11 from
/// the precompressed copies) is measured by `wire` and has the budget.
pub fn run(report: &mut Report) -> Result<(), Error> {
    let (raw, gzip) = measure(std::path::Path::new("target/site/pkg"))?;
    report.note(
        "Client files (release WASM + JS glue): raw and gzip -9, for comparison",
        format!("{:.0} KB gzip -9 ({:.0} KB raw); the budget is on the wire (quickstart)", gzip as f64 / 1024.0, raw as f64 / 1024.0),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn gzip_shrinks_repetition() {
        let bytes = vec![b'a'; 100_000];
        assert!(super::gzip_len(&bytes).unwrap() < 1_000);
    }
}
