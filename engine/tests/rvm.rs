//! regorus' bytecode VM (RVM) against its interpreter, on the Rego constructs where regorus
//! 0.14.1's VM decides differently. claimgate evaluates on the interpreter for as long as
//! these hold: a VM that turns an error into `true` under `not`, or binds an undefined value,
//! could allow a claim the pack does not (docs/differential.md, "regorus' bytecode VM").
//!
//! Each case asserts the difference is still there, so that an upgrade of regorus that fixes
//! one fails here and says to look again.

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::vm::RegoVM;
use regorus::{Engine, Value};

/// (rule, the interpreter's result, the VM's result): `Err` for an evaluation error,
/// `"<undefined>"` for undefined.
fn both(policy: &str, input: &str, rule: &str) -> (Result<String, ()>, Result<String, ()>) {
    let mut engine = Engine::new();
    engine.set_strict_builtin_errors(true);
    engine
        .add_policy("case.rego".into(), policy.into())
        .unwrap();
    let input = Value::from_json_str(input).unwrap();
    let compiled = engine
        .clone()
        .compile_with_entrypoint(&rule.into())
        .unwrap();
    let program = Compiler::compile_from_policy(&compiled, &[rule]).unwrap();
    engine.set_input(input.clone());
    let show = |v: Value| serde_json::to_string(&v).unwrap();
    let interpreted = engine.eval_rule(rule.into()).map(show).map_err(|_| ());
    let mut vm = RegoVM::new();
    vm.load_program(program);
    vm.set_data(Value::new_object()).unwrap();
    vm.set_strict_builtin_errors(true);
    vm.set_max_instructions(1 << 30);
    vm.set_input(input);
    let on_vm = vm
        .execute_entry_point_by_name(rule)
        .map(show)
        .map_err(|_| ());
    (interpreted, on_vm)
}

#[test]
fn an_error_under_not_is_true_on_the_vm() {
    let policy = "package t\n\nd := 1 / input.zero\n\nallowed if not d\n";
    let (interpreted, on_vm) = both(policy, r#"{"zero": 0}"#, "data.t.allowed");
    assert_eq!(
        interpreted,
        Err(()),
        "the interpreter raises the division by zero"
    );
    assert_eq!(on_vm, Ok("true".into()), "regorus' VM: fixed? look again");
}

#[test]
fn an_error_is_undefined_on_the_vm() {
    let policy = "package t\n\nd := 1 / input.zero\n";
    let (interpreted, on_vm) = both(policy, r#"{"zero": 0}"#, "data.t.d");
    assert_eq!(interpreted, Err(()));
    assert_eq!(
        on_vm,
        Ok("\"<undefined>\"".into()),
        "regorus' VM: fixed? look again"
    );
}

#[test]
fn an_else_after_a_loop_that_found_nothing_is_skipped_on_the_vm() {
    let policy =
        "package t\n\nlimit := \"o\" if { some a in input.xs; a.h == \"zzz\" } else := \"b\"\n";
    let (interpreted, on_vm) = both(policy, r#"{"xs": [{"h": "x"}]}"#, "data.t.limit");
    assert_eq!(interpreted, Ok("\"b\"".into()));
    assert_ne!(on_vm, interpreted, "regorus' VM: fixed? look again");
}

#[test]
fn an_undefined_value_binds_on_the_vm() {
    let policy = "package t\n\nallowed if { x := input.nope }\n";
    let (interpreted, on_vm) = both(policy, "{}", "data.t.allowed");
    assert_eq!(interpreted, Ok("\"<undefined>\"".into()));
    assert_eq!(on_vm, Ok("true".into()), "regorus' VM: fixed? look again");
}
