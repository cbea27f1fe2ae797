//! Writing output files whole or not at all.
//!
//! A receipt or counterexample file is written to a temporary file in the target's directory,
//! flushed to disk and renamed over the target, so a full disk, a crash or a signal leaves
//! either the old file or the complete new one, never a truncated one. Devices and pipes
//! (`/dev/stdout`, a FIFO) cannot be renamed over: they are written directly.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Temporary files are named `.<name>.<pid>.<n>.tmp`; `n` counts within the process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// How many names are tried when a temporary file of the same name already exists.
const ATTEMPTS: u32 = 64;

/// [`write_atomic`], with an error (`claimgate::io`) that names the file.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), crate::Error> {
    write_atomic(path, bytes).map_err(|e| named(path, &e))
}

/// An I/O error about `path`, as a `claimgate::io` error naming it.
pub fn named(path: &Path, e: &io::Error) -> crate::Error {
    crate::Error::Io(io::Error::new(
        e.kind(),
        format!("`{}`: {}", path.display(), crate::source::io_reason(e)),
    ))
}

/// Writes `bytes` to `path` atomically (temporary file and rename) when `path` is, or will be,
/// a regular file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let target = resolve(path)?;
    if let Ok(meta) = std::fs::metadata(&target) {
        if meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            ));
        }
        if !meta.is_file() {
            // A device or a pipe: there is no file to replace.
            let mut f = std::fs::OpenOptions::new().write(true).open(&target)?;
            f.write_all(bytes)?;
            return f.flush();
        }
    }
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?
        .to_string_lossy()
        .into_owned();
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    for _ in 0..ATTEMPTS {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        let file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let done = fill(file, bytes).and_then(|()| std::fs::rename(&tmp, &target));
        if done.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        return done;
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free temporary file name next to it",
    ))
}

fn fill(mut file: std::fs::File, bytes: &[u8]) -> io::Result<()> {
    file.write_all(bytes)?;
    file.sync_all()
}

/// A symlink is followed, so the file it points at is replaced and the link stays.
fn resolve(path: &Path) -> io::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
    }
}

#[cfg(test)]
mod tests {
    use super::write_atomic;

    #[test]
    fn replaces_whole_files_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("claimgate-output-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.json");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(write_atomic(&dir, b"x").is_err());
        let missing = dir.join("no/such/dir/out.json");
        assert!(write_atomic(&missing, b"x").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_full_device_is_an_error() {
        if std::path::Path::new("/dev/full").exists() {
            let e = write_atomic(std::path::Path::new("/dev/full"), b"x").unwrap_err();
            assert_eq!(e.raw_os_error(), Some(28), "{e}");
        }
    }
}
