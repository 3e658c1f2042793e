//! Messages between the page's [`SmileSensor`](super::SmileSensor) and the
//! inference worker (`sensor-worker.js`).
//!
//! Frames travel to the worker as transferred `VideoFrame`s (or `ImageBitmap`s where
//! `VideoFrame` is missing) and never come back. The worker replies with counts,
//! timings and finished report bodies only.

use serde::{Deserialize, Serialize};

use crate::pipeline::StageTimes;
use crate::roles::Role;
use crate::schedule::DetectionScheduleConfig;
use crate::session::SessionConfig;

/// What the worker needs to build its pipeline and session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerConfig {
    /// Absolute URL of the models folder, ending in '/'.
    pub models_url: String,
    /// The counting session; its cameras are indexed like the `camera` field of
    /// frame messages.
    pub session: SessionConfig,
    /// When the face detector runs; defaults when absent.
    #[serde(default)]
    pub detection: DetectionScheduleConfig,
}

/// A report the worker finished, in its wire form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FinishedReport {
    pub report_id: String,
    /// The report JSON, sent to the collector byte for byte.
    pub body: String,
}

/// Time spent on one frame, or the mean over frames, per stage in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameTimings {
    /// Copying the frame's pixels into wasm memory: `VideoFrame.copyTo` straight
    /// into the camera's wasm buffer (its I420 planes, or RGBX), or drawing a
    /// bitmap and reading it back.
    /// It includes the wait for `copyTo`'s promise, during which the worker may run
    /// another camera's frame.
    pub frame_copy_ms: f64,
    /// The detection schedule's luma thumbnail and change check.
    pub change_check_ms: f64,
    /// Letterboxing for the detector and the aligned crops for the scorer.
    pub preprocess_ms: f64,
    pub detector_ms: f64,
    /// The smile scorer over all scored faces.
    pub scorer_ms: f64,
    /// Tracking, smile events and counting in the session.
    pub events_ms: f64,
    /// The whole frame, from the start of the frame copy to the session's events.
    pub total_ms: f64,
    /// Detector runs: 0 or 1 for one frame, the fraction of frames for a mean.
    pub detector_runs: f64,
}

impl FrameTimings {
    /// Combines the pipeline's stage times with the stages the worker times.
    pub fn new(stages: &StageTimes, frame_copy_ms: f64, events_ms: f64, total_ms: f64) -> Self {
        Self {
            frame_copy_ms,
            change_check_ms: stages.change_check_ms,
            preprocess_ms: stages.preprocess_ms,
            detector_ms: stages.detector_ms,
            scorer_ms: stages.scorer_ms,
            events_ms,
            total_ms,
            detector_runs: 0.0,
        }
    }

    /// Adds every field of `other` to this one, for a running sum.
    pub fn add(&mut self, other: &FrameTimings) {
        self.frame_copy_ms += other.frame_copy_ms;
        self.change_check_ms += other.change_check_ms;
        self.preprocess_ms += other.preprocess_ms;
        self.detector_ms += other.detector_ms;
        self.scorer_ms += other.scorer_ms;
        self.events_ms += other.events_ms;
        self.total_ms += other.total_ms;
        self.detector_runs += other.detector_runs;
    }

    /// Divides every field by `frames`, turning a sum into a mean.
    pub fn mean_over(&self, frames: f64) -> FrameTimings {
        FrameTimings {
            frame_copy_ms: self.frame_copy_ms / frames,
            change_check_ms: self.change_check_ms / frames,
            preprocess_ms: self.preprocess_ms / frames,
            detector_ms: self.detector_ms / frames,
            scorer_ms: self.scorer_ms / frames,
            events_ms: self.events_ms / frames,
            total_ms: self.total_ms / frames,
            detector_runs: self.detector_runs / frames,
        }
    }
}

/// Messages from the worker to the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FromWorker {
    /// The models are loaded; frames may be sent.
    #[serde(rename_all = "camelCase")]
    Ready { load_ms: f64 },
    /// One frame was analysed.
    #[serde(rename_all = "camelCase")]
    Analyzed {
        camera: u32,
        faces: u32,
        timings: FrameTimings,
        smiles: Vec<Role>,
        interaction_seconds: Vec<f64>,
    },
    /// Reports of buckets that closed.
    Reports { reports: Vec<FinishedReport> },
    /// Answer to a flush: the reports of every bucket, the current one included.
    Flushed { reports: Vec<FinishedReport> },
    /// The worker failed; `code` is an [`ErrorCode`](super::events::ErrorCode) name.
    Error { code: String, message: String },
}
