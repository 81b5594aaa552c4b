//! The table the runner prints: each target, its goal, what was measured,
//! pass or fail.

use std::fmt::Write;

pub struct Row {
    pub target: String,
    pub goal: String,
    pub measured: String,
    pub pass: Option<bool>,
}

#[derive(Default)]
pub struct Report {
    pub rows: Vec<Row>,
}

impl Report {
    /// A measured target: `pass` says whether the goal was met.
    pub fn add(&mut self, target: &str, goal: &str, measured: String, pass: bool) {
        println!("  {target}: {measured} ({})", if pass { "pass" } else { "FAIL" });
        self.rows.push(Row { target: target.into(), goal: goal.into(), measured, pass: Some(pass) });
    }

    /// A scenario that could not run: counted as a failure, with the reason.
    pub fn error(&mut self, scenario: &str, error: &str) {
        println!("  {scenario}: ERROR {error}");
        self.rows.push(Row {
            target: scenario.into(),
            goal: String::new(),
            measured: format!("error: {error}"),
            pass: Some(false),
        });
    }

    /// Context that is not a target (e.g. how the data was loaded).
    pub fn note(&mut self, target: &str, measured: String) {
        println!("  {target}: {measured}");
        self.rows.push(Row { target: target.into(), goal: String::new(), measured, pass: None });
    }

    pub fn failures(&self) -> usize {
        self.rows.iter().filter(|r| r.pass == Some(false)).count()
    }

    pub fn markdown(&self) -> String {
        let mut out = String::from("| target | goal | measured | result |\n|---|---|---|---|\n");
        for r in &self.rows {
            let result = match r.pass {
                Some(true) => "pass",
                Some(false) => "**FAIL**",
                None => "",
            };
            let _ = writeln!(out, "| {} | {} | {} | {result} |", r.target, r.goal, r.measured);
        }
        out
    }
}
