//! Argument groups shared by subcommands, and their conversion to domain values; the output
//! formats each subcommand offers, as `--format` parsers over [`report::Format`](Format).

use crate::report::Format;
use crate::{At, Engine, EngineBuilder, Instant, Limits, Pack, TrustedKeys};
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use std::num::NonZeroUsize;
use std::path::PathBuf;

/// Which policy pack to use.
#[derive(Debug, Clone, clap::Args)]
pub struct PackArgs {
    /// Policy pack directory (with policies/ and claims/); default: the embedded pack
    #[arg(long, value_name = "DIR")]
    pub policy_dir: Option<PathBuf>,
}

impl PackArgs {
    /// Reads the pack's files.
    pub fn pack(&self) -> Result<Pack, crate::Error> {
        Ok(match &self.policy_dir {
            Some(dir) => Pack::from_dir(dir)?,
            None => Pack::embedded(),
        })
    }
}

/// A pack named as `DIR` or as `--policy-dir DIR`, for the commands about a pack itself
/// (`test`, `lint`).
#[derive(Debug, Clone, clap::Args)]
pub struct PackDirArgs {
    /// Policy pack directory (the same as --policy-dir)
    #[arg(value_name = "DIR", conflicts_with = "policy_dir")]
    dir: Option<PathBuf>,
    #[command(flatten)]
    policy: PackArgs,
}

impl PackDirArgs {
    /// Reads the pack's files.
    pub fn pack(&self) -> Result<Pack, crate::Error> {
        match &self.dir {
            Some(dir) => Ok(Pack::from_dir(dir)?),
            None => self.policy.pack(),
        }
    }
}

/// The pack and the upstream policies that run next to it.
#[derive(Debug, Clone, clap::Args)]
pub struct PolicyArgs {
    #[command(flatten)]
    pack: PackArgs,
    /// Upstream policies to run unchanged next to the pack (a claimgate.upstream/v1 file)
    #[arg(long, value_name = "FILE")]
    pub upstream: Option<PathBuf>,
    #[command(flatten)]
    keys: KeyArgs,
}

/// The keys trusted to sign attestation tokens.
#[derive(Debug, Clone, clap::Args)]
pub struct KeyArgs {
    /// Verify JWT/JWS signatures with this trusted public key (PEM: ES256, ES384 or Ed25519);
    /// repeatable. Without it, signed tokens are marked unverified
    #[arg(long, value_name = "PEM")]
    pub jws_key: Vec<PathBuf>,
}

impl KeyArgs {
    /// Reads every key file.
    pub fn keys(&self) -> Result<TrustedKeys, crate::Error> {
        let mut keys = TrustedKeys::default();
        for key in &self.jws_key {
            keys.add_file(key)?;
        }
        Ok(keys)
    }
}

impl PolicyArgs {
    /// The engine: the pack compiled, with the upstream policies and trusted keys asked for.
    pub fn engine(&self, globals: &Globals) -> Result<Engine, crate::Error> {
        let pack = self.pack.pack()?;
        self.engine_for(pack, globals)
    }

    /// An engine for another pack, with these upstream policies and keys.
    pub fn engine_for(&self, pack: Pack, globals: &Globals) -> Result<Engine, crate::Error> {
        let mut builder = globals.builder(pack).trust_keys(self.keys.keys()?);
        if let Some(config) = &self.upstream {
            builder = builder.upstream(config);
        }
        builder.build()
    }
}

/// The instant bundles are judged at.
#[derive(Debug, Clone, clap::Args)]
pub struct TimeArgs {
    /// Evaluation instant for freshness (RFC 3339); default: the bundle's evaluated_at, else now
    #[arg(long, value_parser = Instant::parse)]
    pub at: Option<Instant>,
}

impl TimeArgs {
    /// `--at`, else each bundle's own instant, else the time the command started.
    pub fn at(&self) -> At {
        At::given(self.at)
    }
}

/// One bundle and the instant it is judged at.
#[derive(Debug, Clone, clap::Args)]
pub struct BundleArgs {
    /// Bundle directory (with bundle.yaml or bundle.json) or a single bundle file; `-` reads
    /// the manifest from standard input (its documents from the working directory)
    pub bundle: PathBuf,
    #[command(flatten)]
    pub time: TimeArgs,
}

impl BundleArgs {
    /// Loads the bundle: from its path, or, for `-`, from standard input.
    pub fn load(&self, engine: &crate::Engine) -> Result<crate::Bundle, crate::Error> {
        if self.bundle.as_os_str() == "-" {
            engine.load_stdin(&mut std::io::stdin().lock())
        } else {
            engine.load(&self.bundle)
        }
    }
}

/// What one bundle may cost to load; every subcommand that reads bundles honours these.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Bundle limits (for commands that read bundles)")]
pub struct LimitArgs {
    /// Most bytes of manifest and documents one bundle may have read (a document listed twice
    /// counts twice)
    #[arg(long, global = true, value_name = "BYTES", default_value_t = crate::bundle::DEFAULT_MAX_BUNDLE_BYTES)]
    pub max_bundle_bytes: u64,
    /// Most parsed elements (scalars and collections, YAML aliases expanded) one bundle may hold
    #[arg(long, global = true, value_name = "COUNT", default_value_t = crate::bundle::DEFAULT_MAX_BUNDLE_ELEMENTS)]
    pub max_bundle_elements: u64,
    /// Largest artifact a bundle may name (artifacts are hashed whole)
    #[arg(long, global = true, value_name = "BYTES", default_value_t = crate::bundle::DEFAULT_MAX_ARTIFACT_BYTES)]
    pub max_artifact_bytes: u64,
}

/// What every subcommand that decides bundles shares: the limits and the thread count.
#[derive(Debug, Clone)]
pub struct Globals {
    /// What one bundle may cost to load
    pub limits: Limits,
    /// Threads to decide on; `None`: the machine's parallelism
    pub threads: Option<NonZeroUsize>,
    /// A count of decisions on stderr, for the long commands when stderr is a terminal
    pub progress: Option<indicatif::ProgressBar>,
}

impl Globals {
    /// An engine builder for a pack, with these limits and threads.
    pub fn builder(&self, pack: Pack) -> EngineBuilder {
        let mut builder = Engine::builder(pack).limits(self.limits);
        if let Some(n) = self.threads {
            builder = builder.threads(n);
        }
        match &self.progress {
            Some(bar) => {
                let bar = bar.clone();
                builder.on_decided(move || bar.inc(1))
            }
            None => builder,
        }
    }
}

impl LimitArgs {
    /// The limits these flags set.
    pub fn limits(&self) -> Limits {
        Limits {
            bundle_bytes: self.max_bundle_bytes,
            bundle_elements: self.max_bundle_elements,
            artifact_bytes: self.max_artifact_bytes,
        }
    }
}

/// Which evidence space `table`, `diff` and `check` range over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SpaceName {
    /// Every combination of every feature value (137,700 cells)
    Full,
    /// A sub-space of about a thousand cells: a dense box of attestation, verifier decision,
    /// workload and output digests and key release, plus every value of each feature at a few
    /// base cells. Fast, for tests and quick local checks; not a proof over the whole space
    Quick,
}

/// The evidence space a subcommand ranges over.
#[derive(Debug, Clone, clap::Args)]
pub struct SpaceArgs {
    /// Evidence space to evaluate
    #[arg(long, value_enum, default_value = "full", value_name = "SPACE")]
    pub space: SpaceName,
}

impl SpaceArgs {
    /// The space named.
    pub fn space(&self) -> crate::space::Space {
        match self.space {
            SpaceName::Full => crate::space::Space::full(),
            SpaceName::Quick => crate::space::Space::quick(),
        }
    }
}

/// The formats of `eval`, each with its `--help` line.
pub const EVAL_FORMATS: &[(Format, &str)] = &[
    (Format::Human, "Text for people"),
    (
        Format::Json,
        "The decision as JSON (`claimgate.decision/v1`, keys in a fixed order)",
    ),
];

/// The formats of `gate`, each with its `--help` line.
pub const GATE_FORMATS: &[(Format, &str)] = &[
    (
        Format::Human,
        "Text for people; errors drawn with their source spans",
    ),
    (
        Format::Json,
        "The gate report as JSON (`claimgate.gate/v1`, keys in a fixed order)",
    ),
    (
        Format::Junit,
        "JUnit XML: one testcase per bundle and requirement (GitLab, Jenkins, ...)",
    ),
    (
        Format::Sarif,
        "SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, ...)",
    ),
    (
        Format::Github,
        "GitHub Actions workflow commands (`::error file=...,line=...::...`)",
    ),
    (Format::Markdown, "Markdown for a pull-request comment"),
];

/// The formats of `table`, each with its `--help` line.
pub const TABLE_FORMATS: &[(Format, &str)] = &[
    (
        Format::Csv,
        "One row per cell: the features, the label, the allowed claim ids",
    ),
    (Format::Json, "One object per cell"),
    (
        Format::Markdown,
        "Cells grouped by decision, each group described by its feature values",
    ),
];

/// The formats of `diff`, each with its `--help` line.
pub const DIFF_FORMATS: &[(Format, &str)] = &[
    (Format::Human, "Text for people"),
    (Format::Json, "JSON"),
    (Format::Markdown, "Markdown for a pull-request comment"),
    (
        Format::Html,
        "A self-contained HTML page: both decision tables drawn as grids, a claim filter",
    ),
];

/// The formats of `explain`, each with its `--help` line.
pub const EXPLAIN_FORMATS: &[(Format, &str)] = &[
    (
        Format::Human,
        "Text for people: the chain of rules, indented",
    ),
    (
        Format::Json,
        "JSON: the claim, its status and reasons, and every rule step",
    ),
];

/// The formats of `lint`, each with its `--help` line.
pub const LINT_FORMATS: &[(Format, &str)] = &[
    (
        Format::Human,
        "Text for people: `file:line: code: message`, then the count",
    ),
    (
        Format::Json,
        "JSON: every finding with its file, line, code and message",
    ),
    (
        Format::Sarif,
        "SARIF 2.1.0 for code scanning: a warning per finding, at its file and line",
    ),
];

/// The formats of `test`, each with its `--help` line.
pub const TEST_FORMATS: &[(Format, &str)] = &[
    (
        Format::Human,
        "Text for people: failures and errors, then the counts",
    ),
    (
        Format::Json,
        "JSON: every test, the counts and the coverage",
    ),
    (Format::Junit, "JUnit XML: one testcase per test"),
];

/// The formats of `check`, each with its `--help` line.
pub const CHECK_FORMATS: &[(Format, &str)] = &[
    (Format::Human, "Text for people"),
    (Format::Json, "JSON"),
    (Format::Markdown, "Markdown for a pull-request comment"),
];

/// The formats of `audit`, each with its `--help` line.
pub const AUDIT_FORMATS: &[(Format, &str)] = &[
    (
        Format::Human,
        "Text for people: what the receipt supports, then one line per finding",
    ),
    (
        Format::Json,
        "`{\"ok\", \"receipt\", \"claim\", \"supported\", \"label\", \"findings\": [...]}`",
    ),
];

/// The formats of `verify`, each with its `--help` line.
pub const VERIFY_FORMATS: &[(Format, &str)] = &[
    (Format::Human, "Text for people"),
    (
        Format::Json,
        "`{\"ok\", \"signature\", \"replayed\", \"mismatches\": [...]}`",
    ),
];

/// A `--format` value parser offering these formats (and only these), each with its help line.
pub fn formats(offered: &[(Format, &'static str)]) -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(
        offered
            .iter()
            .map(|(format, help)| PossibleValue::new(format.name()).help(*help)),
    )
    // Only offered names get through the parser above, and each is a format's name.
    .try_map(|name| Format::from_name(&name).ok_or_else(|| format!("no format `{name}`")))
}
