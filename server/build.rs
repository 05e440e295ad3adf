//! Embeds the staff dashboard (`admin/dist/`) in the server binary, rebuilding it first only
//! when its sources changed.
//!
//! `dist/` is committed together with the fingerprint of the sources it was built from
//! (`dist/inputs.sha256`). When the sources still have that fingerprint, the committed files
//! are embedded as they are, so building the server (and `cargo install`) needs no Node.js.
//! When they differ, someone changed the dashboard: this script runs `npm ci` (if
//! `node_modules/` is missing) and `npm run build`, and fails with a message naming Node.js when
//! npm cannot be found.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

#[path = "admin_stamp.rs"]
mod admin_stamp;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let admin = manifest_dir.join("admin");
    for input in admin_stamp::TOP_LEVEL_INPUTS {
        println!("cargo:rerun-if-changed={}", admin.join(input).display());
    }
    // A directory makes cargo look at every file under it, so added files count too.
    println!(
        "cargo:rerun-if-changed={}",
        admin.join(admin_stamp::SOURCE_DIR).display()
    );

    let wanted = admin_stamp::fingerprint(&admin).map_err(|e| {
        format!(
            "cannot read the dashboard's sources in {}: {e}",
            admin.display()
        )
    })?;
    if admin_stamp::built_from(&admin).as_deref() != Some(wanted.as_str()) {
        println!(
            "cargo:warning=the dashboard's sources changed since admin/dist/ was built: rebuilding it with npm"
        );
        rebuild(&admin)?;
        if admin_stamp::built_from(&admin).as_deref() != Some(wanted.as_str()) {
            return Err(format!(
                "`npm run build` in {} did not write a stamp matching the sources",
                admin.display()
            ));
        }
    }

    let out_dir = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?);
    let table = asset_table(&admin.join("dist"))?;
    std::fs::write(out_dir.join("admin_assets.rs"), table).map_err(|e| e.to_string())
}

/// `npm ci` when the packages are missing, then `npm run build`.
fn rebuild(admin: &Path) -> Result<(), String> {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let found = Command::new(npm)
        .arg("--version")
        .output()
        .map(|out| out.status.success())
        .unwrap_or(false);
    if !found {
        return Err(format!(
            "the staff dashboard's sources ({}) differ from the committed build in admin/dist/, \
             and rebuilding it needs Node.js (18 or later, with npm), which was not found on PATH. \
             Install Node.js, or restore the dashboard's sources to their committed state.",
            admin.display()
        ));
    }
    if !admin.join("node_modules").is_dir() {
        npm_run(npm, admin, &["ci", "--no-audit", "--no-fund"])?;
    }
    npm_run(npm, admin, &["run", "build"])
}

fn npm_run(npm: &str, admin: &Path, args: &[&str]) -> Result<(), String> {
    let status = Command::new(npm)
        .args(args)
        .current_dir(admin)
        .status()
        .map_err(|e| format!("cannot run npm {}: {e}", args.join(" ")))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`npm {}` in {} failed ({status})",
            args.join(" "),
            admin.display()
        ))
    }
}

/// Rust source for the embedded files: every file of `dist/` but the stamp and the `.gz`
/// copies, each with its gzip copy when the build made one.
fn asset_table(dist: &Path) -> Result<String, String> {
    let mut files = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let entries = std::fs::read_dir(dist.join(&relative))
            .map_err(|e| format!("cannot read {}: {e}", dist.join(&relative).display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| e.to_string())?;
            let name = relative.join(entry.file_name());
            if entry.file_type().map_err(|e| e.to_string())?.is_dir() {
                pending.push(name);
            } else {
                files.push(name);
            }
        }
    }
    let stamp = Path::new(admin_stamp::STAMP_FILE)
        .strip_prefix("dist")
        .map_err(|e| e.to_string())?
        .to_path_buf();
    files.retain(|f| *f != stamp && f.extension().is_none_or(|ext| ext != "gz"));
    files.sort();
    let mut table = String::from("&[\n");
    for file in files {
        let path: Vec<String> = file
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let body = dist.join(&file);
        let mut gzip = body.clone().into_os_string();
        gzip.push(".gz");
        let gzip = PathBuf::from(gzip);
        let gzip = if gzip.is_file() {
            format!("Some(include_bytes!({:?}))", gzip.display().to_string())
        } else {
            "None".to_owned()
        };
        let _ = writeln!(
            table,
            "    Asset {{ path: {:?}, body: include_bytes!({:?}), gzip: {gzip} }},",
            path.join("/"),
            body.display().to_string()
        );
    }
    table.push_str("]\n");
    Ok(table)
}
