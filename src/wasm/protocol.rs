//! Messages between the page's [`SmileSensor`](super::SmileSensor) and the
//! inference worker (`sensor-worker.js`).
//!
//! Frames travel to the worker as transferred `ImageBitmap`s and never come back;
//! the worker answers with counts, timings and finished report bodies only.

use serde::{Deserialize, Serialize};

use crate::roles::Role;
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
}

/// A report the worker finished, in its wire form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FinishedReport {
    pub report_id: String,
    /// The report JSON, sent to the collector byte for byte.
    pub body: String,
}

/// Inference time of one frame, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameTimings {
    pub detector_ms: f64,
    pub scorer_ms: f64,
    pub total_ms: f64,
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
