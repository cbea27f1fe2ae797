//! `claimgate test`: runs the `test_*` rules of a pack's `*_test.rego` files, as `opa test` does.
//!
//! Tests are found in the parsed modules (any `test_*` rule of a `*_test.rego` file, wherever
//! it is written), each runs on its own clone of the compiled engine, and with coverage on,
//! the lines each run reached are merged into one report per policy file.

use super::eval::{add_catalog_data, add_rego, new_engine};
use super::recursion::flatten;
use super::{Pack, PolicyError};
use regorus::Value;
use std::collections::{BTreeMap, BTreeSet};

/// How one test rule ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    /// The rule was `true`
    Pass,
    /// The rule was undefined or not `true`
    Fail,
    /// Evaluation raised an error
    Error(String),
}

/// One test rule and its outcome.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TestResult {
    /// The file that defines it
    pub file: String,
    /// The line of its first definition
    pub line: u32,
    /// `data.<package>.test_<name>`
    pub rule: String,
    /// The outcome
    pub outcome: TestOutcome,
    /// What its `print()` calls wrote, in order
    pub prints: Vec<String>,
}

/// Which tests to run and what to gather.
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// Run only tests whose rule path (`data.pkg.test_x`) this regular expression matches
    pub run: Option<regex::Regex>,
    /// Gather line coverage of the pack's policy files
    pub coverage: bool,
}

/// The lines of one policy file the tests reached.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FileCoverage {
    /// The file, relative to the pack
    pub file: String,
    /// Lines some test evaluated
    pub covered: Vec<u32>,
    /// Lines with code no test evaluated
    pub not_covered: Vec<u32>,
}

impl FileCoverage {
    /// Covered lines as a percentage of the lines with code (100 for a file without any).
    pub fn percent(&self) -> f64 {
        percent(self.covered.len(), self.not_covered.len())
    }
}

fn percent(covered: usize, not_covered: usize) -> f64 {
    let total = covered + not_covered;
    if total == 0 {
        100.0
    } else {
        // Line counts of policy files: far below f64's exact integer range.
        #[allow(clippy::cast_precision_loss)]
        let p = covered as f64 * 100.0 / total as f64;
        p
    }
}

/// What a test run found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TestReport {
    /// Each test run, in file order
    pub results: Vec<TestResult>,
    /// Per policy file (test files left out), when coverage was asked for
    pub coverage: Option<Vec<FileCoverage>>,
}

impl TestReport {
    /// How many tests passed, failed and raised an error.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count =
            |f: fn(&TestOutcome) -> bool| self.results.iter().filter(|r| f(&r.outcome)).count();
        (
            count(|o| *o == TestOutcome::Pass),
            count(|o| *o == TestOutcome::Fail),
            count(|o| matches!(o, TestOutcome::Error(_))),
        )
    }

    /// Covered lines over all policy files, as a percentage, when coverage was gathered.
    pub fn coverage_percent(&self) -> Option<f64> {
        self.coverage.as_ref().map(|files| {
            let covered = files.iter().map(|f| f.covered.len()).sum();
            let not = files.iter().map(|f| f.not_covered.len()).sum();
            percent(covered, not)
        })
    }
}

/// Compiles every Rego file of the pack (tests included) and runs each `test_*` rule. The
/// caller has compiled the pack itself ([`crate::Engine`]): a test run that passes means the
/// pack loads, catalog, requirements and all.
pub fn run_tests(pack: &Pack) -> Result<Vec<TestResult>, PolicyError> {
    Ok(run(pack, &TestOptions::default())?.results)
}

/// [`run_tests`] with a filter and coverage.
pub fn run(pack: &Pack, options: &TestOptions) -> Result<TestReport, PolicyError> {
    run_in(pack, options).map_err(|e| e.under(pack))
}

fn run_in(pack: &Pack, options: &TestOptions) -> Result<TestReport, PolicyError> {
    let catalog = super::eval::parse_catalog(pack)?;
    let mut engine = new_engine();
    add_catalog_data(&mut engine, &catalog)?;
    for file in pack.files.iter().filter(|f| f.name.ends_with(".rego")) {
        add_rego(&mut engine, file)?;
    }
    super::check_calls(&super::parsed(&mut engine)?, super::eval::HOSTS)?;
    let rego: Vec<&crate::source::SourceFile> = pack
        .files
        .iter()
        .filter(|f| f.name.ends_with(".rego"))
        .collect();
    super::analyze(&mut engine, &rego)?;
    let tests: Vec<(String, u32, String)> = test_rules(&engine)?
        .into_iter()
        .filter(|(_, _, rule)| options.run.as_ref().is_none_or(|re| re.is_match(rule)))
        .collect();
    engine.set_gather_prints(true);
    if options.coverage {
        engine.set_enable_coverage(true);
    }
    let mut covered: BTreeMap<String, (BTreeSet<u32>, BTreeSet<u32>)> = BTreeMap::new();
    let mut results = Vec::with_capacity(tests.len());
    for (file, line, rule) in tests {
        let mut e = engine.clone();
        let outcome = match e.eval_rule(rule.clone()) {
            Ok(Value::Bool(true)) => TestOutcome::Pass,
            Ok(_) => TestOutcome::Fail,
            Err(err) => TestOutcome::Error(super::eval_message(&err.to_string())),
        };
        if options.coverage {
            if let Ok(report) = e.get_coverage_report() {
                for f in report.files {
                    let entry = covered.entry(f.path).or_default();
                    entry.0.extend(f.covered);
                    entry.1.extend(f.not_covered);
                }
            }
        }
        results.push(TestResult {
            file,
            line,
            rule,
            outcome,
            prints: e.take_prints().unwrap_or_default(),
        });
    }
    let coverage = options.coverage.then(|| {
        covered
            .into_iter()
            .filter(|(file, _)| !file.ends_with("_test.rego"))
            .map(|(file, (yes, no))| FileCoverage {
                not_covered: no.difference(&yes).copied().collect(),
                covered: yes.into_iter().collect(),
                file,
            })
            .collect()
    });
    Ok(TestReport { results, coverage })
}

/// Every `test_*` rule of a `*_test.rego` module: file, line of its first definition and
/// `data.<package>.<name>`, each once, in file order.
fn test_rules(engine: &regorus::Engine) -> Result<Vec<(String, u32, String)>, PolicyError> {
    let modules = super::ast::modules(engine).map_err(|message| PolicyError::Eval {
        rule: "(test discovery)".into(),
        message,
    })?;
    let mut out: Vec<(String, u32, String)> = Vec::new();
    for m in &modules {
        let file = m["source"]["file"].as_str().unwrap_or_default();
        if !file.ends_with("_test.rego") {
            continue;
        }
        let package = flatten(&m["ast"]["package"]["refr"]).join(".");
        for rule in m["ast"]["rules"].as_array().into_iter().flatten() {
            let Some(spec) = rule.get("Spec") else {
                continue;
            };
            let Some(head) = spec["head"].as_object().and_then(|h| h.values().next()) else {
                continue;
            };
            // A function (`test_f(x)`) is not a test.
            if head["args"].as_array().is_some_and(|a| !a.is_empty()) {
                continue;
            }
            let name = flatten(&head["refr"]);
            let [name] = name.as_slice() else { continue };
            if !name.starts_with("test_") {
                continue;
            }
            let path = format!("data.{package}.{name}");
            if out.iter().any(|(_, _, p)| *p == path) {
                continue;
            }
            out.push((file.to_string(), super::ast::line(&spec["span"]), path));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(text: &str) -> regorus::Engine {
        let mut e = new_engine();
        e.add_policy("p_test.rego".into(), text.into()).unwrap();
        e
    }

    #[test]
    fn finds_test_rules_wherever_they_are_written() {
        let text = "package p\ntest_a if { true }\ntest_a if { 1 == 1 }\n  test_indented if true\ntest_b := true\nhelper if true\ntest_f(x) if x\n";
        let found: Vec<(u32, String)> = test_rules(&engine(text))
            .unwrap()
            .into_iter()
            .map(|(_, l, r)| (l, r))
            .collect();
        assert_eq!(
            found,
            [
                (2, "data.p.test_a".to_string()),
                (4, "data.p.test_indented".to_string()),
                (5, "data.p.test_b".to_string())
            ]
        );
    }

    #[test]
    fn coverage_counts_lines_with_code() {
        let f = FileCoverage {
            file: "a.rego".into(),
            covered: vec![1, 2, 3],
            not_covered: vec![4],
        };
        assert!((f.percent() - 75.0).abs() < 1e-9);
    }
}
