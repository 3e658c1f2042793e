//! Measures the full vision pipeline against labelled images.
//!
//! Each scored row of each label file is loaded, padded and searched for faces by
//! the rule it shares with `smile-crops` (`common::images::detect_in_image`), and run
//! through the product's pipeline: the detector finds faces and the scorer scores the
//! strongest one. An image without a face counts as "no smile" with score
//! 0, because that is what the product would count. The decision threshold is the
//! product's own ([`PipelineConfig::smile_threshold`]), never tuned here.
//!
//! Prints a table and writes JSON with, per label file, `n`, `faces_found`,
//! `accuracy`, `balanced_accuracy`, `auc`, `threshold` and `operating_points`,
//! plus the same per `condition` tag when the file has that column. With
//! `--outcomes CSV` it also writes one row per image, for error analysis.

#[cfg(not(target_arch = "wasm32"))]
#[path = "../common/mod.rs"]
mod common;
#[cfg(not(target_arch = "wasm32"))]
mod metrics;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    match native::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("smile-eval: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Does nothing: the tool reads files, so it has no browser build.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::collections::BTreeMap;
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use anyhow::Context;
    use clap::Parser;
    use serde::Serialize;
    use smile_sensor::{Pipeline, PipelineConfig};

    use crate::common::images::detect_in_image;
    use crate::common::labels::{read_label_file, Label, LabelFile};
    use crate::common::{default_detector_path, read_model};
    use crate::metrics::{Metrics, Outcome};

    #[derive(Parser)]
    #[command(about = "Measure smile detection accuracy of the full pipeline on labelled images")]
    struct Args {
        /// Folder that the label files' `path` column is relative to.
        #[arg(long)]
        data: PathBuf,
        /// Label file (CSV with `path` and `label` columns); repeat for several.
        #[arg(long, required = true)]
        labels: Vec<PathBuf>,
        /// Output JSON file.
        #[arg(long)]
        json: PathBuf,
        /// Face detector ONNX model.
        #[arg(long, default_value_os_t = default_detector_path())]
        detector: PathBuf,
        /// Smile scorer ONNX model.
        #[arg(long, default_value_os_t = default_scorer_path())]
        scorer: PathBuf,
        /// Also measure and report the detector time per frame and the scorer time
        /// per face, in milliseconds (this process runs on one thread).
        #[arg(long)]
        timings: bool,
        /// Also write one CSV row per scored image to this file: label file, image
        /// path, label, whether a face was found, and the smile score.
        #[arg(long)]
        outcomes: Option<PathBuf>,
    }

    fn default_scorer_path() -> PathBuf {
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/models/smile_scorer.onnx"
        ))
    }

    #[derive(Serialize)]
    struct Report {
        detector: String,
        scorer: String,
        threshold: f32,
        labels: BTreeMap<String, FileReport>,
        #[serde(skip_serializing_if = "Option::is_none")]
        timings: Option<Timings>,
    }

    #[derive(Serialize)]
    struct FileReport {
        #[serde(flatten)]
        metrics: Metrics,
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        conditions: BTreeMap<String, Metrics>,
    }

    /// Wall-clock times of the release build on this machine, in milliseconds.
    #[derive(Serialize)]
    struct Timings {
        frames: usize,
        detector_ms_median: f64,
        detector_ms_mean: f64,
        faces: usize,
        scorer_ms_median: f64,
        scorer_ms_mean: f64,
    }

    #[derive(Default)]
    struct Stopwatch {
        detector: Vec<Duration>,
        scorer: Vec<Duration>,
    }

    pub fn run() -> anyhow::Result<()> {
        let args = Args::parse();
        let config = PipelineConfig::default();
        let mut pipeline = Pipeline::new(
            &read_model(&args.detector)?,
            &read_model(&args.scorer)?,
            config,
        )
        .context("failed to load the models")?;

        let mut stopwatch = Stopwatch::default();
        let mut labels = BTreeMap::new();
        let mut outcome_rows = match &args.outcomes {
            Some(path) => {
                let mut writer = csv::Writer::from_path(path)
                    .with_context(|| format!("failed to create {}", path.display()))?;
                writer.write_record(["labels", "path", "label", "face_found", "score"])?;
                Some(writer)
            }
            None => None,
        };
        print_header();
        for labels_path in &args.labels {
            let label_file = read_label_file(labels_path)?;
            let outcomes = score_file(&mut pipeline, &args.data, &label_file, &mut stopwatch)?;
            if let Some(writer) = &mut outcome_rows {
                for (image, outcome) in label_file.images.iter().zip(&outcomes) {
                    writer.write_record([
                        labels_path.display().to_string(),
                        image.path.clone(),
                        image.label.to_string(),
                        outcome.face_found.to_string(),
                        outcome.score.to_string(),
                    ])?;
                }
            }
            let report = summarise(&label_file, &outcomes, config.smile_threshold);
            print_rows(&labels_path.display().to_string(), &report);
            labels.insert(labels_path.display().to_string(), report);
        }

        if let Some(mut writer) = outcome_rows {
            writer.flush().context("failed to write the outcomes CSV")?;
        }

        let timings = args.timings.then(|| stopwatch.summary());
        if let Some(timings) = &timings {
            println!(
                "detector {:.2} ms median ({:.2} mean) over {} frames; scorer {:.3} ms median ({:.3} mean) over {} faces",
                timings.detector_ms_median,
                timings.detector_ms_mean,
                timings.frames,
                timings.scorer_ms_median,
                timings.scorer_ms_mean,
                timings.faces
            );
        }
        let report = Report {
            detector: args.detector.display().to_string(),
            scorer: args.scorer.display().to_string(),
            threshold: config.smile_threshold,
            labels,
            timings,
        };
        let json = serde_json::to_string_pretty(&report)?;
        std::fs::write(&args.json, json + "\n")
            .with_context(|| format!("failed to write {}", args.json.display()))?;
        Ok(())
    }

    fn score_file(
        pipeline: &mut Pipeline,
        data: &std::path::Path,
        label_file: &LabelFile,
        stopwatch: &mut Stopwatch,
    ) -> anyhow::Result<Vec<Outcome>> {
        let mut outcomes = Vec::with_capacity(label_file.images.len());
        for image in &label_file.images {
            let detected = detect_in_image(&data.join(&image.path), |frame| {
                let started = Instant::now();
                let faces = pipeline.detect(frame)?;
                stopwatch.detector.push(started.elapsed());
                Ok(faces)
            })?;
            let frame = detected.padded.frame()?;
            let faces = detected.faces;

            let score = match faces.first() {
                Some(face) => {
                    let started = Instant::now();
                    let smile = pipeline
                        .score(&frame, face)
                        .with_context(|| format!("smile scoring failed on {}", image.path))?;
                    stopwatch.scorer.push(started.elapsed());
                    smile.get()
                }
                None => 0.0,
            };
            outcomes.push(Outcome {
                is_smile: image.label == Label::Smile,
                face_found: !faces.is_empty(),
                score,
            });
        }
        Ok(outcomes)
    }

    fn summarise(label_file: &LabelFile, outcomes: &[Outcome], threshold: f32) -> FileReport {
        let mut by_condition: BTreeMap<String, Vec<Outcome>> = BTreeMap::new();
        for (image, outcome) in label_file.images.iter().zip(outcomes) {
            for condition in &image.conditions {
                by_condition
                    .entry(condition.clone())
                    .or_default()
                    .push(*outcome);
            }
        }
        FileReport {
            metrics: Metrics::compute(outcomes, threshold),
            conditions: by_condition
                .into_iter()
                .map(|(condition, outcomes)| (condition, Metrics::compute(&outcomes, threshold)))
                .collect(),
        }
    }

    fn print_header() {
        println!(
            "{:<44} {:>6} {:>6} {:>7} {:>8} {:>8} {:>7}",
            "labels", "n", "smiles", "faces", "accuracy", "balanced", "auc"
        );
    }

    fn print_rows(name: &str, report: &FileReport) {
        print_row(name, &report.metrics);
        for (condition, metrics) in &report.conditions {
            print_row(&format!("  condition {condition}"), metrics);
        }
    }

    fn print_row(name: &str, metrics: &Metrics) {
        let format =
            |value: Option<f64>| value.map_or_else(|| "-".to_owned(), |v| format!("{v:.4}"));
        println!(
            "{:<44} {:>6} {:>6} {:>7} {:>8} {:>8} {:>7}",
            name,
            metrics.n,
            metrics.smiles,
            metrics.faces_found,
            format(metrics.accuracy),
            format(metrics.balanced_accuracy),
            format(metrics.auc)
        );
    }

    impl Stopwatch {
        fn summary(&self) -> Timings {
            let (detector_ms_median, detector_ms_mean) = median_and_mean_ms(&self.detector);
            let (scorer_ms_median, scorer_ms_mean) = median_and_mean_ms(&self.scorer);
            Timings {
                frames: self.detector.len(),
                detector_ms_median,
                detector_ms_mean,
                faces: self.scorer.len(),
                scorer_ms_median,
                scorer_ms_mean,
            }
        }
    }

    fn median_and_mean_ms(durations: &[Duration]) -> (f64, f64) {
        if durations.is_empty() {
            return (0.0, 0.0);
        }
        let mut ms: Vec<f64> = durations.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        let mean = ms.iter().sum::<f64>() / ms.len() as f64;
        (ms[ms.len() / 2], mean)
    }
}
