use claimgate::cli::{self, Cli, ErrorFormat, ExitStatus};
use clap::Parser;

fn main() -> ExitStatus {
    let cli = Cli::parse();
    let format = cli.error_format;
    let _ = miette::set_hook(Box::new(move |_| match format {
        ErrorFormat::Json => Box::new(miette::JSONReportHandler::new()),
        ErrorFormat::Plain => Box::new(miette::NarratableReportHandler::new()),
        ErrorFormat::Human => Box::new(miette::GraphicalReportHandler::new()),
    }));
    let worker = std::thread::Builder::new()
        .stack_size(claimgate::EVAL_STACK_BYTES)
        .spawn(move || cli::run(&cli, &mut std::io::stdout().lock()));
    match worker.map(|h| h.join()) {
        Ok(Ok(Ok(status))) => status,
        Ok(Ok(Err(e))) if is_broken_pipe(&e) => ExitStatus::Ok,
        Ok(Ok(Err(e))) => {
            let status = ExitStatus::from(&e);
            #[expect(clippy::print_stderr, reason = "main reports the one error")]
            {
                eprintln!("{:?}", miette::Report::new(e));
            }
            status
        }
        Ok(Err(_)) | Err(_) => ExitStatus::Policy,
    }
}

fn is_broken_pipe(e: &claimgate::Error) -> bool {
    matches!(e, claimgate::Error::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
}
