//! The record of a `cargo xtask test` run: each step's outcome and time, the tests counted from the
//! runners' own summary lines, and the closing table.

use std::time::{Duration, Instant};

use crate::command::Cmd;

/// A test runner whose summary lines can be counted.
#[derive(Clone, Copy, Debug)]
pub enum Runner {
    /// `test result: ok. 5 passed; 0 failed; …`, once per test binary.
    CargoTest,
    /// `  3 passed (4.2s)`, `  1 failed` and `  1 flaky` from Playwright's `list` reporter.
    Playwright,
    /// `# pass 11` and `# fail 0` from node's test runner with the TAP reporter.
    NodeTest,
}

impl Runner {
    /// The (passed, failed) counts one output line adds.
    fn counts(self, line: &str) -> (u32, u32) {
        match self {
            Runner::CargoTest => line
                .strip_prefix("test result: ")
                .map(|rest| (count_before(rest, " passed"), count_before(rest, " failed")))
                .unwrap_or_default(),
            Runner::NodeTest => {
                if let Some(count) = line.strip_prefix("# pass ") {
                    (count.trim().parse().unwrap_or(0), 0)
                } else if let Some(count) = line.strip_prefix("# fail ") {
                    (0, count.trim().parse().unwrap_or(0))
                } else {
                    (0, 0)
                }
            }
            Runner::Playwright => {
                let line = line.trim();
                let Some((number, rest)) = line.split_once(' ') else {
                    return (0, 0);
                };
                let Ok(number) = number.parse() else {
                    return (0, 0);
                };
                // A flaky test failed an attempt and passed its retry (CI retries once): it
                // counts as passed, and its failed attempt is named under the step.
                if rest.starts_with("passed") || rest.starts_with("flaky") {
                    (number, 0)
                } else if rest.starts_with("failed") {
                    (0, number)
                } else {
                    (0, 0)
                }
            }
        }
    }

    /// The name of the failed test one output line reports, if it reports one.
    fn failure(self, line: &str) -> Option<String> {
        match self {
            Runner::CargoTest => line
                .strip_prefix("test ")
                .and_then(|rest| rest.strip_suffix(" ... FAILED"))
                .map(str::to_owned),
            Runner::NodeTest => line
                .trim_start()
                .strip_prefix("not ok ")
                .and_then(|rest| rest.split_once(" - "))
                .map(|(_, name)| name.to_owned()),
            // `  ✘  74 [chromium] › tests/auth.spec.ts:29:1 › a wrong password … (6.9s)`; a retried
            // test is reported once per attempt, the same name each time.
            Runner::Playwright => line
                .trim_start()
                .strip_prefix('✘')
                .and_then(|rest| rest.split_once('['))
                .map(|(_, name)| format!("[{}", name.trim_end())),
        }
    }
}

/// The number right before `label` in `text`, or 0.
fn count_before(text: &str, label: &str) -> u32 {
    text.split_once(label)
        .and_then(|(before, _)| before.rsplit([' ', '.', ';']).next())
        .and_then(|number| number.parse().ok())
        .unwrap_or(0)
}

enum Outcome {
    Passed,
    Failed,
    Skipped(&'static str),
}

struct Step {
    name: &'static str,
    outcome: Outcome,
    time: Duration,
    /// Tests counted from the runner's output; `None` for a step that is a single check.
    tests: Option<(u32, u32)>,
    /// The failed tests the runner named, so the summary at the end of a long log says which.
    failures: Vec<String>,
}

/// The steps run so far.
#[derive(Default)]
pub struct Report {
    steps: Vec<Step>,
}

impl Report {
    /// Runs a step that is one check; returns whether it passed.
    pub fn check(&mut self, name: &'static str, command: Cmd) -> bool {
        self.step(name, || command.run())
    }

    /// Runs a step that is one piece of work of the task itself; returns whether it succeeded.
    pub fn step(&mut self, name: &'static str, work: impl FnOnce() -> Result<(), String>) -> bool {
        let started = Instant::now();
        let passed = report_error(work());
        self.push(name, passed, started, None, Vec::new());
        passed
    }

    /// Runs a test suite, counting its tests.
    pub fn tests(&mut self, name: &'static str, runner: Runner, command: Cmd) {
        let started = Instant::now();
        let (mut passed, mut failed) = (0, 0);
        let mut failures = Vec::new();
        let ok = report_error(command.run_reading_lines(|line| {
            let (p, f) = runner.counts(line);
            passed += p;
            failed += f;
            failures.extend(runner.failure(line));
        }));
        self.push(name, ok, started, Some((passed, failed)), failures);
    }

    /// Records a step that could not run.
    pub fn skip(&mut self, name: &'static str, why: &'static str) {
        self.steps.push(Step {
            name,
            outcome: Outcome::Skipped(why),
            time: Duration::ZERO,
            tests: None,
            failures: Vec::new(),
        });
    }

    fn push(
        &mut self,
        name: &'static str,
        ok: bool,
        started: Instant,
        tests: Option<(u32, u32)>,
        failures: Vec<String>,
    ) {
        let outcome = if ok { Outcome::Passed } else { Outcome::Failed };
        let time = started.elapsed();
        self.steps.push(Step {
            name,
            outcome,
            time,
            tests,
            failures,
        });
    }

    /// True when no step failed or was skipped.
    pub fn all_passed(&self) -> bool {
        self.steps
            .iter()
            .all(|step| matches!(step.outcome, Outcome::Passed))
    }

    /// Prints one line per step, then `summary: N passed, M failed`, counting each test of a suite
    /// and each other step as one. A suite that failed without a failing test (it did not compile,
    /// say) counts as one failure, and so does a skipped step.
    pub fn print(&self) {
        let (mut passed, mut failed) = (0, 0);
        eprintln!("\ncargo xtask test");
        for step in &self.steps {
            let (label, detail) = match (&step.outcome, step.tests) {
                (Outcome::Passed, None) => ("ok", String::new()),
                (Outcome::Failed, None) => ("FAILED", String::new()),
                (Outcome::Skipped(why), _) => ("SKIPPED", format!(" ({why})")),
                (outcome, Some((p, f))) => {
                    let label = if matches!(outcome, Outcome::Passed) {
                        "ok"
                    } else {
                        "FAILED"
                    };
                    (label, format!(" ({p} passed, {f} failed)"))
                }
            };
            eprintln!(
                "  {label:<8}{:<28}{:>8.1} s{detail}",
                step.name,
                step.time.as_secs_f64()
            );
            // Named even when the step passed: a test that passed only on its retry is shown.
            for failure in &step.failures {
                eprintln!("            ✘ {failure}");
            }
            match (&step.outcome, step.tests) {
                (Outcome::Passed, None) => passed += 1,
                (Outcome::Failed | Outcome::Skipped(_), None) => failed += 1,
                (Outcome::Failed, Some((p, 0))) => (passed, failed) = (passed + p, failed + 1),
                (_, Some((p, f))) => (passed, failed) = (passed + p, failed + f),
            }
        }
        // Alone on the last line, in the form CI systems read.
        println!("summary: {passed} passed, {failed} failed");
    }
}

/// Prints a step's error; returns whether it succeeded.
fn report_error(result: Result<(), String>) -> bool {
    match result {
        Ok(()) => true,
        Err(message) => {
            eprintln!("xtask: {message}");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_test_summary_lines_are_counted() {
        let line = "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.17s";

        assert_eq!(Runner::CargoTest.counts(line), (3, 2));
    }

    #[test]
    fn cargo_test_lines_that_are_not_summaries_count_nothing() {
        let line = "test pages::home_page_passed_and_failed ... ok";

        assert_eq!(Runner::CargoTest.counts(line), (0, 0));
    }

    #[test]
    fn playwright_summary_lines_are_counted() {
        assert_eq!(Runner::Playwright.counts("  3 passed (4.2s)"), (3, 0));
        assert_eq!(Runner::Playwright.counts("  1 failed"), (0, 1));
        assert_eq!(Runner::Playwright.counts("  2 flaky"), (2, 0));
    }

    #[test]
    fn node_test_summary_lines_are_counted() {
        assert_eq!(Runner::NodeTest.counts("# pass 11"), (11, 0));
        assert_eq!(Runner::NodeTest.counts("# fail 2"), (0, 2));
        assert_eq!(Runner::NodeTest.counts("    # Subtest: pass 3"), (0, 0));
    }

    #[test]
    fn failed_tests_are_named() {
        let cargo = "test session_layer::a_stalled_auth_server_does_not_hang_the_page ... FAILED";
        let playwright =
            "  ✘  74 [chromium-no-js] › tests/account.spec.ts:100:1 › signing out (7.2s)";

        assert_eq!(
            Runner::CargoTest.failure(cargo).as_deref(),
            Some("session_layer::a_stalled_auth_server_does_not_hang_the_page")
        );
        assert_eq!(
            Runner::Playwright.failure(playwright).as_deref(),
            Some("[chromium-no-js] › tests/account.spec.ts:100:1 › signing out (7.2s)")
        );
        assert_eq!(
            Runner::NodeTest
                .failure("    not ok 3 - cookies round-trip")
                .as_deref(),
            Some("cookies round-trip")
        );
        assert_eq!(Runner::CargoTest.failure("test pages::ok ... ok"), None);
        assert_eq!(
            Runner::Playwright.failure("  ✓  1 [chromium] › tests/home.spec.ts:3:5 › home"),
            None
        );
    }

    #[test]
    fn playwright_test_lines_count_nothing() {
        let line = "  ✓  1 [chromium] › tests/home.spec.ts:3:5 › the home page hydrates (1.2s)";

        assert_eq!(Runner::Playwright.counts(line), (0, 0));
    }
}
