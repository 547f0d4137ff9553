//! The command line: clap definitions and the glue from arguments to the library and back
//! to text on the terminal. The only layer that knows about terminals.
// Doc comments here are `--help` text, where backticks would show.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::doc_markdown)]

use clap::{Args, Parser, Subcommand, ValueEnum};
use envgate::error::ConfigError;
use envgate::report::{explain, human, json, token};
use envgate::rules::Code;
use envgate::source::ProcessEnv;
use envgate::stack::Settings;
use envgate::{ColorChoice, Format, Selection};
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "envgate",
    version,
    about = "Stop a service from booting with broken configuration",
    long_about = "Checks the variables each service needs against declarative schemas, with values from the \
                  process environment, dotenv files and NAME_FILE secret files, and reports every problem at \
                  once (variable, service, source, fix) without ever printing a secret.\n\n\
                  Exit codes: 0 no errors, 1 validation failed, 2 the run could not be made."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check one service (--schema) or a stack (--config, default ./envgate.toml)
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Show each variable's status, source and (for secrets) length, classes and fingerprint
    Explain(ExplainArgs),
    /// List finding codes, or explain one
    Rules(RulesArgs),
    /// Say which services of the stack's [[jwt]] groups accept a bearer token, and why not
    #[command(after_help = TOKEN_EXAMPLES)]
    Token(TokenArgs),
}

const TOKEN_EXAMPLES: &str = "\
Paste the token from a failing request (a 401/403): envgate verifies it with the key, algorithm
and expected iss/aud of every service of the stack's [[jwt]] groups (issuers included) and says,
per service, accepts or why not: signature (and whose key does verify it), algorithm, issuer,
audience, expired, not yet valid. The token is never printed.

Exit codes: 0 every service accepts it, 1 at least one rejects it, 2 the input is not a JWT,
the stack has no [[jwt]] group, or the run could not be made.

Examples:
  pbpaste | envgate token                          # from the clipboard: stays out of shell history
  envgate token - < token.txt                      # \"Bearer \" and blanks around it are ignored
  envgate token --config deploy/envgate.toml --profile production -
  envgate token --format json - < token.txt | jq '.services[] | select(.accepts | not)'";

const CHECK_EXAMPLES: &str = "\
Examples:
  envgate check                                    # the stack in ./envgate.toml
  envgate check --schema schema.toml --env-file .env
  envgate check --config deploy/envgate.toml --service api --profile production
  envgate check --schema schema.toml --no-process-env --env-file deploy/prod.env --strict
  envgate check --format json --output envgate-report.json
  envgate check --quiet && exec ./server           # a silent gate before the service starts";

#[derive(Debug, Args)]
pub struct SelectionArgs {
    /// Schema of one service to check
    #[arg(long, value_name = "FILE", conflicts_with = "config")]
    pub schema: Option<PathBuf>,
    /// Stack file naming the services and their sources [default: ./envgate.toml]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Check only this service of the stack (repeatable)
    #[arg(long = "service", value_name = "NAME")]
    pub services: Vec<String>,
    /// Dotenv file to read (repeatable; later files win, the environment wins over files)
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Profile whose overlays apply [env: ENVGATE_PROFILE]
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Ignore the process environment (check deploy files in CI)
    #[arg(long)]
    pub no_process_env: bool,
    /// When to colour the output [env: ENVGATE_COLOR] [default: auto]
    #[arg(long, value_enum, value_name = "WHEN")]
    pub color: Option<ColorArg>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Report format [env: ENVGATE_FORMAT] [default: human]
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Write the report to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Fail on warnings too [env: ENVGATE_STRICT]
    #[arg(long)]
    pub strict: bool,
    /// Print nothing when the check passes; on failure only what fails it and the verdict
    /// (a JSON report or an --output file is always whole)
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Output format: a table per service, or one JSON document of the rows
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Variables to show (default: all)
    #[arg(value_name = "VAR")]
    pub vars: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A finding code to explain
    pub code: Option<String>,
    /// Print the registry as Markdown (this is docs/rules.md)
    #[arg(long)]
    pub markdown: bool,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Report format
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// The token, or - to read it from standard input (the default when standard input is not
    /// a terminal). A token given here lands in your shell history: prefer standard input.
    #[arg(value_name = "TOKEN | -")]
    pub token: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// How the run ended, for the exit code.
pub enum Outcome {
    Passed,
    Failed,
}

fn selection(args: &SelectionArgs, format: Option<FormatArg>, strict: bool) -> Selection {
    Selection {
        schema: args.schema.clone(),
        config: args.config.clone(),
        services: args.services.clone(),
        env_files: args.env_files.clone(),
        no_process_env: args.no_process_env,
        explain: false,
        resident_schema_vars: None,
        flags: Settings {
            format: format.map(|f| match f {
                FormatArg::Human => "human".into(),
                FormatArg::Json => "json".into(),
            }),
            profile: args.profile.clone(),
            strict: strict.then_some(true),
            color: args.color.map(|c| match c {
                ColorArg::Auto => "auto".into(),
                ColorArg::Always => "always".into(),
                ColorArg::Never => "never".into(),
            }),
        },
    }
}

fn use_color(choice: ColorChoice, to_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal && supports_color::on(supports_color::Stream::Stdout).is_some()
        }
    }
}

/// What happened to a write to standard output or `--output`.
fn written<T>(result: io::Result<T>, what: &str, target: &str) -> Result<Option<T>, ConfigError> {
    match result {
        Ok(v) => Ok(Some(v)),
        // A reader that went away (`envgate rules | head`) is no error worth a message: the
        // run ends quietly with the exit code it would have had.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(None),
        Err(e) => Err(ConfigError::usage(format!(
            "cannot write {what} to {target}: {e}"
        ))),
    }
}

/// Writes to standard output through a buffer, flushed at the end (so a full disk is seen).
fn to_stdout(
    what: &str,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), ConfigError> {
    let mut w = io::BufWriter::new(io::stdout().lock());
    written(
        write(&mut w).and_then(|()| w.flush()),
        what,
        "standard output",
    )
    .map(|_| ())
}

/// `--env-file` paths given on the command line must name files: a typo there is a usage
/// error (exit 2), not a finding. Env files named in a stack file stay findings.
fn check_env_file_args(args: &SelectionArgs) -> Result<(), ConfigError> {
    for path in &args.env_files {
        let problem = match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => "is a directory, not an env file",
            Err(e) if e.kind() == io::ErrorKind::NotFound => "does not exist",
            // A file, or unreadable for another reason (reported as a finding with it).
            _ => continue,
        };
        return Err(ConfigError::usage(format!(
            "--env-file {}: {problem} (paths are relative to the working directory)",
            envgate::report::printable(&path.display().to_string())
        )));
    }
    Ok(())
}

/// The token from the argument, or from standard input (`-`, or no argument when standard
/// input is not a terminal), read up to [`token::MAX_INPUT_BYTES`].
fn token_input(arg: Option<&str>) -> Result<String, ConfigError> {
    let stdin = io::stdin();
    match arg {
        Some(token) if token != "-" => return Ok(token.to_string()),
        None if io::IsTerminal::is_terminal(&stdin) => {
            return Err(ConfigError::usage(
                "give the token on standard input (`envgate token -`, then paste it and press Ctrl-D, or pipe it in) \
                 or as an argument (which lands in your shell history)",
            ))
        }
        _ => {}
    }
    let mut bytes = Vec::new();
    let limit = u64::try_from(token::MAX_INPUT_BYTES + 1).unwrap_or(u64::MAX);
    io::Read::read_to_end(&mut io::Read::take(stdin.lock(), limit), &mut bytes).map_err(|e| {
        ConfigError::usage(format!("cannot read the token from standard input: {e}"))
    })?;
    if bytes.len() > token::MAX_INPUT_BYTES {
        return Err(ConfigError::usage(format!(
            "jwt-malformed: standard input holds more than {} KiB, the most envgate reads for a token: not a token (nothing decoded)",
            token::MAX_INPUT_BYTES / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|_| {
        ConfigError::usage("jwt-malformed: standard input is not UTF-8 text, so it is not a JWT")
    })
}

/// A finding code as a user may type it: any case, `_` for `-` (`MISSING`, `url_scheme`).
fn parse_code(name: &str) -> Option<Code> {
    name.trim()
        .to_ascii_lowercase()
        .replace('_', "-")
        .parse::<Code>()
        .ok()
}

/// Runs a command. `Err` is exit 2.
pub fn run(cli: Cli) -> Result<Outcome, ConfigError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    match cli.command {
        Command::Check(args) => {
            check_env_file_args(&args.selection)?;
            let env = ProcessEnv::capture();
            let plan = envgate::plan_with_env(
                &selection(&args.selection, args.format, args.strict),
                &env,
            )?;
            if let Some(out) = args.output.as_deref().filter(|o| plan.reads(o)) {
                return Err(ConfigError::usage(format!(
                    "--output {} is one of the files being checked; choose another file for the report",
                    out.display()
                )));
            }
            let report = envgate::check(&plan, &env, &cwd)?;
            if let Some(out) = args.output.as_deref().filter(|o| report.read_value_from(o)) {
                return Err(ConfigError::usage(format!(
                    "--output {} is a secret file a value was read from; choose another file for the report",
                    out.display()
                )));
            }
            // `--quiet` shapes what reaches the terminal; a report file is always whole.
            let write = |out: &mut dyn Write, color: bool, quiet: bool| match plan.format {
                Format::Human if quiet => {
                    human::render_quiet(&report, out, human::Palette { color })
                }
                Format::Human => human::render(&report, out, human::Palette { color }),
                Format::Json => json::render(&report, out),
            };
            if let Some(path) = &args.output {
                let result = std::fs::File::create(path).and_then(|f| {
                    let mut w = io::BufWriter::new(f);
                    // A file is no terminal: colour only when asked for explicitly.
                    write(&mut w, plan.color == ColorChoice::Always, false)?;
                    w.flush()
                });
                written(result, "the report", &path.display().to_string())?;
            } else {
                let color = use_color(plan.color, io::IsTerminal::is_terminal(&io::stdout()));
                to_stdout("the report", |w| write(w, color, args.quiet))?;
            }
            let outcome = if report.ok {
                Outcome::Passed
            } else {
                Outcome::Failed
            };
            // The process ends right after this: freeing every schema, value and finding one
            // by one would only delay the exit (the report is written and flushed).
            std::mem::forget(report);
            std::mem::forget(plan);
            std::mem::forget(env);
            Ok(outcome)
        }
        Command::Explain(args) => {
            check_env_file_args(&args.selection)?;
            let env = ProcessEnv::capture();
            let plan = envgate::plan_with_env(
                &Selection {
                    explain: true,
                    ..selection(&args.selection, None, false)
                },
                &env,
            )?;
            let declared: Vec<&str> = plan
                .services
                .iter()
                // An `explain` plan keeps every schema.
                .filter_map(|s| s.schema.kept())
                .flat_map(|schema| schema.vars.iter().map(|v| v.name.as_str()))
                .collect();
            if let Some(unknown) = args.vars.iter().find(|v| !declared.contains(&v.as_str())) {
                let mut msg = format!("`{unknown}` is not declared by any selected service");
                if let Some(best) = envgate::suggest::closest(unknown, declared.iter().copied()) {
                    msg.push_str(&format!("; did you mean `{best}`?"));
                }
                return Err(ConfigError::usage(msg));
            }
            let report = envgate::check(&plan, &env, &cwd)?;
            let failing = explain::failing(&report, &args.vars);
            let color = use_color(plan.color, io::IsTerminal::is_terminal(&io::stdout()));
            to_stdout("the explanation", |w| match args.format {
                FormatArg::Human => {
                    explain::render(&report, &args.vars, w, human::Palette { color })
                }
                FormatArg::Json => explain::render_json(&report, &args.vars, w),
            })?;
            Ok(if failing {
                Outcome::Failed
            } else {
                Outcome::Passed
            })
        }
        Command::Token(args) => {
            check_env_file_args(&args.selection)?;
            let input = token_input(args.token.as_deref())?;
            let env = ProcessEnv::capture();
            let plan = envgate::plan_with_env(&selection(&args.selection, None, false), &env)?;
            // "Now", once for the run: every expiry is judged against the same instant.
            let now = envgate::unix_now();
            let report = token::verify(&plan, &env, &cwd, &input, now)?;
            let color = use_color(plan.color, io::IsTerminal::is_terminal(&io::stdout()));
            to_stdout("the token report", |w| match args.format {
                FormatArg::Human => token::render(&report, w, human::Palette { color }),
                FormatArg::Json => token::render_json(&report, w),
            })?;
            Ok(if report.ok {
                Outcome::Passed
            } else {
                Outcome::Failed
            })
        }
        Command::Rules(args) => {
            if args.markdown {
                to_stdout("the rules", |w| {
                    w.write_all(envgate::rules::registry::rules_markdown().as_bytes())
                })?;
                return Ok(Outcome::Passed);
            }
            let text = match args.code {
                None => {
                    let width = Code::ALL
                        .iter()
                        .map(|c| c.as_str().len())
                        .max()
                        .unwrap_or(0);
                    let mut text = String::new();
                    for code in Code::ALL {
                        let info = code.info();
                        text.push_str(&format!(
                            "{:<width$}  {:<7}  {}\n",
                            info.code,
                            info.severity.as_str(),
                            info.summary
                        ));
                    }
                    text.push_str("\n`envgate rules CODE` explains one code.\n");
                    text
                }
                Some(name) => {
                    let Some(code) = parse_code(&name) else {
                        let mut msg = format!(
                            "unknown finding code `{}`",
                            envgate::report::printable(&name)
                        );
                        let spelled = name.trim().to_ascii_lowercase().replace('_', "-");
                        if let Some(best) = envgate::suggest::closest(
                            &spelled,
                            Code::ALL.iter().map(|c| c.as_str()),
                        ) {
                            msg.push_str(&format!("; did you mean `{best}`?"));
                        }
                        msg.push_str(" (`envgate rules` lists them)");
                        return Err(ConfigError::usage(msg));
                    };
                    let info = code.info();
                    format!(
                        "{}\n\n{}\n\nDefault severity: {}\nExample: {}\nFix: {}\n",
                        info.code, info.summary, info.severity, info.example, info.fix
                    )
                }
            };
            to_stdout("the rules", |w| w.write_all(text.as_bytes()))?;
            Ok(Outcome::Passed)
        }
    }
}

/// Prints an exit-2 error: every diagnostic on its own line, with file, line and column.
pub fn print_error(err: &ConfigError) {
    let mut stderr = io::stderr().lock();
    for d in &err.diagnostics {
        let _ = writeln!(
            stderr,
            "envgate: error: {}",
            envgate::report::printable(&d.to_string())
        );
    }
}
