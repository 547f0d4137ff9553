//! Generates a stack of N services x M variables, each service with its own schema and env
//! file, for benchmarks: `cargo run --release --example gen-stack -- DIR SERVICES VARS`.

use std::fmt::Write as _;
use std::path::Path;

/// Writes `envgate.toml`, `schemas/sNNN.toml` and `env/sNNN.env` under `dir`. Variables cycle
/// through the types so every check family runs; every value is valid.
pub fn generate(dir: &Path, services: usize, vars: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("schemas"))?;
    std::fs::create_dir_all(dir.join("env"))?;
    let mut stack = String::from("[envgate]\nformat = \"human\"\n");
    for s in 0..services {
        let name = format!("s{s:04}");
        let _ = write!(stack, "\n[services.{name}]\nschema = \"schemas/{name}.toml\"\nenv_files = [\"env/{name}.env\"]\n");
        let mut schema = format!("service = \"{name}\"\n");
        let mut env = String::new();
        for v in 0..vars {
            let var = format!("VAR_{v:05}");
            let (decl, value) = match v % 6 {
                0 => (
                    "type = \"secret\"\nmin_length = 32".to_string(),
                    format!(
                        "{:064x}",
                        (s as u128 + 1) * 0x9e37_79b9_7f4a_7c15 + v as u128
                    ),
                ),
                1 => (
                    "type = \"url\"\nschemes = [\"http\", \"https\"]".to_string(),
                    format!("http://svc-{v}.internal:8080/api"),
                ),
                2 => ("type = \"port\"".to_string(), format!("{}", 1024 + v)),
                3 => (
                    "type = \"enum\"\nvalues = [\"debug\", \"info\", \"warn\"]".to_string(),
                    "info".to_string(),
                ),
                4 => (
                    "type = \"duration\"\nmax = \"1h\"".to_string(),
                    "30s".to_string(),
                ),
                _ => (
                    "type = \"string\"\npattern = \"^[a-z0-9-]+$\"".to_string(),
                    format!("value-{v}"),
                ),
            };
            let _ = write!(schema, "\n[vars.{var}]\n{decl}\n");
            let _ = writeln!(env, "{var}={value}");
        }
        std::fs::write(dir.join(format!("schemas/{name}.toml")), schema)?;
        std::fs::write(dir.join(format!("env/{name}.env")), env)?;
    }
    std::fs::write(dir.join("envgate.toml"), stack)
}

#[allow(dead_code)]
fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let usage = || std::io::Error::other("usage: gen-stack DIR SERVICES VARS");
    let dir = args.get(1).ok_or_else(usage)?;
    let services = args.get(2).and_then(|s| s.parse().ok()).ok_or_else(usage)?;
    let vars = args.get(3).and_then(|s| s.parse().ok()).ok_or_else(usage)?;
    generate(Path::new(dir), services, vars)
}
