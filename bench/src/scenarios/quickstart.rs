//! README's quick start, proven: `scripts/demo.sh` (what `scripts/serve.sh`
//! runs after the build) serves on a fresh data directory, every account in
//! README's "Demo accounts" tables signs in with README's password, and the
//! database holds no account the tables leave out. The server stays up for
//! the wire budgets (`wire`), which measure it as a first visitor meets it.

use std::collections::BTreeSet;

use crate::http::{Client, Error};
use crate::report::Report;
use crate::server::Server;

/// What README promises a newcomer.
#[derive(Debug)]
pub struct DemoAccounts {
    pub password: String,
    pub holders: Vec<String>,
    pub staff: Vec<String>,
    /// Imported exam-platform accounts: (username, the password in its row).
    pub platform: Vec<(String, String)>,
}

/// The "### Demo accounts" section: the password in bold code, the
/// holders' table (`| username | …`), the portal's (`| portal username | …`)
/// and the imported platform accounts' (`| platform username | …`, each
/// row's last code span its password), each row's first code span its username.
pub fn readme_accounts(readme: &str) -> Result<DemoAccounts, Error> {
    let section = readme
        .split_once("### Demo accounts")
        .and_then(|(_, rest)| rest.split("\n## ").next())
        .ok_or("README has no \"### Demo accounts\" section")?;
    let password = section
        .split_once("password **`")
        .and_then(|(_, rest)| rest.split_once("`**"))
        .map(|(password, _)| password.to_string())
        .ok_or("README's demo accounts name no password (**`…`**)")?;
    let (mut holders, mut staff, mut platform) = (Vec::new(), Vec::new(), Vec::new());
    let mut table: Option<&str> = None;
    for line in section.lines() {
        if line.starts_with("| username |") {
            table = Some("holders");
        } else if line.starts_with("| portal username |") {
            table = Some("staff");
        } else if line.starts_with("| platform username |") {
            table = Some("platform");
        } else if !line.starts_with('|') {
            table = None;
        } else if let (Some(kind), Some(name)) = (table, first_code_span(line)) {
            match kind {
                "holders" => holders.push(name.to_string()),
                "staff" => staff.push(name.to_string()),
                _ => platform.push((name.to_string(), last_code_span(line).unwrap_or_default().to_string())),
            }
        }
    }
    if holders.is_empty() || staff.is_empty() || platform.is_empty() {
        return Err("README's demo accounts: no holders', portal or platform table".into());
    }
    Ok(DemoAccounts { password, holders, staff, platform })
}

fn last_code_span(row: &str) -> Option<&str> {
    let cell = row.trim_end_matches('|').rsplit('|').next()?.trim();
    cell.strip_prefix('`')?.strip_suffix('`')
}

fn first_code_span(row: &str) -> Option<&str> {
    let cell = row.trim_start_matches('|').split('|').next()?.trim();
    cell.strip_prefix('`')?.strip_suffix('`')
}

pub async fn start(report: &mut Report) -> Result<Server, Error> {
    let mut server = Server::fresh("quickstart", 3230)?.with_env("ECERT_SEED_DEMO", "true");
    let took = server.start_script("scripts/demo.sh").await?;
    // Not serving is an error of the scenario (start_script fails), not a row.
    report.note(
        "Quick start: scripts/demo.sh on a fresh data directory serves",
        format!("first page after {:.1} s (staff created, migrated, demo data, keys)", took.as_secs_f64()),
    );
    Ok(server)
}

pub async fn run(server: &Server, accounts: &DemoAccounts, report: &mut Report) -> Result<(), Error> {
    let mut refused = Vec::new();
    for (function, names, landing) in
        [("login", &accounts.holders, &["/terms", "/certificates"][..]), ("staff_login", &accounts.staff, &["/admin"])]
    {
        for username in names {
            let mut client = Client::new(server.addr);
            let reply = client.call(function, &[("username", username), ("password", &accounts.password)]).await?;
            if !reply.location.as_deref().is_some_and(|l| landing.contains(&l)) {
                refused.push(format!("{username}: {} {:?}", reply.status, reply.location));
            }
        }
    }
    // Platform accounts sign in with their platform password; the first
    // sign-in replaces the imported hash with ecert's, and the password
    // still works the second time.
    for (username, password) in &accounts.platform {
        for attempt in ["first", "second"] {
            let mut client = Client::new(server.addr);
            let reply = client.call("login", &[("username", username), ("password", password)]).await?;
            if !reply.location.as_deref().is_some_and(|l| ["/terms", "/certificates"].contains(&l)) {
                refused.push(format!("{username} ({attempt} sign-in): {} {:?}", reply.status, reply.location));
            }
        }
    }
    let still_imported = server
        .sql("SELECT username FROM holders WHERE password_imported = 1 OR password_hash NOT LIKE '$argon2id$%'")
        .await?;
    if !still_imported.trim().is_empty() {
        refused.push(format!("not upgraded to Argon2id after signing in: {}", still_imported.trim()));
    }
    let in_database = |table: &str| {
        let query = format!("SELECT username FROM {table} ORDER BY username");
        async move { server.sql(&query).await.map(|rows| rows.lines().map(str::to_string).collect::<BTreeSet<_>>()) }
    };
    let (holders, staff) = (in_database("holders").await?, in_database("staff").await?);
    let listed = |names: &[String]| names.iter().cloned().collect::<BTreeSet<_>>();
    let mut listed_holders = listed(&accounts.holders);
    listed_holders.extend(accounts.platform.iter().map(|(name, _)| name.clone()));
    let listed_staff = listed(&accounts.staff);
    let unlisted: Vec<_> = holders.difference(&listed_holders).chain(staff.difference(&listed_staff)).collect();
    report.add(
        "Quick start: every demo account in README signs in, and no other exists",
        "all of README's tables, nothing unlisted",
        format!(
            "{} holders, {} platform accounts and {} staff listed; refused: {}; in the database but not in README: {}",
            accounts.holders.len(),
            accounts.platform.len(),
            accounts.staff.len(),
            if refused.is_empty() { "none".to_string() } else { refused.join(", ") },
            if unlisted.is_empty() { "none".to_string() } else { format!("{unlisted:?}") },
        ),
        refused.is_empty() && unlisted.is_empty(),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_lists_holders_staff_and_the_password() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
        let accounts = readme_accounts(&readme).unwrap();
        assert!(accounts.holders.contains(&"zhangsan".to_string()), "{accounts:?}");
        assert!(accounts.staff.contains(&"admin".to_string()), "{accounts:?}");
        assert!(accounts.platform.contains(&("kaosheng01".to_string(), "Ecert@2026".to_string())), "{accounts:?}");
        assert!(!accounts.password.is_empty());
    }

    #[test]
    fn tables_end_at_the_first_line_that_is_not_a_row() {
        let readme = "### Demo accounts\npassword **`pw`**.\n\n| username | x |\n|---|---|\n| `a` | 1 |\n\ntext\n| `stray` |\n\n| portal username |\n|---|\n| `b` |\n\n| platform username | password |\n|---|---|\n| `p` | `secret` |\n## Next\n| username |\n| `c` |\n";
        let accounts = readme_accounts(readme).unwrap();
        assert_eq!((accounts.holders, accounts.staff, accounts.password.as_str()), (vec!["a".to_string()], vec!["b".to_string()], "pw"));
        assert_eq!(accounts.platform, [("p".to_string(), "secret".to_string())]);
    }
}
