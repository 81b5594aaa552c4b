//! Loading 1,000,000 certificates with `server import` (CSV, every row
//! checked as the portal checks it), and 100,000 exam-platform accounts
//! with `server accounts import` (hashes checked for format and cost, not
//! verified: that happens at each account's first sign-in).

use std::{io::Write, time::Duration};

use crate::http::Error;
use crate::report::Report;
use crate::server::Server;

/// GB 11643 check character of the first 17 digits.
fn check_digit(first17: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

/// A distinct valid resident ID for each n < 16,800,000 (born 1970–2019).
pub fn id_number(n: usize) -> String {
    let day = n % 336;
    let (month, day) = (1 + day / 28, 1 + day % 28);
    let year = 1970 + n / 336 % 50;
    let first17 = format!("110105{year:04}{month:02}{day:02}{:03}", n / (336 * 50) % 1000);
    let digit = check_digit(&first17);
    format!("{first17}{digit}")
}

/// Rows of one file at most (the import's own limit, `MAX_ROWS`).
const FILE_ROWS: usize = 200_000;

fn write_csv(path: &std::path::Path, first: usize, rows: usize) -> Result<(), Error> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "certificate_number,management_number,holder_name,id_type,id_number,qualification_code,specialty,issued_on"
    )?;
    for n in first..first + rows {
        writeln!(out, "0301{n:012},AQ{n:014},测试甲,resident_id,{},0301,,2025-03-{:02}", id_number(n), 1 + n % 28)?;
    }
    Ok(out.flush()?)
}

pub async fn run(report: &mut Report, rows: usize) -> Result<(), Error> {
    let server = Server::fresh("import", 3215)?;
    // Files of 200,000 rows, as an issuer sends them; only the imports are timed.
    let mut took = Duration::ZERO;
    for first in (0..rows).step_by(FILE_ROWS) {
        let file = server.data_dir.join(format!("certificates-{first}.csv"));
        write_csv(&file, first, FILE_ROWS.min(rows - first))?;
        took += server.import(&file).await?;
        std::fs::remove_file(&file)?;
    }
    let loaded = server.sql_number("SELECT COUNT(*) FROM certificates").await?;
    if loaded != rows as i64 {
        return Err(format!("{loaded} of {rows} certificates loaded").into());
    }
    let seconds = took.as_secs_f64();
    report.add(
        &format!("Import of {rows} certificates (server import, CSV files of 200,000 rows)"),
        if rows == 1_000_000 { "≤ 60 s" } else { "≤ 60 s per 1,000,000" },
        format!("{seconds:.1} s ({:.0} rows/s)", rows as f64 / seconds),
        seconds * 1_000_000.0 / rows as f64 <= 60.0,
    );
    accounts(&server, report, (rows / 10).min(100_000)).await
}

/// Rows of the platform-account file: one file, as an operator sends it.
async fn accounts(server: &Server, report: &mut Report, rows: usize) -> Result<(), Error> {
    let file = server.data_dir.join("accounts.csv");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
        writeln!(out, "username,real_name,id_type,id_number,phone,email,password_hash")?;
        for n in 0..rows {
            // Other people than the certificates' holders: numbers from 10,000,000 on.
            let id = id_number(10_000_000 + n);
            writeln!(out, "ks{n:08},考生甲,resident_id,{id},,ks{n}@example.cn,{ACCOUNT_HASH}")?;
        }
        out.flush()?;
    }
    let seconds = server.import_accounts(&file).await?.as_secs_f64();
    std::fs::remove_file(&file)?;
    let loaded = server.sql_number("SELECT COUNT(*) FROM holders WHERE password_imported = 1").await?;
    if loaded != rows as i64 {
        return Err(format!("{loaded} of {rows} accounts loaded").into());
    }
    report.add(
        &format!("Import of {rows} platform accounts (server accounts import, one CSV file)"),
        "≤ 10 s per 100,000",
        format!("{seconds:.1} s ({:.0} rows/s)", rows as f64 / seconds),
        seconds * 100_000.0 / rows as f64 <= 10.0,
    );
    Ok(())
}

/// Django's PBKDF2 hash of README's demo password (docs/examples/platform-accounts.csv).
const ACCOUNT_HASH: &str = "pbkdf2_sha256$1000000$dEwRTqjEzcl4PZaq6beS0Y$cHR6D6IxXCOI/iml4Z9rsSZc9YT6RMRCf3Z2YpUvj2I=";

#[cfg(test)]
mod tests {
    #[test]
    fn check_digits_of_known_numbers() {
        // The demo holders' numbers (README).
        assert_eq!(super::check_digit("11010519850315001"), '9');
        assert_eq!(super::check_digit("31010419900512002"), '3');
        assert_eq!(super::id_number(0).len(), 18);
        assert_ne!(super::id_number(1), super::id_number(336 * 50));
    }
}
