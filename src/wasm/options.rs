//! The options object a page passes to `new SmileSensor(options)`, and its
//! validation into a typed [`SensorConfig`].
//!
//! Field names are camelCase as JavaScript writes them. Unknown fields are rejected
//! so that a misspelt option fails loudly instead of silently keeping its default.

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use crate::report::{StationId, BUCKET_MINUTES_ALLOWED, DEFAULT_BUCKET_MINUTES};
use crate::roles::{CameraId, Role, RoleConfig, Zone};
use crate::session::SessionConfig;
use crate::smile_events::SmileEventConfig;

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
pub const SMILE_THRESHOLD_RANGE: (f32, f32) = (0.25, 0.95);

/// Gap between the smile score at which a smile starts (`smileThreshold`) and the
/// lower score below which it ends. The gap keeps a score that hovers around the
/// threshold from counting one smile many times.
pub const SMILE_END_GAP: f32 = 0.2;

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

    #[error("invalid zones: they split a single camera's view between the roles, but {count} cameras are given")]
    ZonesWithTwoCameras { count: usize },

    #[error("invalid zones: {0}")]
    Zones(String),

    #[error("invalid smileThreshold {value}: expected a smile score from {} to {}", SMILE_THRESHOLD_RANGE.0, SMILE_THRESHOLD_RANGE.1)]
    SmileThreshold { value: f32 },

    #[error("invalid bucketMinutes {value}: expected one of {BUCKET_MINUTES_ALLOWED:?}")]
    BucketMinutes { value: u32 },

    #[error("invalid maxFramesPerSecond {value}: expected a number from {} to {}", FRAMES_PER_SECOND_RANGE.0, FRAMES_PER_SECOND_RANGE.1)]
    FramesPerSecond { value: f64 },

    #[error("invalid {field} {value:?}: expected a relative or absolute URL without spaces")]
    ResourceUrl { field: &'static str, value: String },
}

/// Returns the name JavaScript uses for `role`.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Client => "client",
        Role::Employee => "employee",
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

/// Areas of a single camera's view where each role sits, as fractions of the frame
/// width and height (0 to 1, origin at the top-left corner). A face belongs to the
/// role whose zone contains the centre of its box; a face in no zone is ignored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZonesOption {
    #[serde(default)]
    pub client: Vec<Zone>,
    #[serde(default)]
    pub employee: Vec<Zone>,
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
    pub zones: Option<ZonesOption>,
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
    pub zones: Option<ZonesOption>,
    /// Smile score (0 to 1) at or above which a smile starts.
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
    ///
    /// The object goes through `JSON.stringify` because serde-wasm-bindgen reads
    /// only the fields a struct names, so it would let a misspelt field pass.
    pub fn from_js(options: JsValue) -> Result<Self, OptionsError> {
        if !options.is_object() {
            return Err(OptionsError::Shape(
                "expected an object with collectorUrl, stationId and stationToken".into(),
            ));
        }
        let json = js_sys::JSON::stringify(&options)
            .ok()
            .and_then(|json| json.as_string())
            .ok_or_else(|| OptionsError::Shape("the options object is not plain data".into()))?;
        let options: SensorOptions =
            serde_json::from_str(&json).map_err(|error| OptionsError::Shape(error.to_string()))?;
        Self::try_from(options)
    }

    /// Builds the configuration of the worker's counting session.
    pub fn session_config(&self) -> SessionConfig {
        let mut session = SessionConfig::new(self.station_id.clone());
        session.bucket_minutes = self.bucket_minutes;
        session.smile.enter_threshold = self.smile_threshold;
        session.smile.exit_threshold = self.smile_threshold - SMILE_END_GAP;
        session.roles = match &self.zones {
            Some(zones) => zones_role_config(zones),
            None => {
                let camera_of = |role: Role| {
                    self.cameras
                        .iter()
                        .position(|camera| camera.role == role)
                        .map(|index| CameraId(index as u32))
                };
                RoleConfig::ByCamera {
                    client_camera: camera_of(Role::Client),
                    employee_camera: camera_of(Role::Employee),
                }
            }
        };
        session
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
        if let Some(zones) = &options.zones {
            if cameras.len() != 1 {
                return Err(OptionsError::ZonesWithTwoCameras {
                    count: cameras.len(),
                });
            }
            zones_role_config(zones)
                .validate()
                .map_err(|error| OptionsError::Zones(zone_field_names(&error.to_string())))?;
        }

        let smile_threshold = options
            .smile_threshold
            .unwrap_or(SmileEventConfig::default().enter_threshold);
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
            zones: options.zones,
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
                role: role_name(first.role),
            });
        }
    }
    if !cameras.iter().any(|camera| camera.role == Role::Client) {
        return Err(OptionsError::MissingClientCamera);
    }
    Ok(())
}

/// Zones always describe camera 0, because zones need exactly one camera.
fn zones_role_config(zones: &ZonesOption) -> RoleConfig {
    RoleConfig::ByZone {
        camera: CameraId(0),
        client_zones: zones.client.clone(),
        employee_zones: zones.employee.clone(),
    }
}

/// Rewrites the session's field paths (`roles.client_zones[0].x`) into the option
/// names a page writes (`zones.client[0].x`).
fn zone_field_names(message: &str) -> String {
    message
        .replace("roles.client_zones", "zones.client")
        .replace("roles.employee_zones", "zones.employee")
        .replace("client_zones", "zones.client")
        .replace("employee_zones", "zones.employee")
}
