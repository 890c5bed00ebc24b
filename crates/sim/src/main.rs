//! `backorder-sim --seed 1 --days 365 [--write-report docs/promise-accuracy.md]`: runs the
//! demo store in both scenarios, prints the results, and with `--write-report` writes the
//! markdown page and its SVG chart beside it. Exits with 1 if any invariant broke.

use std::path::Path;
use std::process::ExitCode;

use backorder_sim::{study, Scenario, Store};

struct Args {
    seed: u64,
    days: u32,
    write_report: Option<String>,
}

const USAGE: &str = "usage: backorder-sim [--seed N] [--days N] [--write-report PATH.md]";

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args { seed: 1, days: 365, write_report: None };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--seed" => {
                parsed.seed = value()?.parse().map_err(|_| format!("--seed takes a number\n{USAGE}"))?
            }
            "--days" => {
                parsed.days = value()?.parse().map_err(|_| format!("--days takes a number\n{USAGE}"))?;
                if parsed.days == 0 || parsed.days > 3_650 {
                    return Err("--days must be 1 to 3650".into());
                }
            }
            "--write-report" => parsed.write_report = Some(value()?),
            _ => return Err(USAGE.into()),
        }
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let result = study(&Store::demo(args.days), args.seed, &[Scenario::ON_TIME, Scenario::SLIPPING]);
    print!("{}\n{}", result.table(), result.targets());
    if let Some(path) = &args.write_report {
        let markdown = Path::new(path);
        let chart = markdown.with_extension("svg");
        let chart_name =
            chart.file_name().map_or_else(String::new, |name| name.to_string_lossy().into_owned());
        let command = format!(
            "cargo run -p backorder-sim --release -- --seed {} --days {} --write-report {path}",
            args.seed, args.days
        );
        let written = result
            .chart_svg()
            .and_then(|svg| std::fs::write(&chart, svg).map_err(|error| error.to_string()))
            .and_then(|()| {
                std::fs::write(markdown, result.markdown(&command, &chart_name))
                    .map_err(|error| error.to_string())
            });
        match written {
            Ok(()) => println!("\nwrote {} and {}", markdown.display(), chart.display()),
            Err(error) => {
                eprintln!("could not write the report: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let violations = result.violations();
    for violation in &violations {
        eprintln!("invariant broken: {violation}");
    }
    if violations.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
