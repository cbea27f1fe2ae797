//! `claimgate._native`: the engine for Python. An `Engine` is a policy pack compiled once; its
//! methods take bundles (paths, or a manifest and files in memory), decide them with the GIL
//! released, and give back the JSON documents the command line prints, as Python objects.
//!
//! Every document comes from the library's own printers (`claimgate::json`), so a decision from
//! Python is the same as `claimgate eval --format json`, byte for byte before parsing. Errors
//! are Python exceptions carrying the diagnostic code, the exit code the command line would give
//! and the `--error-format json` object.

use claimgate::{At, BundleSource, Instant};
use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyMapping, PyString};
use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Mutex;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pyo3::create_exception!(
    claimgate,
    Error,
    PyException,
    "A claimgate error: `code` (the diagnostic code), `exit_code` (what the command line exits \
     with), `help`, and `diagnostic` (the `--error-format json` object)."
);
pyo3::create_exception!(
    claimgate,
    UsageError,
    Error,
    "A call claimgate cannot carry out as asked (exit code 2): an unknown claim id, a bad instant."
);
pyo3::create_exception!(
    claimgate,
    InputError,
    Error,
    "A bundle, claimed file, key or receipt that cannot be read, parsed or validated (exit code 3)."
);
pyo3::create_exception!(
    claimgate,
    PolicyError,
    Error,
    "A policy pack or upstream policy that cannot be loaded, compiled or evaluated (exit code 4)."
);

/// Bundles decided per chunk of an iterable, per thread: Python objects are read a chunk at a
/// time, so memory stays flat in the length of the iterable.
const CHUNK_PER_THREAD: usize = 64;

/// The names a bundle mapping may use: anything else is a mistake, and refused.
const BUNDLE_KEYS: [&str; 3] = ["manifest", "files", "name"];

/// A bundle as Python gives it, read while the GIL is held and loaded after it is released.
enum Source {
    /// `None` in a list of bundles: a row of a table that names no bundle. It is that row's
    /// error, not the end of the run.
    Null,
    /// In `decide_table`, an item that is no bundle: that row's error.
    Invalid(String),
    Path(PathBuf),
    Memory {
        name: String,
        manifest: Vec<u8>,
        files: BTreeMap<String, Vec<u8>>,
    },
}

impl BundleSource for Source {
    fn into_bundle(self, limits: claimgate::Limits) -> Result<claimgate::Bundle, claimgate::Error> {
        match self {
            Source::Null => Err(claimgate::UsageError {
                message: "no bundle: the item is None (a null path or manifest)".into(),
                help: None,
            }
            .into()),
            Source::Invalid(message) => Err(claimgate::UsageError {
                message,
                help: Some("a bundle is a path or a mapping with `manifest` and `files`".into()),
            }
            .into()),
            Source::Path(path) => path.into_bundle(limits),
            Source::Memory {
                name,
                manifest,
                files,
            } => Ok(claimgate::Bundle::from_memory_within(
                &name, &manifest, files, limits,
            )?),
        }
    }
}

impl Source {
    /// A path (`str` or `os.PathLike`), or a mapping `{"manifest": ..., "files": {...},
    /// "name": ...}`.
    fn of(bundle: &Bound<'_, PyAny>) -> PyResult<Source> {
        if let Ok(map) = bundle.cast::<PyMapping>() {
            return Source::of_mapping(map);
        }
        bundle.extract::<PathBuf>().map(Source::Path).map_err(|_| {
            PyTypeError::new_err(format!(
                "a bundle is a path or a mapping with `manifest` and `files`, not {}",
                type_name(bundle)
            ))
        })
    }

    fn of_mapping(map: &Bound<'_, PyMapping>) -> PyResult<Source> {
        for key in map.keys()?.iter() {
            let key: String = key.extract().map_err(|_| {
                PyTypeError::new_err("a bundle mapping's keys are strings".to_string())
            })?;
            if !BUNDLE_KEYS.contains(&key.as_str()) {
                return Err(PyValueError::new_err(format!(
                    "a bundle mapping has no key `{key}` (its keys: manifest, files, name)"
                )));
            }
        }
        let get = |key: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
            match map.get_item(key) {
                Ok(v) if !v.is_none() => Ok(Some(v)),
                Ok(_) => Ok(None),
                Err(e) if e.is_instance_of::<pyo3::exceptions::PyKeyError>(map.py()) => Ok(None),
                Err(e) => Err(e),
            }
        };
        let manifest = get("manifest")?
            .ok_or_else(|| PyValueError::new_err("a bundle mapping needs `manifest`"))?;
        let manifest = bytes_of(&manifest, "manifest")?;
        let name = match get("name")? {
            Some(n) => n
                .extract::<String>()
                .map_err(|_| PyTypeError::new_err("a bundle's `name` is a string"))?,
            None => "bundle.yaml".to_string(),
        };
        let mut files = BTreeMap::new();
        if let Some(f) = get("files")? {
            let f = f.cast::<PyMapping>().map_err(|_| {
                PyTypeError::new_err("a bundle's `files` maps relative paths to bytes or str")
            })?;
            for item in f.items()?.iter() {
                let (path, content): (String, Bound<'_, PyAny>) = item.extract().map_err(|_| {
                    PyTypeError::new_err("a bundle's `files` maps relative paths (str) to contents")
                })?;
                let content = bytes_of(&content, &path)?;
                files.insert(path, content);
            }
        }
        Ok(Source::Memory {
            name,
            manifest,
            files,
        })
    }
}

/// The bytes of `bytes`, `bytearray` or `memoryview`, or a `str` as UTF-8.
fn bytes_of(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u8>> {
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    value.extract::<Vec<u8>>().map_err(|_| {
        PyTypeError::new_err(format!(
            "`{what}` is bytes or str, not {}",
            type_name(value)
        ))
    })
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "this object".to_string())
}

/// The instant bundles are judged at: `None` is each bundle's own `evaluated_at`, else now
/// (as the command line without `--at`); a string is RFC 3339; a `datetime` must carry a
/// time zone.
fn at_of(at: Option<&Bound<'_, PyAny>>) -> PyResult<At> {
    let Some(at) = at.filter(|a| !a.is_none()) else {
        return Ok(At::given(None));
    };
    let text: String = if let Ok(s) = at.extract::<String>() {
        s
    } else if at.hasattr("isoformat")? && at.hasattr("tzinfo")? {
        if at.getattr("tzinfo")?.is_none() {
            return Err(UsageError::new_err(
                "`at` is a datetime without a time zone: give one (e.g. timezone.utc)",
            ));
        }
        at.call_method0("isoformat")?.extract()?
    } else {
        return Err(PyTypeError::new_err(format!(
            "`at` is an RFC 3339 string or an aware datetime, not {}",
            type_name(at)
        )));
    };
    Instant::parse(&text)
        .map(At::Pinned)
        .map_err(|why| UsageError::new_err(format!("`at`: {why}")))
}

/// A claimgate error as the Python exception of its stage, with its code and diagnostic.
fn py_error(py: Python<'_>, e: &claimgate::Error) -> PyErr {
    let exit = claimgate::cli::ExitStatus::from(e).code();
    let message = e.to_string();
    let err = match exit {
        2 => UsageError::new_err(message),
        4 => PolicyError::new_err(message),
        _ => InputError::new_err(message),
    };
    let diagnostic = claimgate::json::error(e);
    let value = err.value(py);
    let set = || -> PyResult<()> {
        value.setattr("code", diagnostic["code"].as_str())?;
        value.setattr("exit_code", exit)?;
        value.setattr("help", diagnostic["help"].as_str())?;
        value.setattr("diagnostic", loads(py, &diagnostic.to_string())?)?;
        Ok(())
    };
    match set() {
        Ok(()) => err,
        Err(other) => other,
    }
}

/// Most threads one engine decides on: a pool is made per size asked for, each thread with a
/// big stack, so a size is bounded.
const MAX_THREADS: usize = 4096;

/// A thread count from Python: 1 to [`MAX_THREADS`].
fn threads_of(n: usize) -> PyResult<NonZeroUsize> {
    NonZeroUsize::new(n)
        .filter(|n| n.get() <= MAX_THREADS)
        .ok_or_else(|| PyValueError::new_err(format!("threads is 1 to {MAX_THREADS}, not {n}")))
}

/// Parses JSON the library printed.
fn loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import(pyo3::intern!(py, "json"))?
        .call_method1(pyo3::intern!(py, "loads"), (text,))
}

/// Reads up to `n` bundles from a Python iterator; `None` is [`Source::Null`]. An item that
/// is no bundle raises its `TypeError` or `ValueError`, or, `lenient`, is [`Source::Invalid`].
fn chunk(
    iter: &mut Bound<'_, pyo3::types::PyIterator>,
    n: usize,
    lenient: bool,
) -> PyResult<Vec<Source>> {
    let mut out = Vec::with_capacity(n);
    for item in iter.by_ref().take(n) {
        let item = item?;
        out.push(if item.is_none() {
            Source::Null
        } else {
            match Source::of(&item) {
                Ok(source) => source,
                Err(e) if lenient => Source::Invalid(e.to_string()),
                Err(e) => return Err(e),
            }
        });
    }
    Ok(out)
}

/// How a call decides many bundles: at an instant, on a number of threads, and whether an
/// item that is no bundle is that item's error (`lenient`) or raises.
struct Many {
    at: At,
    threads: Option<usize>,
    lenient: bool,
}

/// The columns of `decide_table`, in order (`claimgate/_frames.py` names them too, with the
/// Spark types the helpers declare).
const TABLE_COLUMNS: [&str; 6] = [
    "label",
    "allowed",
    "job_id",
    "receipt_digest",
    "error_code",
    "error",
];

/// What `decide_table` keeps of one decision.
struct Row {
    label: &'static str,
    allowed: Vec<String>,
    job_id: String,
    receipt_digest: String,
}

/// A claimgate policy pack, compiled once, with the upstream policies and trusted keys it
/// decides with. Safe to share between threads; every method releases the GIL while it
/// decides.
#[pyclass(frozen, module = "claimgate")]
struct Engine {
    engine: claimgate::Engine,
    /// The same engine on other thread counts (`threads=` of a call), built once each.
    sized: Mutex<Vec<claimgate::Engine>>,
}

impl Engine {
    fn on(&self, threads: Option<usize>) -> PyResult<claimgate::Engine> {
        let Some(n) = threads else {
            return Ok(self.engine.clone());
        };
        let n = threads_of(n)?;
        if n == self.engine.threads() {
            return Ok(self.engine.clone());
        }
        let mut sized = self
            .sized
            .lock()
            .map_err(|_| PyValueError::new_err("the engine's thread pools are unusable"))?;
        if let Some(e) = sized.iter().find(|e| e.threads() == n) {
            return Ok(e.clone());
        }
        let e = self.engine.with_threads(n);
        sized.push(e.clone());
        Ok(e)
    }

    /// Decides every bundle of `bundles` a chunk at a time, `each` turning a decision into what
    /// is kept (off the GIL) and `put` handing it to Python (under it).
    fn each_chunk<'py, T: Send>(
        &self,
        py: Python<'py>,
        bundles: &Bound<'py, PyAny>,
        how: Many,
        each: impl Fn(claimgate::Assessment) -> Result<T, claimgate::Error> + Sync,
        mut put: impl FnMut(Result<T, claimgate::Error>) -> PyResult<()>,
    ) -> PyResult<()> {
        let Many {
            at,
            threads,
            lenient,
        } = how;
        let engine = self.on(threads)?;
        let size = engine.threads().get().saturating_mul(CHUNK_PER_THREAD);
        let mut iter = bundles.try_iter()?;
        loop {
            let sources = chunk(&mut iter, size, lenient)?;
            if sources.is_empty() {
                return Ok(());
            }
            let decided: Vec<Result<T, claimgate::Error>> = py.detach(|| {
                engine
                    .decide_many(sources, at)
                    .map(|r| r.and_then(&each))
                    .collect()
            });
            for result in decided {
                put(result)?;
            }
            // Ctrl-C stops a long run between chunks, as it would a Python loop.
            py.check_signals()?;
        }
    }
}

fn decision_json(a: claimgate::Assessment) -> Result<String, claimgate::Error> {
    Ok(claimgate::json::decision(a.decision())?)
}

#[pymethods]
impl Engine {
    /// Compiles a policy pack: `pack` is a pack directory, or `None` for the embedded pack.
    #[new]
    #[pyo3(signature = (pack=None, *, upstream=None, trusted_keys=Vec::new(), threads=None))]
    fn new(
        py: Python<'_>,
        pack: Option<PathBuf>,
        upstream: Option<PathBuf>,
        trusted_keys: Vec<PathBuf>,
        threads: Option<usize>,
    ) -> PyResult<Engine> {
        let threads = threads.map(threads_of).transpose()?;
        let built = py.detach(|| -> Result<claimgate::Engine, claimgate::Error> {
            let pack = match &pack {
                Some(dir) => claimgate::Pack::from_dir(dir)?,
                None => claimgate::Pack::embedded(),
            };
            let mut keys = claimgate::TrustedKeys::default();
            for key in &trusted_keys {
                keys.add_file(key)?;
            }
            let mut builder = claimgate::Engine::builder(pack).trust_keys(keys);
            if let Some(config) = upstream {
                builder = builder.upstream(config);
            }
            if let Some(n) = threads {
                builder = builder.threads(n);
            }
            builder.build()
        });
        Ok(Engine {
            engine: built.map_err(|e| py_error(py, &e))?,
            sized: Mutex::new(Vec::new()),
        })
    }

    /// The number of threads the engine decides on.
    #[getter]
    fn threads(&self) -> usize {
        self.engine.threads().get()
    }

    fn __repr__(&self) -> String {
        format!("claimgate.Engine(threads={})", self.engine.threads())
    }

    /// Decides one bundle: the same document as `claimgate eval --format json`.
    #[pyo3(signature = (bundle, at=None))]
    fn decide<'py>(
        &self,
        py: Python<'py>,
        bundle: &Bound<'py, PyAny>,
        at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let source = Source::of(bundle)?;
        let at = at_of(at)?;
        let engine = &self.engine;
        let text = py.detach(|| {
            let bundle = source.into_bundle(engine.limits())?;
            decision_json(engine.decide(&bundle, at)?)
        });
        loads(py, &text.map_err(|e| py_error(py, &e))?)
    }

    /// Decides many bundles on the engine's threads (or `threads`), in input order. A bundle
    /// that fails raises its error, or, with `return_exceptions=True`, stands in the list as
    /// its exception while the others are still decided.
    #[pyo3(signature = (bundles, at=None, *, threads=None, return_exceptions=false))]
    fn decide_many<'py>(
        &self,
        py: Python<'py>,
        bundles: &Bound<'py, PyAny>,
        at: Option<&Bound<'py, PyAny>>,
        threads: Option<usize>,
        return_exceptions: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let at = at_of(at)?;
        let out = PyList::empty(py);
        let how = Many {
            at,
            threads,
            lenient: false,
        };
        self.each_chunk(py, bundles, how, decision_json, |r| match r {
            Ok(text) => out.append(loads(py, &text)?),
            Err(e) if return_exceptions => out.append(py_error(py, &e).value(py)),
            Err(e) => Err(py_error(py, &e)),
        })?;
        Ok(out)
    }

    /// Decides many bundles into columns, one row per bundle in input order: `label`,
    /// `allowed` (claim ids), `job_id`, `receipt_digest`, `error_code` and `error`. A bundle
    /// that fails, `None` or an item that is no bundle is a row with its error and no label:
    /// never dropped, never raised.
    #[pyo3(signature = (bundles, at=None, *, threads=None))]
    fn decide_table<'py>(
        &self,
        py: Python<'py>,
        bundles: &Bound<'py, PyAny>,
        at: Option<&Bound<'py, PyAny>>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let at = at_of(at)?;
        let columns = TABLE_COLUMNS.map(|_| PyList::empty(py));
        let none = || py.None().into_bound(py);
        let row = |a: claimgate::Assessment| {
            let d = a.decision();
            Ok(Row {
                label: d.label.name(),
                allowed: d.allowed.iter().map(|c| c.id.clone()).collect(),
                job_id: d.job.job_id.clone(),
                receipt_digest: a.receipt().digest().to_string(),
            })
        };
        let how = Many {
            at,
            threads,
            lenient: true,
        };
        self.each_chunk(py, bundles, how, row, |r| {
            let [label, allowed, job, digest, code, error] = &columns;
            match r {
                Ok(row) => {
                    label.append(row.label)?;
                    allowed.append(row.allowed)?;
                    job.append(row.job_id)?;
                    digest.append(row.receipt_digest)?;
                    code.append(none())?;
                    error.append(none())
                }
                Err(e) => {
                    let diagnostic = claimgate::json::error(&e);
                    label.append(none())?;
                    allowed.append(PyList::empty(py))?;
                    job.append(none())?;
                    digest.append(none())?;
                    code.append(diagnostic["code"].as_str())?;
                    error.append(e.to_string())
                }
            }
        })?;
        let out = PyDict::new(py);
        for (name, column) in TABLE_COLUMNS.into_iter().zip(columns) {
            out.set_item(name, column)?;
        }
        Ok(out)
    }

    /// The canonical receipt of a bundle's decision: the bytes `claimgate receipt` prints,
    /// less the final newline. `statement=True` wraps it in an in-toto Statement; `sign` (an
    /// Ed25519 private key, PKCS#8 PEM) signs that Statement in a DSSE envelope.
    #[pyo3(signature = (bundle, at=None, *, statement=false, sign=None))]
    fn receipt<'py>(
        &self,
        py: Python<'py>,
        bundle: &Bound<'py, PyAny>,
        at: Option<&Bound<'py, PyAny>>,
        statement: bool,
        sign: Option<PathBuf>,
    ) -> PyResult<String> {
        let source = Source::of(bundle)?;
        let at = at_of(at)?;
        let engine = &self.engine;
        let bytes = py.detach(|| -> Result<Vec<u8>, claimgate::Error> {
            let bundle = source.into_bundle(engine.limits())?;
            let receipt = engine.decide(&bundle, at)?.receipt();
            let how = claimgate::Wrap::of(sign.as_deref(), statement);
            Ok(claimgate::json::canonical(&receipt.wrap(how)?))
        });
        let bytes = bytes.map_err(|e| py_error(py, &e))?;
        String::from_utf8(bytes).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Verifies a receipt file (bare, a Statement or a DSSE envelope): its bytes, signature
    /// (with the Ed25519 public `key`) and `decision_id` and, given the `bundle` it is about,
    /// every field against the decision replayed. The same document as `claimgate verify
    /// --format json`; a receipt that does not verify is `ok: False`, not an exception.
    #[pyo3(signature = (receipt, bundle=None, *, key=None))]
    fn verify<'py>(
        &self,
        py: Python<'py>,
        receipt: PathBuf,
        bundle: Option<&Bound<'py, PyAny>>,
        key: Option<PathBuf>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let source = bundle.map(Source::of).transpose()?;
        let engine = &self.engine;
        let text = py.detach(|| -> Result<String, claimgate::Error> {
            let file = claimgate::ReceiptFile::read(&receipt, key.as_deref())?;
            let bundle = source.map(|s| s.into_bundle(engine.limits())).transpose()?;
            Ok(claimgate::json::verification(
                &engine.verify(&file, bundle.as_ref())?,
            )?)
        });
        loads(py, &text.map_err(|e| py_error(py, &e))?)
    }

    /// Gates bundles (paths, directories or glob patterns) as `claimgate gate` does: every
    /// bundle must allow each `require`d claim id, have a label stronger than `forbid_label`,
    /// and allow what the `claimed` file (or published `text`) says. The same document as
    /// `claimgate gate --format json`; its `status` is `pass`, `fail` or `error`.
    #[pyo3(signature = (bundles, *, require=Vec::new(), forbid_label=None, claimed=None, text=None, at=None))]
    #[allow(clippy::too_many_arguments)]
    fn gate<'py>(
        &self,
        py: Python<'py>,
        bundles: Vec<PathBuf>,
        require: Vec<String>,
        forbid_label: Option<String>,
        claimed: Option<PathBuf>,
        text: Option<PathBuf>,
        at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let at = at_of(at)?;
        // The labels `claimgate gate --forbid-label` offers: forbidding `compute_receipt`
        // would fail every bundle.
        let forbid = match forbid_label.as_deref() {
            None => None,
            Some(name) => Some(
                claimgate::Label::from_name(name)
                    .filter(|l| *l != claimgate::Label::ComputeReceipt)
                    .ok_or_else(|| {
                        let offered: Vec<&str> = claimgate::Label::ALL[1..]
                            .iter()
                            .map(|l| l.name())
                            .collect();
                        UsageError::new_err(format!(
                            "`{name}` is not a label that can be forbidden ({})",
                            offered.join(", ")
                        ))
                    })?,
            ),
        };
        if claimed.is_some() && text.is_some() {
            return Err(UsageError::new_err("give `claimed` or `text`, not both"));
        }
        let named: Vec<String> = bundles
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let engine = &self.engine;
        let report = py.detach(|| -> Result<String, claimgate::Error> {
            let reqs = claimgate::gate::Requirements::new(
                engine,
                require,
                forbid,
                claimed.as_deref(),
                text.as_deref(),
            )?;
            let targets = claimgate::gate::expand(&named)?;
            let report = claimgate::gate::run(&targets, engine, at, &reqs);
            Ok(claimgate::json::gate(&report)?)
        });
        loads(py, &report.map_err(|e| py_error(py, &e))?)
    }
}

/// The native module; `claimgate/__init__.py` re-exports it.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Engine>()?;
    m.add("Error", py.get_type::<Error>())?;
    m.add("UsageError", py.get_type::<UsageError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("PolicyError", py.get_type::<PolicyError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
