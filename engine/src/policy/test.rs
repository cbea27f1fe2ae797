//! `claimgate test`: runs the `test_*` rules of a pack's `*_test.rego` files, as `opa test` does.

use super::eval::{add_catalog_data, add_rego, new_engine};
use super::{first_line, Pack, PolicyError};
use regorus::Value;

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
    /// `data.<package>.test_<name>`
    pub rule: String,
    /// The outcome
    pub outcome: TestOutcome,
}

/// Compiles every Rego file of the pack (tests included) and runs each `test_*` rule. The
/// caller has compiled the pack itself ([`crate::Engine`]): a test run that passes means the
/// pack loads, catalog, requirements and all.
pub fn run_tests(pack: &Pack) -> Result<Vec<TestResult>, PolicyError> {
    let catalog = super::eval::parse_catalog(pack)?;
    let mut engine = new_engine();
    add_catalog_data(&mut engine, &catalog)?;
    let mut tests = Vec::new();
    for file in pack.files.iter().filter(|f| f.name.ends_with(".rego")) {
        let package = add_rego(&mut engine, file)?;
        if file.name.ends_with("_test.rego") {
            for name in test_rules(&file.text) {
                tests.push((file.name.clone(), format!("{package}.{name}")));
            }
        }
    }
    super::reject_recursion(&mut engine)?;
    let mut results = Vec::with_capacity(tests.len());
    for (file, rule) in tests {
        let mut e = engine.clone();
        let outcome = match e.eval_rule(rule.clone()) {
            Ok(Value::Bool(true)) => TestOutcome::Pass,
            Ok(_) => TestOutcome::Fail,
            Err(err) => TestOutcome::Error(first_line(&err.to_string())),
        };
        results.push(TestResult {
            file,
            rule,
            outcome,
        });
    }
    Ok(results)
}

/// Names of `test_*` rules defined at the start of a line, each once, in file order.
fn test_rules(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in text.lines() {
        if !line.starts_with("test_") {
            continue;
        }
        let name: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_test_rules_once() {
        let text = "package p\ntest_a if { true }\ntest_a if { 1 == 1 }\n  test_indented if true\ntest_b := true\nhelper if true\n";
        assert_eq!(super::test_rules(text), ["test_a", "test_b"]);
    }
}
