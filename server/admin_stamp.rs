//! The dashboard's input fingerprint, in one place for `build.rs` (which decides from it
//! whether `admin/dist/` must be rebuilt) and for the unit test that fails CI when the committed
//! `dist/` is stale. `admin/build.mjs` computes the same SHA-256 and writes it to
//! [`STAMP_FILE`] after each build.
//!
//! The inputs are `package.json`, `package-lock.json`, `build.mjs` and every file under `src/`.
//! The hash covers, for each of them in byte order of their paths (relative, `/`-separated):
//! the path, a NUL, the length in decimal, a NUL and the bytes.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Where the build writes the fingerprint of the inputs it was built from, relative to the
/// dashboard's directory.
pub const STAMP_FILE: &str = "dist/inputs.sha256";

/// The inputs outside `src/`, relative to the dashboard's directory.
pub const TOP_LEVEL_INPUTS: [&str; 3] = ["package.json", "package-lock.json", "build.mjs"];

/// The source directory, relative to the dashboard's directory.
pub const SOURCE_DIR: &str = "src";

/// Every input, as `/`-separated paths relative to `admin_dir`, sorted.
pub fn inputs(admin_dir: &Path) -> io::Result<Vec<String>> {
    let mut paths: Vec<String> = TOP_LEVEL_INPUTS.iter().map(|p| (*p).to_owned()).collect();
    let mut pending = vec![PathBuf::from(SOURCE_DIR)];
    while let Some(relative) = pending.pop() {
        for entry in std::fs::read_dir(admin_dir.join(&relative))? {
            let entry = entry?;
            let name = relative.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                pending.push(name);
            } else {
                let parts: Vec<String> = name
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                paths.push(parts.join("/"));
            }
        }
    }
    paths.sort();
    Ok(paths)
}

/// The hex SHA-256 of the inputs in `admin_dir`.
pub fn fingerprint(admin_dir: &Path) -> io::Result<String> {
    let mut hash = Sha256::new();
    for path in inputs(admin_dir)? {
        let bytes = std::fs::read(admin_dir.join(&path))?;
        hash.update(path.as_bytes());
        hash.update([0]);
        hash.update(bytes.len().to_string().as_bytes());
        hash.update([0]);
        hash.update(&bytes);
    }
    Ok(hash
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

/// The fingerprint `dist/` was built from, if it has one.
pub fn built_from(admin_dir: &Path) -> Option<String> {
    std::fs::read_to_string(admin_dir.join(STAMP_FILE))
        .ok()
        .map(|stamp| stamp.trim().to_owned())
}
