//! The options object a page passes to `new SmileSensor(options)`, and its
//! validation into a typed [`SensorConfig`].
//!
//! Field names are camelCase as JavaScript writes them. Unknown fields are rejected
//! so that a misspelt option fails loudly instead of silently keeping its default.

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use crate::report::{StationId, BUCKET_MINUTES_ALLOWED, DEFAULT_BUCKET_MINUTES};

/// Longest accepted station token, in characters.
pub const STATION_TOKEN_MAX_LEN: usize = 512;

/// Accepted range of `maxFramesPerSecond`. One frame a second still catches a smile,
/// which lasts longer than a second; more than 30 is beyond a webcam's rate.
pub const FRAMES_PER_SECOND_RANGE: (f64, f64) = (1.0, 30.0);

/// Default `maxFramesPerSecond`: enough to follow a smile's onset and end while
/// leaving CPU time for the page.
pub const DEFAULT_FRAMES_PER_SECOND: f64 = 10.0;

/// Accepted range of `smileThreshold`, a smile score from 0 to 1. The ends are
/// excluded because a threshold of 0 or 1 counts every face or none.
pub const SMILE_THRESHOLD_RANGE: (f32, f32) = (0.05, 0.95);

/// Default `smileThreshold`.
pub const DEFAULT_SMILE_THRESHOLD: f32 = 0.5;

/// Why an options object was rejected. Each message names the field and what it
/// accepts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptionsError {
    #[error("invalid sensor options: {0}")]
    Shape(String),

    #[error("invalid collectorUrl {value:?}: expected an absolute http:// or https:// URL such as \"https://collector.example/\"")]
    CollectorUrl { value: String },

    #[error("invalid stationId {value:?}: expected 1 to 64 characters from a-z, 0-9, '-' and '_'")]
    StationId { value: String },

    #[error("invalid stationToken: expected 1 to {STATION_TOKEN_MAX_LEN} visible ASCII characters without spaces")]
    StationToken,

    #[error("invalid cameras: expected 1 or 2 entries with distinct roles (\"client\", \"employee\"), got {count} entries")]
    CameraCount { count: usize },

    #[error("invalid cameras: role {role:?} appears twice; give each role at most one camera")]
    DuplicateRole { role: &'static str },

    #[error("invalid cameras: a client camera is required, because the employee camera alone counts no client smiles")]
    MissingClientCamera,

    #[error("invalid employeeZone: it needs a single camera (both roles in one view), but {count} cameras are given")]
    ZoneWithTwoCameras { count: usize },

    #[error("invalid employeeZone.{field} {value}: expected a fraction of the frame from 0 to 1, with x + width and y + height at most 1 and a non-zero area")]
    Zone { field: &'static str, value: f64 },

    #[error("invalid smileThreshold {value}: expected a smile score from {} to {}", SMILE_THRESHOLD_RANGE.0, SMILE_THRESHOLD_RANGE.1)]
    SmileThreshold { value: f32 },

    #[error("invalid bucketMinutes {value}: expected one of {BUCKET_MINUTES_ALLOWED:?}")]
    BucketMinutes { value: u32 },

    #[error("invalid maxFramesPerSecond {value}: expected a number from {} to {}", FRAMES_PER_SECOND_RANGE.0, FRAMES_PER_SECOND_RANGE.1)]
    FramesPerSecond { value: f64 },

    #[error("invalid {field} {value:?}: expected a relative or absolute URL without spaces")]
    ResourceUrl { field: &'static str, value: String },
}

/// Who a camera looks at. The employee role is never scored before the employee
/// has opted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Client,
    Employee,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Employee => "employee",
        }
    }
}

/// Language of the messages in error events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Language {
    #[serde(rename = "pl")]
    Polish,
    #[default]
    #[serde(rename = "en")]
    English,
}

/// One camera and the role it looks at. Without `deviceId` the browser's default
/// camera is used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CameraOption {
    pub role: Role,
    #[serde(default)]
    pub device_id: Option<String>,
}

/// The part of a shared camera's frame where the employee sits, as fractions of
/// the frame width and height (0 to 1, origin at the top-left corner).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneOption {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// The options object exactly as JavaScript passes it.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SensorOptions {
    pub collector_url: String,
    pub station_id: String,
    pub station_token: String,
    #[serde(default)]
    pub cameras: Option<Vec<CameraOption>>,
    #[serde(default)]
    pub employee_zone: Option<ZoneOption>,
    #[serde(default)]
    pub smile_threshold: Option<f32>,
    #[serde(default)]
    pub bucket_minutes: Option<u32>,
    #[serde(default)]
    pub max_frames_per_second: Option<f64>,
    #[serde(default)]
    pub language: Option<Language>,
    #[serde(default)]
    pub models_url: Option<String>,
    #[serde(default)]
    pub worker_url: Option<String>,
}

/// Validated sensor configuration with every default filled in.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SensorConfig {
    /// Base URL of the collector; reports go to `{collectorUrl}/api/v1/reports`.
    pub collector_url: String,
    pub station_id: String,
    #[serde(skip)]
    pub station_token: String,
    pub cameras: Vec<CameraOption>,
    pub employee_zone: Option<ZoneOption>,
    /// Smile score (0 to 1) above which a face counts as smiling.
    pub smile_threshold: f32,
    /// Report bucket length, in minutes.
    pub bucket_minutes: u32,
    /// Upper bound on frames sent to inference per camera, per second.
    pub max_frames_per_second: f64,
    pub language: Language,
    /// URL of the folder holding the ONNX models, ending in '/'.
    pub models_url: String,
    /// URL of the module worker script that runs inference.
    pub worker_url: String,
}

impl SensorConfig {
    /// Deserialises and validates a JavaScript options object.
    pub fn from_js(options: JsValue) -> Result<Self, OptionsError> {
        let options: SensorOptions = serde_wasm_bindgen::from_value(options)
            .map_err(|error| OptionsError::Shape(error.to_string()))?;
        Self::try_from(options)
    }

    /// Milliseconds to wait at least between two frames of one camera.
    pub fn min_frame_interval_ms(&self) -> f64 {
        1000.0 / self.max_frames_per_second
    }
}

impl TryFrom<SensorOptions> for SensorConfig {
    type Error = OptionsError;

    fn try_from(options: SensorOptions) -> Result<Self, Self::Error> {
        let collector_url = validate_collector_url(&options.collector_url)?;

        if options.station_id.parse::<StationId>().is_err() {
            return Err(OptionsError::StationId {
                value: options.station_id.chars().take(80).collect(),
            });
        }

        let token = &options.station_token;
        let token_is_valid = (1..=STATION_TOKEN_MAX_LEN).contains(&token.len())
            && token.bytes().all(|byte| byte.is_ascii_graphic());
        if !token_is_valid {
            return Err(OptionsError::StationToken);
        }

        let cameras = options.cameras.unwrap_or_else(|| {
            vec![CameraOption {
                role: Role::Client,
                device_id: None,
            }]
        });
        validate_cameras(&cameras)?;
        if let Some(zone) = &options.employee_zone {
            if cameras.len() != 1 {
                return Err(OptionsError::ZoneWithTwoCameras {
                    count: cameras.len(),
                });
            }
            validate_zone(zone)?;
        }

        let smile_threshold = options.smile_threshold.unwrap_or(DEFAULT_SMILE_THRESHOLD);
        let (low, high) = SMILE_THRESHOLD_RANGE;
        if !(smile_threshold.is_finite() && (low..=high).contains(&smile_threshold)) {
            return Err(OptionsError::SmileThreshold {
                value: smile_threshold,
            });
        }

        let bucket_minutes = options.bucket_minutes.unwrap_or(DEFAULT_BUCKET_MINUTES);
        if !BUCKET_MINUTES_ALLOWED.contains(&bucket_minutes) {
            return Err(OptionsError::BucketMinutes {
                value: bucket_minutes,
            });
        }

        let max_frames_per_second = options
            .max_frames_per_second
            .unwrap_or(DEFAULT_FRAMES_PER_SECOND);
        let (low, high) = FRAMES_PER_SECOND_RANGE;
        if !(max_frames_per_second.is_finite() && (low..=high).contains(&max_frames_per_second)) {
            return Err(OptionsError::FramesPerSecond {
                value: max_frames_per_second,
            });
        }

        let mut models_url = validate_resource_url(
            "modelsUrl",
            options.models_url.unwrap_or_else(|| "models/".into()),
        )?;
        if !models_url.ends_with('/') {
            models_url.push('/');
        }
        let worker_url = validate_resource_url(
            "workerUrl",
            options
                .worker_url
                .unwrap_or_else(|| "sensor-worker.js".into()),
        )?;

        Ok(Self {
            collector_url,
            station_id: options.station_id,
            station_token: options.station_token,
            cameras,
            employee_zone: options.employee_zone,
            smile_threshold,
            bucket_minutes,
            max_frames_per_second,
            language: options.language.unwrap_or_default(),
            models_url,
            worker_url,
        })
    }
}

/// Checks the collector URL and strips trailing slashes, so that appending an API
/// path gives exactly one slash.
fn validate_collector_url(value: &str) -> Result<String, OptionsError> {
    let invalid = || OptionsError::CollectorUrl {
        value: value.chars().take(200).collect(),
    };
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(invalid)?;
    let host = rest.split('/').next().unwrap_or_default();
    let has_forbidden = value
        .chars()
        .any(|character| character.is_whitespace() || matches!(character, '#' | '?'));
    if host.is_empty() || has_forbidden {
        return Err(invalid());
    }
    Ok(value.trim_end_matches('/').to_owned())
}

fn validate_resource_url(field: &'static str, value: String) -> Result<String, OptionsError> {
    if value.is_empty() || value.chars().any(char::is_whitespace) {
        return Err(OptionsError::ResourceUrl {
            field,
            value: value.chars().take(200).collect(),
        });
    }
    Ok(value)
}

fn validate_cameras(cameras: &[CameraOption]) -> Result<(), OptionsError> {
    if !(1..=2).contains(&cameras.len()) {
        return Err(OptionsError::CameraCount {
            count: cameras.len(),
        });
    }
    if let [first, second] = cameras {
        if first.role == second.role {
            return Err(OptionsError::DuplicateRole {
                role: first.role.as_str(),
            });
        }
    }
    if !cameras.iter().any(|camera| camera.role == Role::Client) {
        return Err(OptionsError::MissingClientCamera);
    }
    Ok(())
}

fn validate_zone(zone: &ZoneOption) -> Result<(), OptionsError> {
    let fields = [
        ("x", zone.x),
        ("y", zone.y),
        ("width", zone.width),
        ("height", zone.height),
    ];
    for (field, value) in fields {
        if !(value.is_finite() && (0.0..=1.0).contains(&value)) {
            return Err(OptionsError::Zone { field, value });
        }
    }
    if zone.width == 0.0 {
        return Err(OptionsError::Zone {
            field: "width",
            value: zone.width,
        });
    }
    if zone.height == 0.0 {
        return Err(OptionsError::Zone {
            field: "height",
            value: zone.height,
        });
    }
    if zone.x + zone.width > 1.0 {
        return Err(OptionsError::Zone {
            field: "width",
            value: zone.width,
        });
    }
    if zone.y + zone.height > 1.0 {
        return Err(OptionsError::Zone {
            field: "height",
            value: zone.height,
        });
    }
    Ok(())
}
