//! `InferenceWorker`: the face detector, the smile scorer and the counting session,
//! run inside the module worker `www/sensor-worker.js`.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use js_sys::Uint8Array;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Crypto, ImageBitmap, WorkerGlobalScope};

use super::frame::{BitmapReader, CopyLayout, CopyTargets};
use super::protocol::{FinishedReport, FrameTimings, WorkerConfig};
use crate::face::ScoredFace;
use crate::roles::{CameraId, Role};
use crate::schedule::{Decision, DetectionSchedule, DetectionScheduleConfig};
use crate::session::{SensorSession, SessionEvent};
use crate::time::Timestamp;
use crate::{Pipeline, PipelineConfig, StageTimes};

/// Result of `analyze` for one frame: counts and timings, never a face position or
/// a score.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Analysis {
    faces: u32,
    timings: FrameTimings,
    /// Role of each smile that started counting in this frame.
    smiles: Vec<Role>,
    /// Length of each customer interaction that ended, in seconds.
    interaction_seconds: Vec<f64>,
}

/// Buffer that the pixels of the frame being analysed were copied into.
#[derive(Clone, Copy)]
enum PixelSource {
    /// The bitmap reader, which keeps one frame of any camera.
    Bitmap,
    /// The camera's copy target.
    CopyTarget,
}

/// Vision pipeline and counting session of one station, fed one bitmap at a time.
#[wasm_bindgen]
pub struct InferenceWorker {
    pipeline: Pipeline,
    session: SensorSession,
    reader: BitmapReader,
    copy_targets: CopyTargets,
    /// Latest timestamp passed to the session per camera. The session needs
    /// non-decreasing times, but the wall clock can step back when it is adjusted.
    last_timestamp: BTreeMap<u32, f64>,
    detection: DetectionScheduleConfig,
    /// When the detector runs, per camera.
    schedules: BTreeMap<u32, DetectionSchedule>,
    /// Scored faces of the current frame, kept to reuse its capacity.
    scored: Vec<ScoredFace>,
}

#[wasm_bindgen]
impl InferenceWorker {
    /// Loads both ONNX models from their bytes and starts a session from `config`
    /// (a `WorkerConfig` object as the page sends it).
    #[wasm_bindgen(constructor)]
    pub fn new(
        detector: &[u8],
        scorer: &[u8],
        config: JsValue,
    ) -> Result<InferenceWorker, JsError> {
        super::hooks::install_panic_hook();
        let config: WorkerConfig = serde_wasm_bindgen::from_value(config)
            .map_err(|error| JsError::new(&format!("invalid worker config: {error}")))?;
        let pipeline = Pipeline::new(detector, scorer, PipelineConfig::default())
            .map_err(|error| JsError::new(&format!("loading the models failed: {error}")))?;
        let session =
            SensorSession::new(config.session).map_err(|error| JsError::new(&error.to_string()))?;
        config
            .detection
            .validate()
            .map_err(|error| JsError::new(&error.to_string()))?;
        Ok(Self {
            pipeline,
            session,
            reader: BitmapReader::default(),
            copy_targets: CopyTargets::default(),
            last_timestamp: BTreeMap::new(),
            detection: config.detection,
            schedules: BTreeMap::new(),
            scored: Vec::new(),
        })
    }

    /// Analyses `bitmap` as a frame of `camera` taken at `timestamp_ms`
    /// (milliseconds since the Unix epoch): runs the face detector when the
    /// camera's detection schedule calls for it, scores the followed faces the
    /// session may score, and counts them. The caller closes the bitmap.
    pub fn analyze(
        &mut self,
        bitmap: &ImageBitmap,
        camera: u32,
        timestamp_ms: f64,
    ) -> Result<JsValue, JsError> {
        let started = now_ms();
        self.reader
            .read(bitmap)
            .map_err(|error| JsError::new(&error.to_string()))?;
        self.analyze_read(PixelSource::Bitmap, camera, timestamp_ms, started)
    }

    /// Returns a view of wasm memory for `VideoFrame.copyTo` to write `camera`'s
    /// next `width` x `height` frame into, in `layout`: `{ format: "RGBX" }`, or
    /// `{ format: "I420", matrix: "bt601" | "bt709", fullRange }` for the frame's
    /// own planes. After the copy,
    /// [`analyze_copied`](Self::analyze_copied) analyses it.
    ///
    /// The view is detached (its `byteLength` is 0) if wasm memory grows before
    /// the copy finishes. The pixels are then lost: call this again and copy
    /// again.
    #[wasm_bindgen(js_name = copyTarget)]
    pub fn copy_target(
        &mut self,
        camera: u32,
        width: u32,
        height: u32,
        layout: JsValue,
    ) -> Result<Uint8Array, JsError> {
        let layout: CopyLayout = serde_wasm_bindgen::from_value(layout).map_err(|error| {
            JsError::new(&format!(
                "invalid copy layout ({error}): expected {{ format: \"RGBX\" }} or \
                 {{ format: \"I420\", matrix: \"bt601\" or \"bt709\", fullRange: true or false }}"
            ))
        })?;
        self.copy_targets
            .target(camera, width, height, layout)
            .map_err(|error| JsError::new(&error.to_string()))
    }

    /// Like [`analyze`](Self::analyze), for the frame that `VideoFrame.copyTo`
    /// wrote into `camera`'s [`copy_target`](Self::copy_target).
    /// `copy_started_ms` is the worker's `performance.now()` when the copy began,
    /// so the frame copy time includes it.
    #[wasm_bindgen(js_name = analyzeCopied)]
    pub fn analyze_copied(
        &mut self,
        camera: u32,
        timestamp_ms: f64,
        copy_started_ms: f64,
    ) -> Result<JsValue, JsError> {
        self.analyze_read(
            PixelSource::CopyTarget,
            camera,
            timestamp_ms,
            copy_started_ms,
        )
    }

    /// Analyses the frame last copied into `source`; `started` is when its copy
    /// began.
    fn analyze_read(
        &mut self,
        source: PixelSource,
        camera: u32,
        timestamp_ms: f64,
        started: f64,
    ) -> Result<JsValue, JsError> {
        let frame = match source {
            PixelSource::Bitmap => self.reader.image().frame().map_err(Into::into),
            PixelSource::CopyTarget => self.copy_targets.frame(camera),
        }
        .map_err(|error: super::frame::CaptureError| JsError::new(&error.to_string()))?;
        let (width, height) = (frame.width(), frame.height());
        let copied = now_ms();

        let previous = self.last_timestamp.get(&camera).copied().unwrap_or(0.0);
        let timestamp_ms = timestamp_ms.max(previous);
        self.last_timestamp.insert(camera, timestamp_ms);
        let at = Timestamp::from_unix_ms(timestamp_ms)
            .map_err(|error| JsError::new(&error.to_string()))?;

        let schedule = match self.schedules.entry(camera) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => entry.insert(
                DetectionSchedule::new(self.detection.clone())
                    .map_err(|error| JsError::new(&error.to_string()))?,
            ),
        };
        let camera_id = CameraId(camera);
        let session = &self.session;
        let mut stages = StageTimes::default();
        let mut lap_started = copied;
        self.scored.clear();
        let decision = self
            .pipeline
            .analyze(
                &frame,
                at,
                schedule,
                |face| {
                    session
                        .scoring_role(camera_id, width, height, face)
                        .is_some()
                },
                &mut self.scored,
                |stage| {
                    let now = now_ms();
                    stages.add(stage, now - lap_started);
                    lap_started = now;
                },
            )
            .map_err(|error| JsError::new(&error.to_string()))?;
        let faces = schedule.followed_faces().len() as u32;

        let events_started = now_ms();
        let events = self
            .session
            .observe(camera_id, at, width, height, &self.scored)
            .map_err(|error| JsError::new(&error.to_string()))?;
        let ended = now_ms();

        let mut timings = FrameTimings::new(
            &stages,
            copied - started,
            ended - events_started,
            ended - started,
        );
        if matches!(decision, Decision::Detect(_)) {
            timings.detector_runs = 1.0;
        }
        let mut analysis = Analysis {
            faces,
            timings,
            smiles: Vec::new(),
            interaction_seconds: Vec::new(),
        };
        for event in events {
            match event {
                SessionEvent::SmileStarted { role, .. } => analysis.smiles.push(role),
                SessionEvent::InteractionEnded { interaction } => analysis
                    .interaction_seconds
                    .push(interaction.duration_seconds()),
                SessionEvent::SmileEnded { .. } | SessionEvent::InteractionStarted { .. } => {}
            }
        }
        serde_wasm_bindgen::to_value(&analysis).map_err(|error| JsError::new(&error.to_string()))
    }

    /// Returns the reports of the buckets that closed by `now_ms` as an array of
    /// `{ reportId, body }`. With `flush` it also closes everything open and returns
    /// the current bucket's report, so that nothing counted is left behind.
    #[wasm_bindgen(js_name = takeReports)]
    pub fn take_reports(&mut self, now_ms: f64, flush: bool) -> Result<JsValue, JsError> {
        let now =
            Timestamp::from_unix_ms(now_ms).map_err(|error| JsError::new(&error.to_string()))?;
        let crypto = crypto()?;
        let reports = if flush {
            self.session.flush(|| random_bytes(&crypto))
        } else {
            self.session.take_reports(now, || random_bytes(&crypto))
        };
        let finished: Vec<FinishedReport> = reports
            .into_iter()
            .map(|report| FinishedReport {
                report_id: report.report_id.to_string(),
                body: report.to_json(),
            })
            .collect();
        serde_wasm_bindgen::to_value(&finished).map_err(|error| JsError::new(&error.to_string()))
    }

    /// Stops counting while the cameras are off: open smiles and the current
    /// interaction end at their last frame.
    pub fn pause(&mut self) {
        self.session.pause();
    }

    /// Counts again after [`pause`](Self::pause).
    pub fn resume(&mut self) {
        self.session.resume();
    }

    /// Starts or stops counting the employee role.
    #[wasm_bindgen(js_name = setEmployeeConsent)]
    pub fn set_employee_consent(&mut self, consent: bool) {
        self.session.set_employee_opt_in(consent);
    }
}

/// Milliseconds from the worker's `performance.now()`, or 0 where it is missing.
fn now_ms() -> f64 {
    js_sys::global()
        .dyn_into::<WorkerGlobalScope>()
        .ok()
        .and_then(|scope| scope.performance())
        .map_or(0.0, |performance| performance.now())
}

/// Returns the browser's cryptographic random source.
fn crypto() -> Result<Crypto, JsError> {
    js_sys::global()
        .dyn_into::<WorkerGlobalScope>()
        .ok()
        .and_then(|scope| scope.crypto().ok())
        .or_else(|| web_sys::window().and_then(|window| window.crypto().ok()))
        .ok_or_else(|| JsError::new("crypto.getRandomValues is not available in this context"))
}

/// Fills 16 bytes from `crypto.getRandomValues`, for one report id. It throws only
/// for requests over 65,536 bytes, so the `Math.random` fallback is not expected
/// to run.
fn random_bytes(crypto: &Crypto) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    if let Err(error) = crypto.get_random_values_with_u8_array(&mut bytes) {
        log::error!("crypto.getRandomValues failed ({error:?}); using Math.random");
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes
}
