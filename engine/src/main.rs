use claimgate::cli::{self, Cli, ErrorFormat, ExitStatus};
use clap::Parser;
use std::io::Write;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitStatus {
    let cli = Cli::parse();
    let format = cli.error_format;
    let _ = miette::set_hook(Box::new(move |_| match format {
        // JSON errors are written by `cli::error_to_json`; this hook serves anything else.
        ErrorFormat::Json => Box::new(miette::JSONReportHandler::new()),
        ErrorFormat::Plain => Box::new(miette::NarratableReportHandler::new()),
        ErrorFormat::Human => Box::new(miette::GraphicalReportHandler::new()),
    }));
    // The whole report is rendered into memory first and written once at the end: a run stopped
    // half-way (SIGTERM, an error) never leaves a partial report (PASS lines without the FAIL
    // that followed them), and a write error cannot replace the verdict.
    let worker = std::thread::Builder::new()
        .stack_size(claimgate::EVAL_STACK_BYTES)
        .spawn(move || {
            let mut buffer = Vec::new();
            let result = cli::run(&cli, &mut buffer);
            (result, buffer)
        });
    let (result, buffer) = match worker.map(|h| h.join()) {
        Ok(Ok(done)) => done,
        // A panic or no thread: never an exit code outside the table, never success.
        Ok(Err(_)) | Err(_) => {
            let _ = std::io::stderr()
                .lock()
                .write_all(b"error: the evaluation thread stopped unexpectedly\n");
            return ExitStatus::Policy;
        }
    };
    // What was rendered before an error is still printed: it is complete up to the error.
    let written = write_stdout(&buffer);
    let status = match result {
        Ok(status) => status,
        Err(e) => {
            let status = ExitStatus::from(&e);
            report(e, format);
            status
        }
    };
    match written {
        Ok(()) => status,
        // Nobody reads stdout any more (`| head -c1`): the outcome is still the verdict's.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => status,
        Err(e) => {
            let e = claimgate::Error::Io(e);
            let io = ExitStatus::from(&e);
            report(e, format);
            ExitStatus::worst([status, io])
        }
    }
}

fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// Prints one error on stderr. A closed stderr is ignored: the exit code still tells.
fn report(e: claimgate::Error, format: ErrorFormat) {
    let text = match format {
        ErrorFormat::Json => format!("{}\n", cli::error_to_json(&e)),
        _ => format!("{:?}\n", miette::Report::new(e)),
    };
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
