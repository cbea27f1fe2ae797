//! `diff --format html` in a real browser: the DOM Chromium builds from the page, after its
//! script ran, lists the claim the change newly allows and has drawn every cell. Without
//! Chromium (Debian's `chromium`) the test prints NOT RUN and passes, except under `CI`,
//! where `.ci/run` installs it.

use crate::{run, Scratch};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
}

/// The DOM of a page after its scripts ran (`--dump-dom`), with a minute's deadline.
fn dump_dom(browser: &str, page: &Path, profile: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!(
                "chromium did not finish rendering {} in 60 s",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
}

#[test]
fn the_html_diff_shows_the_widened_claim_in_a_browser() {
    let case = Path::new("testdata/author_packs/diff_new_claim_reads_tee");
    let pack = crate::packs::build_in(case, "html-pack");
    let (code, page, err) = run(&[
        "diff",
        "--base",
        "embedded",
        "--head",
        pack.0.to_str().unwrap(),
        "--space",
        "quick",
        "--format",
        "html",
    ]);
    assert_eq!(code, 0, "{err}");
    // Self-contained: nothing fetched from anywhere.
    for needle in ["http:", "https:", " src=", "<link", "@import"] {
        assert!(!page.contains(needle), "the page refers out: {needle}");
    }
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "the HTML test cannot run under CI: no chromium"
        );
        let _ = writeln!(
            std::io::stderr(),
            "NOT RUN: html: no chromium (apt-get install chromium)"
        );
        return;
    };
    let dir = Scratch::new("html");
    let file = dir.0.join("diff.html");
    std::fs::write(&file, &page).unwrap();
    let dom = dump_dom(browser, &file, &dir.0.join("profile"));
    let drawn: usize = dom
        .split("data-drawn=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the script did not run:\n{dom}"));
    assert_eq!(drawn, claimgate::Space::quick().len());
    let changes = dom
        .split("<ul id=\"changes\">")
        .nth(1)
        .and_then(|s| s.split("</ul>").next())
        .unwrap();
    assert!(
        changes.contains(
            "<li class=\"widening\">newly ALLOWED runtime.gpu_cc_mode_on — cell 0 with runtime.attestations[].tee = \"claimgate-cc\""
        ),
        "{changes}"
    );
    // The claim filter offers the new claim.
    assert!(dom.contains("<option value=\"runtime.gpu_cc_mode_on\">"));
}
