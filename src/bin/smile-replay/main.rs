//! Replays a video through the face detector, the smile scorer and the session's
//! event logic, then prints the smile events, interactions and aggregate reports.
//!
//! With a label file (`--labels`, the CSV with `path`, `duration_s` and `segments`)
//! it also compares the client's smile events with the labelled spans of each clip:
//! labelled smiles, detected smiles, onset delay and false events. `--sweep` repeats
//! that comparison over a grid of smile thresholds and times, on the scores already
//! computed, to choose the defaults.
//!
//! The face detector runs on the frames the product's detection schedule picks;
//! `--detect-every-frame` runs it on every frame for comparison. `--timings` prints
//! the thread CPU time of each stage per frame.
//!
//! `--role-segments ROLE=SEGMENTS` labels the faces of one role instead, so a clip
//! with two faces, split into a client and an employee zone by `--config`, is
//! evaluated for each face. The JSON output has the per-frame scores around each
//! labelled smile and each event outside one.
//!
//! Frame times are the start time plus the frame index divided by the frame rate.

#[cfg(not(target_arch = "wasm32"))]
mod evaluate;
#[cfg(not(target_arch = "wasm32"))]
mod labels;
#[cfg(not(target_arch = "wasm32"))]
mod trace;
#[cfg(not(target_arch = "wasm32"))]
mod video;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    match native::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("smile-replay: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Does nothing: the tool reads files and starts processes, so it has no browser
/// build.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::collections::hash_map::RandomState;
    use std::collections::BTreeMap;
    use std::hash::{BuildHasher, Hasher};
    use std::path::{Path, PathBuf};

    use anyhow::{bail, Context};
    use clap::Parser;
    use serde::Serialize;

    use smile_sensor::face::ScoredFace;
    use smile_sensor::interaction::Interaction;
    use smile_sensor::report::AggregateReport;
    use smile_sensor::roles::{CameraId, Role};
    use smile_sensor::schedule::{
        Decision, DetectReason, DetectionSchedule, DetectionScheduleConfig,
    };
    use smile_sensor::session::{SensorSession, SessionConfig, SessionEvent};
    use smile_sensor::smile_events::SmileEventConfig;
    use smile_sensor::time::Timestamp;
    use smile_sensor::{Frame, Pipeline, PipelineConfig, PixelFormat, StageTimes};

    use crate::evaluate::{evaluate, ClipEvaluation, DetectedSmile};
    use crate::labels::{
        find_row, parse_segments_with_references, read_video_rows, segments_of, RoleLabels,
        RoleSegments, VideoRow,
    };
    use crate::trace::{score_traces, trace_windows, FrameScores, ScoreTrace, TRACE_MARGIN_S};
    use crate::video::{probe, DecodeOptions, Decoder};

    const CAMERA: CameraId = CameraId(0);

    #[derive(Parser, Debug)]
    #[command(
        name = "smile-replay",
        about = "Replays videos through the smile pipeline and event logic"
    )]
    struct Args {
        /// Video files ffmpeg can read; `.xz` files are decompressed with xz.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Label CSV with the columns path, duration_s and segments.
        #[arg(long)]
        labels: Option<PathBuf>,
        /// Label row to use, by path or file name, when the input's file name has no
        /// row of its own. Only with a single input.
        #[arg(long)]
        clip_id: Option<String>,
        /// Labelled spans of the faces of one role, as ROLE=SEGMENTS: ROLE is client
        /// or employee, SEGMENTS has the syntax of the label file's segments column
        /// (such as 0-1.5:neutral;2-10:smile, or same timeline as NAME A-B s for a
        /// row of --labels). Repeat it for each role; it replaces the clip's label
        /// row. Only with a single input.
        #[arg(long, value_name = "ROLE=SEGMENTS")]
        role_segments: Vec<RoleSegments>,
        /// Output JSON file with the events, interactions, reports and evaluation.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Face detector ONNX model.
        #[arg(long, default_value_os_t = model_path("face_detection_short_range.onnx"))]
        detector: PathBuf,
        /// Smile scorer ONNX model.
        #[arg(long, default_value_os_t = model_path("smile_scorer.onnx"))]
        scorer: PathBuf,
        /// Session configuration as JSON (the fields of SessionConfig); without it
        /// the defaults, with one camera that films clients only.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Count the employee role, as after the employee opts in.
        #[arg(long)]
        employee_opt_in: bool,
        /// Resample the video to this many frames per second.
        #[arg(long)]
        fps: Option<f64>,
        /// Decode only this many seconds from the start of each video.
        #[arg(long)]
        max_seconds: Option<f64>,
        /// Time of the first frame, in milliseconds since the Unix epoch.
        #[arg(long, default_value_t = 0.0)]
        start_unix_ms: f64,
        /// Override smile.enter_threshold (score 0 to 1).
        #[arg(long)]
        enter: Option<f32>,
        /// Override smile.exit_threshold (score 0 to 1).
        #[arg(long)]
        exit: Option<f32>,
        /// Override smile.min_smile_ms (milliseconds).
        #[arg(long)]
        min_smile_ms: Option<u32>,
        /// Override smile.release_ms (milliseconds).
        #[arg(long)]
        release_ms: Option<u32>,
        /// Largest onset delay that meets the target, in milliseconds.
        #[arg(long, default_value_t = 500.0)]
        max_onset_delay_ms: f64,
        /// Also evaluate a grid of smile settings and list those that meet the
        /// target on every labelled clip.
        #[arg(long)]
        sweep: bool,
        /// Print only the evaluation, not each event and report.
        #[arg(long)]
        quiet: bool,
        /// Run the face detector on every frame instead of on the frames the
        /// detection schedule picks.
        #[arg(long)]
        detect_every_frame: bool,
        /// Override detection.max_interval_ms: the maximum time between two
        /// detector runs, in milliseconds.
        #[arg(long)]
        detection_interval_ms: Option<u32>,
        /// Override detection.face_change: the mean luma change inside a followed
        /// face, in levels of 0 to 255, that runs the detector.
        #[arg(long)]
        face_change: Option<f32>,
        /// Override detection.scene_change: the mean luma change of a block outside
        /// the followed faces, in levels of 0 to 255, that runs the detector.
        #[arg(long)]
        scene_change: Option<f32>,
        /// Override detection.score_change: the move of a followed face's smile score
        /// since the last detection that runs the detector again on the same frame.
        #[arg(long)]
        score_change: Option<f32>,
        /// Print the mean and 95th percentile CPU time per frame of each stage, in
        /// milliseconds, measured on this thread.
        #[arg(long)]
        timings: bool,
    }

    fn model_path(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("models")
            .join(name)
    }

    /// The faces of one frame that the session allowed to be scored, with scores.
    struct Observation {
        offset_ms: f64,
        faces: Vec<ScoredFace>,
    }

    struct Clip {
        input: PathBuf,
        width: u32,
        height: u32,
        fps: f64,
        observations: Vec<Observation>,
        /// Frames on which the face detector ran.
        detector_frames: usize,
        /// Frames on which the face detector ran, by reason.
        detect_reasons: BTreeMap<DetectReason, usize>,
        /// Pipeline stage times of each frame.
        stage_times: Vec<StageTimes>,
        /// Labelled spans of each evaluated role; empty when the clip has no labels.
        labels: Vec<RoleLabels>,
    }

    #[derive(Serialize)]
    struct SmileOutput {
        role: Role,
        start_s: f64,
        end_s: f64,
        confirmed_s: Option<f64>,
        peak: f32,
        smile_seconds: f64,
    }

    #[derive(Serialize)]
    struct InteractionOutput {
        start_s: f64,
        end_s: f64,
        client_smiles: usize,
        employee_smiles: usize,
    }

    #[derive(Serialize)]
    struct ClipOutput {
        input: String,
        width: u32,
        height: u32,
        fps: f64,
        frames: usize,
        frames_with_faces: usize,
        detector_frames: usize,
        detect_reasons: BTreeMap<DetectReason, usize>,
        smiles: Vec<SmileOutput>,
        interactions: Vec<InteractionOutput>,
        reports: Vec<AggregateReport>,
        evaluations: Vec<RoleEvaluation>,
        timings: Option<Vec<StageSummary>>,
    }

    /// Mean and 95th percentile thread CPU time per frame of one stage, in
    /// milliseconds.
    #[derive(Serialize)]
    struct StageSummary {
        stage: &'static str,
        mean_ms: f64,
        p95_ms: f64,
    }

    /// Comparison of the smile events of one role with its labelled spans.
    #[derive(Serialize)]
    struct RoleEvaluation {
        #[serde(flatten)]
        labels: RoleLabels,
        evaluation: ClipEvaluation,
        meets_target: bool,
        /// Scores of the role's faces around each labelled smile and each event
        /// outside one.
        traces: Vec<ScoreTrace>,
    }

    #[derive(Serialize)]
    struct SweepResult {
        smile: SmileEventConfig,
        totals: ClipEvaluation,
        max_onset_delay_ms: Option<f64>,
        meets_target_on_every_clip: bool,
    }

    #[derive(Serialize)]
    struct Output {
        config: SessionConfig,
        detection: DetectionScheduleConfig,
        clips: Vec<ClipOutput>,
        totals: Option<ClipEvaluation>,
        sweep: Vec<SweepResult>,
    }

    pub fn run() -> anyhow::Result<()> {
        let args = Args::parse();
        if args.clip_id.is_some() && args.inputs.len() != 1 {
            bail!(
                "--clip-id needs exactly one input, got {}",
                args.inputs.len()
            );
        }
        if !args.role_segments.is_empty() && args.inputs.len() != 1 {
            bail!(
                "--role-segments needs exactly one input, got {}",
                args.inputs.len()
            );
        }
        if !args.employee_opt_in
            && args
                .role_segments
                .iter()
                .any(|labels| labels.role == Role::Employee)
        {
            bail!("--role-segments employee=... needs --employee-opt-in, or the employee is not scored");
        }
        let config = session_config(&args)?;
        let detection = detection_config(&args)?;
        let detector = read_model(&args.detector)?;
        let scorer = read_model(&args.scorer)?;
        let mut pipeline = Pipeline::new(&detector, &scorer, PipelineConfig::default())
            .context("failed to load the models")?;
        let label_rows = match &args.labels {
            Some(path) => Some(read_video_rows(path)?),
            None => None,
        };

        let mut clips = Vec::new();
        for input in &args.inputs {
            let mut clip = decode_clip(&mut pipeline, &config, &detection, &args, input)?;
            clip.labels = clip_labels(label_rows.as_deref(), &args, &clip)?;
            clips.push(clip);
        }

        let mut outputs = Vec::new();
        let mut totals: Option<ClipEvaluation> = None;
        for clip in &clips {
            let output = replay(&config, &args, clip, args.timings)?;
            print_clip(&output, &args);
            for role_evaluation in &output.evaluations {
                totals
                    .get_or_insert_with(ClipEvaluation::default)
                    .add(&role_evaluation.evaluation);
            }
            outputs.push(output);
        }
        if let Some(totals) = &totals {
            println!("\n== all clips");
            println!("{}", describe(totals, args.max_onset_delay_ms));
        }

        let sweep = if args.sweep {
            sweep(&config, &args, &clips)?
        } else {
            Vec::new()
        };
        if let Some(path) = &args.json {
            let output = Output {
                config,
                detection,
                clips: outputs,
                totals,
                sweep,
            };
            let json = serde_json::to_string_pretty(&output)?;
            std::fs::write(path, json)
                .with_context(|| format!("failed to write {}", path.display()))?;
        }
        Ok(())
    }

    fn read_model(path: &Path) -> anyhow::Result<Vec<u8>> {
        std::fs::read(path).with_context(|| {
            format!(
                "failed to read the model {}: build it under models/ or pass its path",
                path.display()
            )
        })
    }

    fn session_config(args: &Args) -> anyhow::Result<SessionConfig> {
        let mut config = match &args.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("failed to read {}", path.display()))?;
                serde_json::from_str(&text)
                    .with_context(|| format!("invalid session configuration {}", path.display()))?
            }
            None => SessionConfig::new("replay"),
        };
        if let Some(enter) = args.enter {
            config.smile.enter_threshold = enter;
        }
        if let Some(exit) = args.exit {
            config.smile.exit_threshold = exit;
        }
        if let Some(min_smile_ms) = args.min_smile_ms {
            config.smile.min_smile_ms = min_smile_ms;
        }
        if let Some(release_ms) = args.release_ms {
            config.smile.release_ms = release_ms;
        }
        config.validate()?;
        Ok(config)
    }

    fn detection_config(args: &Args) -> anyhow::Result<DetectionScheduleConfig> {
        let mut detection = DetectionScheduleConfig::default();
        if let Some(interval) = args.detection_interval_ms {
            detection.max_interval_ms = interval;
        }
        if let Some(face_change) = args.face_change {
            detection.face_change = face_change;
        }
        if let Some(scene_change) = args.scene_change {
            detection.scene_change = scene_change;
        }
        if let Some(score_change) = args.score_change {
            detection.score_change = score_change;
        }
        if args.detect_every_frame {
            detection = DetectionScheduleConfig::every_frame();
        }
        detection.validate()?;
        Ok(detection)
    }

    /// Returns the labels of `clip`: those of `--role-segments`, or else the client
    /// labels of its row in the label file.
    fn clip_labels(
        rows: Option<&[VideoRow]>,
        args: &Args,
        clip: &Clip,
    ) -> anyhow::Result<Vec<RoleLabels>> {
        if !args.role_segments.is_empty() {
            let duration_s = clip.observations.len() as f64 / clip.fps;
            return args
                .role_segments
                .iter()
                .map(|role_segments| {
                    let source = format!("--role-segments {role_segments:?}");
                    let segments = parse_segments_with_references(
                        rows.unwrap_or_default(),
                        &source,
                        &role_segments.segments,
                        duration_s,
                    )?;
                    Ok(RoleLabels {
                        role: role_segments.role,
                        segments,
                    })
                })
                .collect();
        }
        let Some(rows) = rows else {
            return Ok(Vec::new());
        };
        let file_name = clip
            .input
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = args.clip_id.as_deref().unwrap_or(&file_name);
        match find_row(rows, name) {
            Some(row) => Ok(vec![RoleLabels {
                role: Role::Client,
                segments: segments_of(rows, row)?,
            }]),
            None => {
                eprintln!("smile-replay: no label row for {name}; pass --clip-id to pick one");
                Ok(Vec::new())
            }
        }
    }

    /// Decodes a clip, runs the detector on the frames the detection schedule
    /// picks and scores the faces that a session with `config` allows.
    fn decode_clip(
        pipeline: &mut Pipeline,
        config: &SessionConfig,
        detection: &DetectionScheduleConfig,
        args: &Args,
        input: &Path,
    ) -> anyhow::Result<Clip> {
        let info = probe(input)?;
        let fps = args.fps.unwrap_or(info.fps);
        let options = DecodeOptions {
            fps: args.fps,
            max_seconds: args.max_seconds,
        };
        let mut session = SensorSession::new(config.clone())?;
        session.set_employee_opt_in(args.employee_opt_in);
        let mut schedule = DetectionSchedule::new(detection.clone())?;

        let mut decoder = Decoder::start(input, info, options)?;
        let mut pixels = Vec::new();
        let mut observations = Vec::new();
        let mut stage_times = Vec::new();
        let mut detector_frames = 0;
        let mut detect_reasons = BTreeMap::new();
        while decoder.next_frame(&mut pixels)? {
            let frame = Frame::new(
                &pixels,
                info.width,
                info.height,
                info.width as usize * 4,
                PixelFormat::Rgba8,
            )?;
            let offset_ms = observations.len() as f64 * 1000.0 / fps;
            let at = Timestamp::from_unix_ms(args.start_unix_ms + offset_ms)?;
            let mut scored = Vec::new();
            let mut stages = StageTimes::default();
            let mut lap_started = thread_cpu_ms();
            let decision = pipeline.analyze(
                &frame,
                at,
                &mut schedule,
                |face| {
                    session
                        .scoring_role(CAMERA, info.width, info.height, face)
                        .is_some()
                },
                &mut scored,
                |stage| {
                    let now = thread_cpu_ms();
                    stages.add(stage, now - lap_started);
                    lap_started = now;
                },
            )?;
            if let Decision::Detect(reason) = decision {
                detector_frames += 1;
                *detect_reasons.entry(reason).or_insert(0) += 1;
            }
            stage_times.push(stages);
            observations.push(Observation {
                offset_ms,
                faces: scored,
            });
        }
        decoder.finish()?;
        Ok(Clip {
            input: input.to_owned(),
            width: info.width,
            height: info.height,
            fps,
            observations,
            detector_frames,
            detect_reasons,
            stage_times,
            labels: Vec::new(),
        })
    }

    /// CPU time of the calling thread in milliseconds. CPU time rather than wall
    /// time keeps stage times comparable on a machine shared with other work.
    fn thread_cpu_ms() -> f64 {
        let mut time = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `time` is a valid, writable timespec for the duration of the call.
        let result = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
        if result != 0 {
            return 0.0;
        }
        time.tv_sec as f64 * 1000.0 + time.tv_nsec as f64 / 1_000_000.0
    }

    /// Random bytes for report ids from the standard library's randomly seeded
    /// hasher: unique enough for a replay, whose reports are never delivered.
    fn report_ids() -> impl FnMut() -> [u8; 16] {
        let state = RandomState::new();
        let mut counter = 0u64;
        move || {
            let mut bytes = [0u8; 16];
            for half in bytes.chunks_mut(8) {
                let mut hasher = state.build_hasher();
                hasher.write_u64(counter);
                counter += 1;
                half.copy_from_slice(&hasher.finish().to_le_bytes());
            }
            bytes
        }
    }

    struct Replay {
        events: Vec<SessionEvent>,
        reports: Vec<AggregateReport>,
        /// Time of each frame's `observe` call, in milliseconds.
        events_ms: Vec<f64>,
    }

    fn run_session(config: &SessionConfig, args: &Args, clip: &Clip) -> anyhow::Result<Replay> {
        let mut session = SensorSession::new(config.clone())?;
        session.set_employee_opt_in(args.employee_opt_in);
        let mut events = Vec::new();
        let mut events_ms = Vec::with_capacity(clip.observations.len());
        for observation in &clip.observations {
            let at = Timestamp::from_unix_ms(args.start_unix_ms + observation.offset_ms)?;
            let started = thread_cpu_ms();
            let observed =
                session.observe(CAMERA, at, clip.width, clip.height, &observation.faces)?;
            events_ms.push(thread_cpu_ms() - started);
            events.extend(observed);
        }
        events.extend(session.pause());
        let reports = session.flush(report_ids());
        Ok(Replay {
            events,
            reports,
            events_ms,
        })
    }

    fn seconds(args: &Args, at: Timestamp) -> f64 {
        (at.unix_ms() - args.start_unix_ms) / 1000.0
    }

    fn replay(
        config: &SessionConfig,
        args: &Args,
        clip: &Clip,
        with_timings: bool,
    ) -> anyhow::Result<ClipOutput> {
        let Replay {
            events,
            reports,
            events_ms,
        } = run_session(config, args, clip)?;
        let smiles = smiles_of(&events, args);
        let interactions = events
            .iter()
            .filter_map(|event| match event {
                SessionEvent::InteractionEnded { interaction } => {
                    Some(interaction_output(interaction, args))
                }
                _ => None,
            })
            .collect();
        let evaluations = clip
            .labels
            .iter()
            .map(|labels| evaluate_role(config, args, clip, labels, &smiles))
            .collect();
        Ok(ClipOutput {
            input: clip.input.display().to_string(),
            width: clip.width,
            height: clip.height,
            fps: clip.fps,
            frames: clip.observations.len(),
            frames_with_faces: clip
                .observations
                .iter()
                .filter(|observation| !observation.faces.is_empty())
                .count(),
            detector_frames: clip.detector_frames,
            detect_reasons: clip.detect_reasons.clone(),
            smiles,
            interactions,
            reports,
            evaluations,
            timings: with_timings.then(|| summarize_stages(&clip.stage_times, &events_ms)),
        })
    }

    /// Mean and 95th percentile per frame of each stage and of their total.
    fn summarize_stages(stage_times: &[StageTimes], events_ms: &[f64]) -> Vec<StageSummary> {
        let column =
            |value: fn(&StageTimes) -> f64| -> Vec<f64> { stage_times.iter().map(value).collect() };
        let totals: Vec<f64> = stage_times
            .iter()
            .zip(events_ms)
            .map(|(stages, events)| stages.total_ms() + events)
            .collect();
        [
            ("change check", column(|stages| stages.change_check_ms)),
            ("preprocessing", column(|stages| stages.preprocess_ms)),
            ("detector", column(|stages| stages.detector_ms)),
            ("scorer", column(|stages| stages.scorer_ms)),
            ("events", events_ms.to_vec()),
            ("total", totals),
        ]
        .into_iter()
        .map(|(stage, values)| StageSummary {
            stage,
            mean_ms: mean(&values),
            p95_ms: percentile(values, 0.95),
        })
        .collect()
    }

    fn mean(values: &[f64]) -> f64 {
        if values.is_empty() {
            return 0.0;
        }
        values.iter().sum::<f64>() / values.len() as f64
    }

    /// The `fraction` quantile by the nearest-rank method, 0 for no values.
    fn percentile(mut values: Vec<f64>, fraction: f64) -> f64 {
        if values.is_empty() {
            return 0.0;
        }
        values.sort_by(f64::total_cmp);
        let rank = (fraction * values.len() as f64).ceil() as usize;
        values[rank.clamp(1, values.len()) - 1]
    }

    fn evaluate_role(
        config: &SessionConfig,
        args: &Args,
        clip: &Clip,
        labels: &RoleLabels,
        smiles: &[SmileOutput],
    ) -> RoleEvaluation {
        let detected = smiles_of_role(smiles, labels.role);
        let evaluation = evaluate(&labels.segments, &detected);
        let windows = trace_windows(&labels.segments, &detected, TRACE_MARGIN_S);
        RoleEvaluation {
            meets_target: evaluation.meets(args.max_onset_delay_ms),
            evaluation,
            labels: labels.clone(),
            traces: score_traces(&windows, &role_scores(config, clip, labels.role)),
        }
    }

    /// Returns the smile scores of the faces of `role` in each frame.
    fn role_scores(config: &SessionConfig, clip: &Clip, role: Role) -> Vec<FrameScores> {
        clip.observations
            .iter()
            .map(|observation| FrameScores {
                time_s: observation.offset_ms / 1000.0,
                scores: observation
                    .faces
                    .iter()
                    .filter(|scored| {
                        config
                            .roles
                            .role_of(CAMERA, clip.width, clip.height, &scored.face.rect)
                            == Some(role)
                    })
                    .map(|scored| scored.smile.get())
                    .collect(),
            })
            .collect()
    }

    /// Pairs each ended smile with the announcement of its start.
    fn smiles_of(events: &[SessionEvent], args: &Args) -> Vec<SmileOutput> {
        events
            .iter()
            .filter_map(|event| match event {
                SessionEvent::SmileEnded { event } => Some(event),
                _ => None,
            })
            .map(|smile| {
                let confirmed_at = events.iter().find_map(|event| match event {
                    SessionEvent::SmileStarted {
                        role,
                        start,
                        confirmed_at,
                    } if *role == smile.role && *start == smile.start => Some(*confirmed_at),
                    _ => None,
                });
                SmileOutput {
                    role: smile.role,
                    start_s: seconds(args, smile.start),
                    end_s: seconds(args, smile.end),
                    confirmed_s: confirmed_at.map(|at| seconds(args, at)),
                    peak: smile.peak.get(),
                    smile_seconds: smile.smile_seconds,
                }
            })
            .collect()
    }

    fn smiles_of_role(smiles: &[SmileOutput], role: Role) -> Vec<DetectedSmile> {
        smiles
            .iter()
            .filter(|smile| smile.role == role)
            .map(|smile| DetectedSmile {
                start_s: smile.start_s,
                end_s: smile.end_s,
                confirmed_s: smile.confirmed_s.unwrap_or(smile.start_s),
            })
            .collect()
    }

    fn interaction_output(interaction: &Interaction, args: &Args) -> InteractionOutput {
        InteractionOutput {
            start_s: seconds(args, interaction.start),
            end_s: seconds(args, interaction.end),
            client_smiles: interaction.smile_count(Role::Client),
            employee_smiles: interaction.smile_count(Role::Employee),
        }
    }

    fn describe(evaluation: &ClipEvaluation, max_delay_ms: f64) -> String {
        let delays: Vec<String> = evaluation
            .onset_delays_ms
            .iter()
            .map(|delay| format!("{delay:.0}"))
            .collect();
        format!(
            "labelled smiles {}, detected {}, onset delay [{}] ms, false events {}, split events {}, unannotated events {}: {}",
            evaluation.labelled_smiles,
            evaluation.detected_smiles,
            delays.join(", "),
            evaluation.false_events,
            evaluation.split_events,
            evaluation.unannotated_events,
            if evaluation.meets(max_delay_ms) { "meets the target" } else { "misses the target" }
        )
    }

    fn role_name(role: Role) -> &'static str {
        match role {
            Role::Client => "client",
            Role::Employee => "employee",
        }
    }

    fn print_clip(output: &ClipOutput, args: &Args) {
        println!(
            "\n== {} ({}x{}, {:.2} fps, {} frames, faces in {}, detector on {})",
            output.input,
            output.width,
            output.height,
            output.fps,
            output.frames,
            output.frames_with_faces,
            output.detector_frames
        );
        if !output.detect_reasons.is_empty() {
            let reasons: Vec<String> = output
                .detect_reasons
                .iter()
                .map(|(reason, frames)| format!("{reason:?} {frames}"))
                .collect();
            println!("detector runs by reason: {}", reasons.join(", "));
        }
        for stage in output.timings.iter().flatten() {
            println!(
                "time {}: mean {:.3} ms, p95 {:.3} ms per frame",
                stage.stage, stage.mean_ms, stage.p95_ms
            );
        }
        if !args.quiet {
            for smile in &output.smiles {
                let role = role_name(smile.role);
                let confirmed = smile
                    .confirmed_s
                    .map_or_else(|| "-".to_owned(), |at| format!("{at:.2} s"));
                println!(
                    "smile {role}: {:.2} s to {:.2} s, announced at {confirmed}, peak {:.2}, {:.2} smile-seconds",
                    smile.start_s, smile.end_s, smile.peak, smile.smile_seconds
                );
            }
            for interaction in &output.interactions {
                println!(
                    "interaction: {:.2} s to {:.2} s, {} client and {} employee smiles",
                    interaction.start_s,
                    interaction.end_s,
                    interaction.client_smiles,
                    interaction.employee_smiles
                );
            }
            for report in &output.reports {
                println!("report: {}", report.to_json());
            }
        }
        for role_evaluation in &output.evaluations {
            println!(
                "{}: {}",
                role_name(role_evaluation.labels.role),
                describe(&role_evaluation.evaluation, args.max_onset_delay_ms)
            );
        }
    }

    /// Evaluates every combination of a grid of smile settings on the labelled
    /// clips and prints those that meet the target on each of them.
    fn sweep(
        config: &SessionConfig,
        args: &Args,
        clips: &[Clip],
    ) -> anyhow::Result<Vec<SweepResult>> {
        let labelled: Vec<&Clip> = clips
            .iter()
            .filter(|clip| !clip.labels.is_empty())
            .collect();
        if labelled.is_empty() {
            bail!("--sweep needs --labels and at least one clip with a label row");
        }
        let mut results = Vec::new();
        for enter in [0.5f32, 0.6, 0.7, 0.8, 0.9] {
            for exit in [0.2f32, 0.3, 0.4, 0.5, 0.6, 0.7] {
                if exit >= enter {
                    continue;
                }
                for min_smile_ms in [0u32, 100, 200, 300, 400] {
                    for release_ms in [200u32, 400, 600, 800, 1000] {
                        let smile = SmileEventConfig {
                            enter_threshold: enter,
                            exit_threshold: exit,
                            min_smile_ms,
                            release_ms,
                        };
                        let candidate = SessionConfig {
                            smile: smile.clone(),
                            ..config.clone()
                        };
                        let mut totals = ClipEvaluation::default();
                        let mut meets = true;
                        for clip in &labelled {
                            let output = replay(&candidate, args, clip, false)?;
                            for role_evaluation in &output.evaluations {
                                meets &= role_evaluation.meets_target;
                                totals.add(&role_evaluation.evaluation);
                            }
                        }
                        results.push(SweepResult {
                            smile,
                            max_onset_delay_ms: totals.max_onset_delay_ms(),
                            totals,
                            meets_target_on_every_clip: meets,
                        });
                    }
                }
            }
        }

        let passing: Vec<&SweepResult> = results
            .iter()
            .filter(|result| result.meets_target_on_every_clip)
            .collect();
        println!(
            "\n== sweep: {} of {} settings meet the target on every labelled clip",
            passing.len(),
            results.len()
        );
        let listed = if passing.is_empty() {
            let closest = closest_settings(&results, args.max_onset_delay_ms);
            println!(
                "the {} settings with the fewest misses (missed smiles, false, split and late events):",
                closest.len()
            );
            closest
        } else {
            passing
        };
        for result in listed {
            println!(
                "enter {:.2} exit {:.2} min_smile_ms {} release_ms {}: missed {}, false {}, split {}, max onset delay {:.0} ms",
                result.smile.enter_threshold,
                result.smile.exit_threshold,
                result.smile.min_smile_ms,
                result.smile.release_ms,
                result.totals.missed.len(),
                result.totals.false_events,
                result.totals.split_events,
                result.max_onset_delay_ms.unwrap_or(f64::NAN)
            );
        }
        Ok(results)
    }

    /// Number of settings listed when none meets the target.
    const CLOSEST_LISTED: usize = 20;

    /// Returns the settings with the fewest misses, then the lowest maximum onset
    /// delay.
    fn closest_settings(results: &[SweepResult], max_delay_ms: f64) -> Vec<&SweepResult> {
        let mut ranked: Vec<&SweepResult> = results.iter().collect();
        ranked.sort_by(|a, b| {
            let misses = a
                .totals
                .misses(max_delay_ms)
                .cmp(&b.totals.misses(max_delay_ms));
            let delay_a = a.max_onset_delay_ms.unwrap_or(f64::INFINITY);
            let delay_b = b.max_onset_delay_ms.unwrap_or(f64::INFINITY);
            misses.then(delay_a.total_cmp(&delay_b))
        });
        ranked.truncate(CLOSEST_LISTED);
        ranked
    }
}
