//! `sluice build`: a configuration compiled into a guest image, or (`--host`) into a
//! standalone Linux program.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use super::load::{load, Source};
use sluice_elements::ip::classify::{IPClassifier, IPFilter, Program};

use crate::codegen::{self, Input};
use crate::compiled::Setup;
use crate::diagnostics::{self, Style};
use crate::runtime::RouterInfo;

/// The Sluice workspace this program was built from (its crates are the generated
/// program's dependencies).
pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Checks `source` and generates its host program's Rust source (what `sluice build
/// --host` compiles).
pub fn generate(source: &Source, defines: &[(String, String)]) -> Result<String, String> {
    generate_for(codegen::Target::Host, source, defines)
}

/// Checks `source` and generates the Rust source of a program for `target`. Errors come
/// rendered as `sluice check` renders them; a guest also refuses host-only classes and
/// device names that are not guest devices.
pub fn generate_for(
    target: codegen::Target,
    source: &Source,
    defines: &[(String, String)],
) -> Result<String, String> {
    let (name, text) = match source {
        Source::File(p) => (
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
        ),
        Source::Expr(t) => ("<expr>".to_string(), t.clone()),
        Source::Named(n, t) => (n.clone(), t.clone()),
    };
    let loaded = load(&Source::Named(name.clone(), text.clone()), defines, true)?;
    let (sources, checked) = loaded.instantiate();
    let Some(instance) = checked.instance else {
        return Err(diagnostics::render(&sources, &checked.errors, Style::Rich));
    };
    if target == codegen::Target::Guest {
        let mut problems = Vec::new();
        for e in &instance.flat.elements {
            if codegen::host_only(&e.class) {
                problems.push(format!(
                    "{name}: {} :: {}: {} reads or writes host files and cannot run in a guest image",
                    e.name, e.class, e.class
                ));
            }
            if codegen::guest_type(&e.class).is_some() {
                let devname = e.config.split(',').next().unwrap_or("").trim();
                if sluice_drivers::naming::guest_device_index(devname).is_none() {
                    problems.push(format!(
                        "{name}: {} :: {}: '{devname}' is not a guest device: use N or ethN (the N-th virtio NIC)",
                        e.name, e.class
                    ));
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems.join("\n"));
        }
    }
    let info = RouterInfo {
        flat: instance.flat,
        classes: instance.classes,
        ports: instance.resolved.ports.clone(),
    };
    let setup = Setup::from_parts(
        info.flat.clone(),
        info.classes.clone(),
        instance.resolved.clone(),
    );
    let programs = decision_programs(&setup);
    Ok(codegen::generate(&Input {
        target,
        info: &info,
        input_pull: &instance.resolved.input_pull,
        output_pull: &instance.resolved.output_pull,
        source_text: &text,
        source_name: &name,
        programs: &programs,
    }))
}

/// The decision programs of the configuration's IPClassifier and IPFilter elements,
/// configured as the program will configure them, for the generator to compile to code.
fn decision_programs(setup: &Setup) -> Vec<Option<Program>> {
    let elements = &setup.info.flat.elements;
    (0..elements.len())
        .map(|i| match elements[i].class.as_str() {
            "IPClassifier" => setup
                .configure::<IPClassifier>(i)
                .ok()
                .map(|e| e.program().clone()),
            "IPFilter" => setup
                .configure::<IPFilter>(i)
                .ok()
                .map(|e| e.program().clone()),
            _ => None,
        })
        .collect()
}

/// Compiles generated source into a program at `output`; returns the seconds it took.
/// Cargo's progress goes to stderr as it runs; its error text is returned on failure.
pub fn compile(main_rs: &str, package: &str, output: &Path) -> Result<f64, String> {
    let started = Instant::now();
    let dir = compile_many(
        &[(package.to_string(), main_rs.to_string())],
        package,
        "release",
    )?;
    let built = dir.join(package);
    std::fs::copy(&built, output)
        .map_err(|e| format!("{} -> {}: {e}", built.display(), output.display()))?;
    Ok(started.elapsed().as_secs_f64())
}

/// Writes the crate of generated programs, `(name, main.rs)`, for `target` under
/// `target/sluice-build/PACKAGE`, with the workspace's lock file (so the same dependency
/// versions); returns the workspace and the crate's directory.
fn write_crate(
    target: codegen::Target,
    programs: &[(String, String)],
    package: &str,
) -> Result<(PathBuf, PathBuf), String> {
    let workspace = workspace_dir();
    let workspace = workspace.canonicalize().unwrap_or(workspace);
    let crate_dir = workspace.join("target/sluice-build").join(package);
    let bin_dir = crate_dir.join("src/bin");
    std::fs::create_dir_all(&bin_dir).map_err(|e| format!("{}: {e}", bin_dir.display()))?;
    let names: Vec<&str> = programs.iter().map(|(n, _)| n.as_str()).collect();
    let ws = workspace.to_string_lossy();
    std::fs::write(
        crate_dir.join("Cargo.toml"),
        codegen::cargo_toml_for(target, package, &ws, &names),
    )
    .map_err(|e| e.to_string())?;
    for (name, source) in programs {
        std::fs::write(bin_dir.join(format!("{name}.rs")), source).map_err(|e| e.to_string())?;
    }
    let _ = std::fs::copy(workspace.join("Cargo.lock"), crate_dir.join("Cargo.lock"));
    Ok((workspace, crate_dir))
}

/// Compiles several generated programs, `(name, main.rs)`, as one crate with cargo's
/// `profile` (`release`, or `quick` for tests); returns the directory holding the programs.
pub fn compile_many(
    programs: &[(String, String)],
    package: &str,
    profile: &str,
) -> Result<PathBuf, String> {
    let (workspace, crate_dir) = write_crate(codegen::Target::Host, programs, package)?;
    let target = workspace.join("target/sluice-generated");
    eprintln!("sluice: compiling {package} (cargo, profile {profile}; dependencies are built once and reused)");
    let result = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--profile", profile, "--manifest-path"])
        .arg(crate_dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !result.status.success() {
        return Err(format!(
            "cargo failed:\n{}",
            String::from_utf8_lossy(&result.stderr)
        ));
    }
    Ok(target.join(profile))
}

/// The flags that make a freestanding guest out of the `x86_64-unknown-linux-gnu` target
/// (GUEST-NOTES.md): no C runtime, static, linked at 1 MiB by the library OS's script,
/// frame pointers for fault backtraces.
fn guest_rustflags(workspace: &Path) -> String {
    let script = workspace.join("libos/link.ld");
    [
        "-C relocation-model=static",
        "-C force-frame-pointers=yes",
        "-C link-arg=-nostartfiles",
        "-C link-arg=-nostdlib",
        "-C link-arg=-static",
        "-C link-arg=-no-pie",
        "-C link-arg=-Wl,--build-id=none",
        "-C link-arg=-Wl,-z,max-page-size=0x1000",
        "-C link-arg=-Wl,--gc-sections",
        &format!("-C link-arg=-Wl,-T,{}", script.display()),
    ]
    .join(" ")
}

/// Compiles generated guest programs, `(name, main.rs)`, as one crate for the freestanding
/// target with cargo's `profile`; returns the directory holding the images.
pub fn compile_guests(
    programs: &[(String, String)],
    package: &str,
    profile: &str,
) -> Result<PathBuf, String> {
    let (workspace, crate_dir) = write_crate(codegen::Target::Guest, programs, package)?;
    let names: Vec<&str> = programs.iter().map(|(n, _)| n.as_str()).collect();
    let target = workspace.join("target/sluice-guest");
    eprintln!("sluice: compiling guest {package} (cargo, profile {profile}, freestanding x86_64)");
    let result = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--profile",
            profile,
            "--target",
            GUEST_TARGET,
            "--manifest-path",
        ])
        .arg(crate_dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env(
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS",
            guest_rustflags(&workspace),
        )
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !result.status.success() {
        return Err(format!(
            "cargo failed:\n{}",
            String::from_utf8_lossy(&result.stderr)
        ));
    }
    let dir = target.join(GUEST_TARGET).join(profile);
    for name in &names {
        strip_keeping_symbols(&dir.join(name));
    }
    Ok(dir)
}

/// Strips the symbol table from an image (a fifth of its size), keeping a copy with symbols
/// beside it as `IMAGE.sym` for `addr2line -f -e IMAGE.sym ADDRESS` on a fault's backtrace.
/// Without binutils' `objcopy` the image keeps its symbols.
fn strip_keeping_symbols(image: &Path) {
    let sym = image.with_extension("sym");
    if std::fs::copy(image, &sym).is_err() {
        return;
    }
    let stripped = Command::new("objcopy")
        .arg("--strip-all")
        .arg(image)
        .status()
        .is_ok_and(|s| s.success());
    if !stripped {
        let _ = std::fs::remove_file(&sym);
    }
}

/// The target guests are built for: the only standard library installed (GUEST-NOTES.md).
pub const GUEST_TARGET: &str = "x86_64-unknown-linux-gnu";

/// Compiles one guest image to `output`; returns the seconds it took.
pub fn compile_guest(main_rs: &str, package: &str, output: &Path) -> Result<f64, String> {
    let started = Instant::now();
    let dir = compile_guests(
        &[(package.to_string(), main_rs.to_string())],
        package,
        "release",
    )?;
    let built = dir.join(package);
    std::fs::copy(&built, output)
        .map_err(|e| format!("{} -> {}: {e}", built.display(), output.display()))?;
    let sym = built.with_extension("sym");
    if sym.is_file() {
        let mut out_sym = output.as_os_str().to_owned();
        out_sym.push(".sym");
        let _ = std::fs::copy(&sym, PathBuf::from(out_sym));
    }
    Ok(started.elapsed().as_secs_f64())
}

/// A package name from a configuration's file name.
pub fn package_name(source: &Source) -> String {
    let stem = match source {
        Source::File(p) => p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        _ => String::from("expr"),
    };
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("sluice-{}", clean.trim_matches('-'))
}
