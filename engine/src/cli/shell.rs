//! `claimgate completions SHELL` and `claimgate man`: generated from the command line's own
//! definition, so they never drift from it.

use super::{Cli, ExitStatus};
use clap::CommandFactory;
use std::io::Write;

/// Arguments of `claimgate completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub(super) fn completions(
    args: &CompletionsArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus, crate::Error> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "claimgate", out);
    Ok(ExitStatus::Ok)
}

pub(super) fn man(out: &mut dyn Write) -> Result<ExitStatus, crate::Error> {
    let command = Cli::command();
    clap_mangen::Man::new(command.clone()).render(out)?;
    // Each subcommand's page follows the main one, as `git help -a` lists them.
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        clap_mangen::Man::new(sub.clone())
            .title(format!("claimgate-{}", sub.get_name()))
            .render(out)?;
    }
    Ok(ExitStatus::Ok)
}
