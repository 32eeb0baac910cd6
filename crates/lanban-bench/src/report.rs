//! What a scenario reports: named figures per run, the median over runs, the correctness checks, and where it
//! ran. Printed as a table, or as JSON with `--json`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use hdrhistogram::Histogram;
use serde::Serialize;

/// One figure of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Metric {
    pub name: &'static str,
    pub value: f64,
    pub unit: &'static str,
}

/// The figures of one run, in the order they are printed.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Run {
    pub metrics: Vec<Metric>,
    /// Correctness violations seen in this run (lost, duplicated or reordered events, failed requests…).
    pub violations: Vec<String>,
}

impl Run {
    pub fn push(&mut self, name: &'static str, value: f64, unit: &'static str) {
        self.metrics.push(Metric { name, value, unit });
    }

    pub fn violation(&mut self, what: impl Into<String>) {
        self.violations.push(what.into());
    }

    /// Adds p50/p90/p99/p99.9/max of a histogram of microseconds, in milliseconds, named `{prefix} p50` etc.
    pub fn push_latency(&mut self, names: [&'static str; 5], micros: &Histogram<u64>) {
        let quantiles = [0.5, 0.9, 0.99, 0.999];
        for (name, q) in names.iter().zip(quantiles) {
            self.push(name, micros.value_at_quantile(q) as f64 / 1000.0, "ms");
        }
        self.push(names[4], micros.max() as f64 / 1000.0, "ms");
    }
}

/// Where and how the figures were taken.
#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    pub cpu: String,
    pub cores: usize,
    pub commit: String,
    /// The server's SQLite `synchronous` mode.
    pub synchronous: String,
    /// `release` or `debug` (debug figures are not comparable).
    pub build: &'static str,
    /// A server this tool started, or an external one.
    pub server: String,
}

/// A scenario's full report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: &'static str,
    pub parameters: BTreeMap<&'static str, String>,
    pub environment: Environment,
    pub runs: Vec<Run>,
    /// The median of each figure over the runs.
    pub median: Vec<Metric>,
    /// True when no run saw a violation.
    pub correct: bool,
}

impl Report {
    pub fn new(
        scenario: &'static str,
        parameters: BTreeMap<&'static str, String>,
        environment: Environment,
        runs: Vec<Run>,
    ) -> Report {
        let median = match runs.first() {
            Some(first) => first
                .metrics
                .iter()
                .map(|m| {
                    let mut values: Vec<f64> = runs
                        .iter()
                        .filter_map(|r| r.metrics.iter().find(|x| x.name == m.name))
                        .map(|x| x.value)
                        .collect();
                    values.sort_by(f64::total_cmp);
                    Metric {
                        name: m.name,
                        value: values.get(values.len() / 2).copied().unwrap_or(f64::NAN),
                        unit: m.unit,
                    }
                })
                .collect(),
            None => Vec::new(),
        };
        let correct = runs.iter().all(|r| r.violations.is_empty());
        Report {
            scenario,
            parameters,
            environment,
            runs,
            median,
            correct,
        }
    }

    /// The human-readable form: parameters, environment, one column per run and the median.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let params: Vec<String> = self
            .parameters
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let env = &self.environment;
        let _ = writeln!(out, "== {} ({})", self.scenario, params.join(" "));
        let _ = writeln!(
            out,
            "   {} build, synchronous={}, {} cores of {}, commit {}, {}",
            env.build, env.synchronous, env.cores, env.cpu, env.commit, env.server
        );
        let width = self
            .median
            .iter()
            .map(|m| m.name.len())
            .max()
            .unwrap_or(0)
            .max(6);
        let mut header = format!("   {:width$}", "");
        for i in 0..self.runs.len() {
            let _ = write!(header, " {:>12}", format!("run {}", i + 1));
        }
        if self.runs.len() > 1 {
            let _ = write!(header, " {:>12}", "median");
        }
        let _ = writeln!(out, "{header}");
        for m in &self.median {
            let mut line = format!("   {:width$}", m.name);
            for run in &self.runs {
                let value = run.metrics.iter().find(|x| x.name == m.name);
                let _ = write!(
                    line,
                    " {:>12}",
                    value.map_or("-".into(), |v| number(v.value))
                );
            }
            if self.runs.len() > 1 {
                let _ = write!(line, " {:>12}", number(m.value));
            }
            let _ = writeln!(line, " {}", m.unit);
            out.push_str(&line);
        }
        if self.correct {
            let _ = writeln!(
                out,
                "   checks: ok (no loss, duplicate, reorder or failed request)"
            );
        } else {
            for (i, run) in self.runs.iter().enumerate() {
                for v in run.violations.iter().take(20) {
                    let _ = writeln!(out, "   VIOLATION in run {}: {v}", i + 1);
                }
                if run.violations.len() > 20 {
                    let _ = writeln!(out, "   … and {} more", run.violations.len() - 20);
                }
            }
        }
        out
    }
}

fn number(value: f64) -> String {
    if value.is_nan() {
        "-".into()
    } else if value.abs() >= 1000.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    }
}

/// An empty latency histogram in microseconds, from 1 µs to 10 minutes, 3 significant figures.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3)
        .expect("constant bounds that hdrhistogram accepts")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Environment {
        Environment {
            cpu: "cpu".into(),
            cores: 2,
            commit: "abc".into(),
            synchronous: "full".into(),
            build: "release",
            server: "spawned".into(),
        }
    }

    #[test]
    fn the_median_is_taken_per_figure_over_runs() {
        let runs = [3.0, 1.0, 2.0]
            .into_iter()
            .map(|v| {
                let mut run = Run::default();
                run.push("x", v, "ms");
                run
            })
            .collect();
        let report = Report::new("t", BTreeMap::new(), env(), runs);
        assert_eq!(report.median[0].value, 2.0);
        assert!(report.correct);
        assert!(report.table().contains("median"));
    }

    #[test]
    fn a_violation_makes_the_report_incorrect() {
        let mut run = Run::default();
        run.violation("lost seq 4");
        let report = Report::new("t", BTreeMap::new(), env(), vec![run]);
        assert!(!report.correct);
        assert!(report.table().contains("lost seq 4"));
    }
}
