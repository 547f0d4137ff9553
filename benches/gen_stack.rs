//! Generates a stack of N services x M variables, each service with its own schema and env
//! file, for benchmarks: `cargo run --release --example gen-stack -- DIR SERVICES VARS [GROUPS]`.
//! With GROUPS, the services also form that many `[[jwt]]` trust groups with RS256 keys
//! ([`generate_jwt`]).

use std::fmt::Write as _;
use std::path::Path;

/// `SplitMix64`: random-looking secrets (a run of zeros is rightly a `weak-secret`).
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

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
                    (0..4u64).fold(String::new(), |mut out, i| {
                        let _ = write!(out, "{:016x}", mix((s as u64) << 32 | (v as u64) << 2 | i));
                        out
                    }),
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

/// Like [`generate`], and the services form `groups` `[[jwt]]` trust groups of consecutive
/// services: the first of each group issues RS256 tokens with a private key, the others
/// verify them with its public key (each service also has `JWT_KEY`, `JWT_ISSUER` and
/// `JWT_AUDIENCE`). The keys are the committed openssl fixtures of `tests/fixtures/jwt`,
/// two pairs used in turn (RSA key generation is not part of what is measured); every
/// group is consistent, so every pair is probed and verifies.
#[allow(dead_code)]
pub fn generate_jwt(
    dir: &Path,
    services: usize,
    vars: usize,
    groups: usize,
) -> std::io::Result<()> {
    generate(dir, services, vars)?;
    let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jwt");
    let groups = groups.clamp(1, services.max(1));
    let size = services.div_ceil(groups);
    let mut stack = std::fs::read_to_string(dir.join("envgate.toml"))?;
    for (g, first) in (0..services).step_by(size.max(1)).enumerate() {
        let members: Vec<String> = (first..(first + size).min(services))
            .map(|s| format!("s{s:04}"))
            .collect();
        let pair = if g % 2 == 0 { "rsa1" } else { "rsa2" };
        for (i, name) in members.iter().enumerate() {
            let key = if i == 0 {
                format!("{pair}_private_pkcs8.pem")
            } else {
                format!("{pair}_public_spki.pem")
            };
            let schema = dir.join(format!("schemas/{name}.toml"));
            let mut text = std::fs::read_to_string(&schema)?;
            text.push_str(
                "\n[vars.JWT_KEY]\ntype = \"jwt-key\"\nalgorithm = \"RS256\"\n\n\
                 [vars.JWT_ISSUER]\ntype = \"string\"\n\n[vars.JWT_AUDIENCE]\ntype = \"string\"\n",
            );
            std::fs::write(&schema, text)?;
            let env_path = dir.join(format!("env/{name}.env"));
            let mut env = std::fs::read_to_string(&env_path)?;
            let _ = write!(
                env,
                "JWT_KEY_FILE={}\nJWT_ISSUER=https://issuer-{g}.internal/\nJWT_AUDIENCE=group-{g}\n",
                keys.join(key).display()
            );
            std::fs::write(&env_path, env)?;
        }
        let consumers: Vec<String> = members[1..].iter().map(|m| format!("\"{m}\"")).collect();
        let _ = write!(
            stack,
            "\n[[jwt]]\nname = \"group {g}\"\nissuer = \"{}\"\nconsumers = [{}]\nalg = \"RS256\"\n\
             key = \"JWT_KEY\"\niss = \"JWT_ISSUER\"\naud = \"JWT_AUDIENCE\"\n",
            members[0],
            consumers.join(", ")
        );
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
    match args.get(4) {
        Some(groups) => {
            let groups = groups.parse().map_err(|_| usage())?;
            generate_jwt(Path::new(dir), services, vars, groups)
        }
        None => generate(Path::new(dir), services, vars),
    }
}
