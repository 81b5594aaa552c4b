//! Loading 100,000 certificates from a CSV file into a fresh SQLite
//! database, as `server import` does it: parse, check every row (ID check
//! digits, the font, the catalog), compare with the database, write in one
//! transaction. `cargo bench -p app --features ssr --bench import`;
//! figures in docs/performance.md.

use std::path::Path;
use std::time::Instant;

use app::document::{Typeface, DEFAULT_FONT_INDEX, DEFAULT_FONT_PATH};
use app::service::import::{run, sample, Format, Request};
use app::store::Store;

const ROWS: usize = 100_000;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let typeface = Typeface::load(Path::new(DEFAULT_FONT_PATH), DEFAULT_FONT_INDEX).unwrap();
        let file = sample::csv(0, ROWS);
        println!("file: {ROWS} rows, {:.1} MB", file.len() as f64 / 1e6);
        for round in 1..=3 {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::connect(&format!("sqlite://{}", dir.path().join("bench.db").display())).await.unwrap();
            store.migrate().await.unwrap();
            store.seed_catalog().await.unwrap();
            let request =
                Request { seal_id: None, commit: true, actor: "bench", staff_id: None, source: "cli", file_name: None };
            let started = Instant::now();
            let report = run(&store, &typeface, file.as_bytes(), Format::Csv, &request, None).await.unwrap();
            let loaded = started.elapsed();
            assert_eq!((report.new, report.errors.len()), (ROWS, 0));
            let started = Instant::now();
            let again = run(&store, &typeface, file.as_bytes(), Format::Csv, &request, None).await.unwrap();
            let noop = started.elapsed();
            assert_eq!((again.new, again.already_loaded), (0, ROWS));
            println!(
                "round {round}: load {:.2} s ({:.0} rows/s); the same file again (no-op) {:.2} s",
                loaded.as_secs_f64(),
                ROWS as f64 / loaded.as_secs_f64(),
                noop.as_secs_f64()
            );
        }
    });
}
