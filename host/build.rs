//! Builds the guest (`roster-guest`) for wasm32-wasip2 and hands its component to the host.
//!
//! The guest is built by a nested `cargo build` into `<target>/guest`, a target directory of
//! its own: the nested cargo must not wait on the lock of the build that runs this script,
//! and debug and release host builds then share one guest build. The component's path is
//! exported as `ROSTER_GUEST_WASM` for `include_bytes!`.

use std::collections::BTreeSet;
use std::env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{self, Command};

const GUEST_PACKAGE: &str = "roster-guest";
const GUEST_ARTIFACT: &str = "roster_guest";
const WASM_TARGET: &str = "wasm32-wasip2";

/// Environment that configures the host build and must not reach the wasm build.
const HOST_ONLY_ENV: &[&str] = &[
    // Flags meant for the host target.
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    // The guest goes to its own target directory, passed explicitly.
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    // The outer build's jobserver.
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "MFLAGS",
    // `cargo clippy` of the host would otherwise lint the guest with the host's settings.
    "RUSTC_WORKSPACE_WRAPPER",
    "CLIPPY_ARGS",
    "CLIPPY_CONF_DIR",
];

fn main() {
    let manifest_dir = PathBuf::from(env_var("CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir.parent().expect("host/ lives inside the workspace root").to_path_buf();
    let out_dir = PathBuf::from(env_var("OUT_DIR"));

    // OUT_DIR is `<target>/<profile>/build/<pkg>-<hash>/out`.
    let target_dir = out_dir.ancestors().nth(4).expect("OUT_DIR is <target>/<profile>/build/<pkg>-<hash>/out");
    // One guest build per checkout: cargo can take two clones sharing a target directory
    // (as CI's does) for the same package and call a stale guest fresh.
    let checkout = workspace
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3));
    let guest_target = target_dir.join("guest").join(format!("{checkout:016x}"));

    check_wasm_target_installed();
    build_guest(&workspace, &guest_target);

    let release_dir = guest_target.join(WASM_TARGET).join("release");
    let built = release_dir.join(format!("{GUEST_ARTIFACT}.wasm"));
    // A private copy, so a concurrent build of the other profile cannot change the bytes
    // between this script and `include_bytes!`.
    let embedded = out_dir.join(format!("{GUEST_ARTIFACT}.wasm"));
    fs::copy(&built, &embedded)
        .unwrap_or_else(|e| fail(&format!("cannot copy the guest component {}: {e}", built.display())));
    println!("cargo:rustc-env=ROSTER_GUEST_WASM={}", embedded.display());
    // Where people find the component the last build embedded (`wasm-tools component wit`).
    let _ = fs::copy(&built, target_dir.join(format!("{GUEST_ARTIFACT}.wasm")));

    rerun_if_changed(&workspace, &release_dir.join(format!("{GUEST_ARTIFACT}.d")));
}

fn build_guest(workspace: &Path, guest_target: &Path) {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .arg("--package")
        .arg(GUEST_PACKAGE)
        .arg("--release")
        .arg("--target")
        .arg(WASM_TARGET)
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(guest_target)
        // This script's stdout is read by cargo as directives.
        .stdout(io::stderr());
    for name in HOST_ONLY_ENV {
        command.env_remove(name);
    }
    eprintln!("building the guest: {command:?}");
    let status = command.status().unwrap_or_else(|e| fail(&format!("cannot run cargo to build the guest: {e}")));
    if !status.success() {
        fail(&format!("building the guest ({GUEST_PACKAGE}) for {WASM_TARGET} failed; see the errors above"));
    }
}

/// Fail early, with the fix, when the standard library for the guest's target is missing.
fn check_wasm_target_installed() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(output) = Command::new(&rustc).args(["--print", "sysroot"]).output() else {
        // Let the guest build report whatever is wrong with rustc.
        return;
    };
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if output.status.success() && !sysroot.join("lib/rustlib").join(WASM_TARGET).exists() {
        fail(&format!(
            "the Rust target {WASM_TARGET} is not installed; the guest component needs it.\n\
             Install it with:\n\n    rustup target add {WASM_TARGET}\n"
        ));
    }
}

/// Rerun when the guest's sources (as listed by its dep-info file), the WIT contract or the
/// manifests change.
fn rerun_if_changed(workspace: &Path, dep_info: &Path) {
    let mut paths = BTreeSet::new();
    paths.insert(workspace.join("guest/Cargo.toml"));
    paths.insert(workspace.join("Cargo.toml"));
    paths.insert(workspace.join("Cargo.lock"));
    let wit = workspace.join("wit");
    paths.insert(wit.clone());
    if let Ok(entries) = fs::read_dir(&wit) {
        paths.extend(entries.filter_map(|entry| entry.ok().map(|entry| entry.path())));
    }
    let dep_info = fs::read_to_string(dep_info)
        .unwrap_or_else(|e| fail(&format!("cannot read the guest's dep-info file {}: {e}", dep_info.display())));
    paths.extend(dep_info_paths(&dep_info));
    for path in paths {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// The prerequisites listed in a makefile-style dep-info file, where `\ ` escapes a space.
fn dep_info_paths(contents: &str) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for line in contents.lines() {
        let Some((_, prerequisites)) = line.split_once(": ") else {
            continue;
        };
        let mut words = prerequisites.split(' ').filter(|word| !word.is_empty());
        while let Some(word) = words.next() {
            let mut path = word.to_string();
            while path.ends_with('\\') {
                path.pop();
                path.push(' ');
                path.push_str(words.next().unwrap_or_default());
            }
            paths.push(PathBuf::from(path));
        }
    }
    paths
}

fn env_var(name: &str) -> String {
    env::var(name).unwrap_or_else(|_| fail(&format!("cargo did not set {name}")))
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    process::exit(1);
}
