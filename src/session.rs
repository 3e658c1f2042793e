//! One station's counting session: tracking, roles, smile events, interactions and
//! the aggregate reports, tied together.
//!
//! The intended call sequence, for every frame of every camera:
//!
//! 1. Detect the faces of the frame.
//! 2. Call [`SensorSession::scoring_roles`] and score only the faces that get a
//!    role. An employee face gets none unless the employee has opted in, and no face
//!    gets one while the session is paused.
//! 3. Pass the scored faces to [`SensorSession::observe`], which returns local
//!    notifications ([`SessionEvent`]) for the screen. They are never sent anywhere.
//!
//! Besides that, call [`SensorSession::take_reports`] from time to time (every
//! minute is plenty) and deliver what it returns: the only data that leaves the
//! device. Call [`SensorSession::pause`] and [`SensorSession::resume`] when the
//! station stops and starts counting, [`SensorSession::set_employee_opt_in`] when the
//! employee opts in or out, and [`SensorSession::flush`] before the page closes.
//!
//! All times are [`Timestamp`]s on one axis, milliseconds since the Unix epoch,
//! non-decreasing for each camera.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::aggregate::ReportBuilder;
use crate::config::ConfigError;
use crate::face::{FaceBox, ScoredFace};
use crate::interaction::{
    Interaction, InteractionConfig, InteractionDetector, InteractionTransition, Presence,
};
use crate::report::{AggregateReport, StationId, BUCKET_MINUTES_ALLOWED, DEFAULT_BUCKET_MINUTES};
use crate::roles::{CameraId, Role, RoleConfig};
use crate::smile_events::{SmileDetector, SmileEvent, SmileEventConfig, SmileTransition};
use crate::time::Timestamp;
use crate::tracking::{Track, TrackId, Tracker, TrackerConfig};

/// Everything a station's session is configured with. Every field except
/// `station_id` has a default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// Name of the service desk: 1 to 64 characters from a-z, 0-9, '-' and '_'.
    pub station_id: String,
    /// Length of a report's time bucket in minutes: 5, 10, 15, 20, 30 or 60.
    /// Default 15.
    #[serde(default = "default_bucket_minutes")]
    pub bucket_minutes: u32,
    #[serde(default)]
    pub roles: RoleConfig,
    #[serde(default)]
    pub tracking: TrackerConfig,
    #[serde(default)]
    pub smile: SmileEventConfig,
    #[serde(default)]
    pub interaction: InteractionConfig,
}

fn default_bucket_minutes() -> u32 {
    DEFAULT_BUCKET_MINUTES
}

impl SessionConfig {
    /// Creates the default configuration for the station `station_id`.
    pub fn new(station_id: impl Into<String>) -> Self {
        Self {
            station_id: station_id.into(),
            bucket_minutes: DEFAULT_BUCKET_MINUTES,
            roles: RoleConfig::default(),
            tracking: TrackerConfig::default(),
            smile: SmileEventConfig::default(),
            interaction: InteractionConfig::default(),
        }
    }

    /// Checks every field; the error names the first invalid one and its valid
    /// range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.parsed_station_id()?;
        if !BUCKET_MINUTES_ALLOWED.contains(&self.bucket_minutes) {
            return Err(ConfigError::new(
                "bucket_minutes",
                self.bucket_minutes,
                format!("one of {BUCKET_MINUTES_ALLOWED:?}"),
            ));
        }
        self.roles.validate()?;
        self.tracking.validate()?;
        self.smile.validate()?;
        self.interaction.validate()
    }

    fn parsed_station_id(&self) -> Result<StationId, ConfigError> {
        self.station_id.parse().map_err(|_| {
            ConfigError::new(
                "station_id",
                format!("{:?}", self.station_id),
                "1 to 64 characters from a-z, 0-9, '-' and '_'",
            )
        })
    }
}

/// A local notification for the station's screen. Never sent anywhere.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SessionEvent {
    /// A smile now counts. `start` is when it began, `confirmed_at` the frame that
    /// confirmed it.
    SmileStarted {
        role: Role,
        start: Timestamp,
        confirmed_at: Timestamp,
    },
    SmileEnded {
        event: SmileEvent,
    },
    InteractionStarted {
        start: Timestamp,
    },
    InteractionEnded {
        interaction: Interaction,
    },
}

/// An invalid frame passed to [`SensorSession::observe`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ObserveError {
    #[error(
        "frame timestamp {given:?} of camera {camera} is earlier than its previous frame at {previous:?}: pass non-decreasing times on one axis"
    )]
    TimestampWentBack {
        camera: u32,
        previous: Timestamp,
        given: Timestamp,
    },
    #[error("invalid frame size {width}x{height}: width and height must be above 0")]
    EmptyFrame { width: u32, height: u32 },
}

/// Counters of a session since it was created, for the station's own status
/// display. Never sent anywhere.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct SessionStats {
    /// Frames passed to `observe` while counting.
    pub frames: u64,
    /// Frames passed to `observe` while paused, and so ignored.
    pub frames_while_paused: u64,
    /// Faces counted under a role.
    pub faces_counted: u64,
    /// Faces outside every configured role, or of the employee without opt-in.
    pub faces_ignored: u64,
    /// Tracks alive now.
    pub live_tracks: usize,
    pub client_smiles: u64,
    pub employee_smiles: u64,
    pub interactions: u64,
    /// Buckets with totals not yet taken by `take_reports`.
    pub pending_buckets: usize,
    pub paused: bool,
    pub employee_opted_in: bool,
}

/// Tracks and smile detectors of one role in one camera.
#[derive(Clone, Debug)]
struct RoleTracks {
    tracker: Tracker,
    detectors: BTreeMap<TrackId, SmileDetector>,
}

/// The counting session of one station.
#[derive(Clone, Debug)]
pub struct SensorSession {
    config: SessionConfig,
    tracks: BTreeMap<(CameraId, Role), RoleTracks>,
    last_frame: BTreeMap<CameraId, Timestamp>,
    interactions: InteractionDetector,
    reports: ReportBuilder,
    employee_opted_in: bool,
    paused: bool,
    /// Notifications produced outside `observe`, returned by the next call.
    queued_events: Vec<SessionEvent>,
    stats: SessionStats,
}

impl SensorSession {
    /// Starts a session that counts at once, with the employee not opted in.
    pub fn new(config: SessionConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let station_id = config.parsed_station_id()?;
        let reports = ReportBuilder::new(station_id, config.bucket_minutes).map_err(|error| {
            ConfigError::new("bucket_minutes", config.bucket_minutes, error.to_string())
        })?;
        Ok(Self {
            interactions: InteractionDetector::new(config.interaction.clone()),
            config,
            tracks: BTreeMap::new(),
            last_frame: BTreeMap::new(),
            reports,
            employee_opted_in: false,
            paused: false,
            queued_events: Vec::new(),
            stats: SessionStats::default(),
        })
    }

    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Returns, for each face detected by `camera` in a frame of the given size in
    /// pixels, the role it is counted under, or `None` when it must not be scored:
    /// it lies outside every configured role, it is the employee's without opt-in,
    /// or the session is paused.
    pub fn scoring_roles(
        &self,
        camera: CameraId,
        frame_width: u32,
        frame_height: u32,
        faces: &[FaceBox],
    ) -> Vec<Option<Role>> {
        faces
            .iter()
            .map(|face| self.scoring_role(camera, frame_width, frame_height, face))
            .collect()
    }

    /// Returns the role under which `face` may be scored, as
    /// [`scoring_roles`](Self::scoring_roles) does for one face, without allocating.
    pub fn scoring_role(
        &self,
        camera: CameraId,
        frame_width: u32,
        frame_height: u32,
        face: &FaceBox,
    ) -> Option<Role> {
        if self.paused {
            return None;
        }
        match self
            .config
            .roles
            .role_of(camera, frame_width, frame_height, &face.rect)
        {
            Some(Role::Employee) if !self.employee_opted_in => None,
            role => role,
        }
    }

    /// Counts the scored faces of one frame of `camera` taken at `at`, and returns
    /// the notifications it caused, after any queued since the last call.
    ///
    /// Faces that [`Self::scoring_roles`] gives no role are ignored, so passing
    /// every scored face is safe. While paused the frame is ignored.
    pub fn observe(
        &mut self,
        camera: CameraId,
        at: Timestamp,
        frame_width: u32,
        frame_height: u32,
        faces: &[ScoredFace],
    ) -> Result<Vec<SessionEvent>, ObserveError> {
        if frame_width == 0 || frame_height == 0 {
            return Err(ObserveError::EmptyFrame {
                width: frame_width,
                height: frame_height,
            });
        }
        if let Some(&previous) = self.last_frame.get(&camera) {
            if at < previous {
                return Err(ObserveError::TimestampWentBack {
                    camera: camera.0,
                    previous,
                    given: at,
                });
            }
        }
        self.last_frame.insert(camera, at);
        let mut events = std::mem::take(&mut self.queued_events);
        if self.paused {
            self.stats.frames_while_paused += 1;
            return Ok(events);
        }
        self.stats.frames += 1;
        self.reports.mark_counting(at, self.employee_opted_in);

        for role in Role::ALL {
            if !self.config.roles.camera_serves(camera, role) {
                continue;
            }
            if role == Role::Employee && !self.employee_opted_in {
                continue;
            }
            let faces_of_role: Vec<ScoredFace> = faces
                .iter()
                .filter(|face| {
                    self.scoring_role(camera, frame_width, frame_height, &face.face) == Some(role)
                })
                .copied()
                .collect();
            self.stats.faces_counted += faces_of_role.len() as u64;
            self.observe_role(camera, role, at, &faces_of_role, &mut events);
        }
        let counted = faces
            .iter()
            .filter(|face| {
                self.scoring_role(camera, frame_width, frame_height, &face.face)
                    .is_some()
            })
            .count();
        self.stats.faces_ignored += (faces.len() - counted) as u64;

        if self.config.roles.camera_serves(camera, Role::Client) {
            let presence = self.client_presence(camera);
            self.update_interactions(at, presence, &mut events);
        }
        Ok(events)
    }

    fn observe_role(
        &mut self,
        camera: CameraId,
        role: Role,
        at: Timestamp,
        faces: &[ScoredFace],
        events: &mut Vec<SessionEvent>,
    ) {
        let tracker_config = self.config.tracking.clone();
        let role_tracks = self
            .tracks
            .entry((camera, role))
            .or_insert_with(|| RoleTracks {
                tracker: Tracker::new(tracker_config),
                detectors: BTreeMap::new(),
            });
        let boxes: Vec<FaceBox> = faces.iter().map(|face| face.face).collect();
        let update = role_tracks.tracker.update(at, &boxes);

        let mut ended = Vec::new();
        for track in &update.ended {
            if let Some(mut detector) = role_tracks.detectors.remove(&track.id) {
                ended.extend(detector.finish());
            }
        }
        let mut transitions = Vec::new();
        for (face, track_id) in faces.iter().zip(&update.assigned) {
            let detector = role_tracks
                .detectors
                .entry(*track_id)
                .or_insert_with(|| SmileDetector::new(role, self.config.smile.clone()));
            transitions.extend(detector.update(at, face.smile));
        }

        for event in ended {
            self.record_smile(event, events);
        }
        for transition in transitions {
            match transition {
                SmileTransition::Started {
                    start,
                    confirmed_at,
                } => events.push(SessionEvent::SmileStarted {
                    role,
                    start,
                    confirmed_at,
                }),
                SmileTransition::Ended(event) => self.record_smile(event, events),
            }
        }
    }

    fn record_smile(&mut self, event: SmileEvent, events: &mut Vec<SessionEvent>) {
        match event.role {
            Role::Client => self.stats.client_smiles += 1,
            Role::Employee => self.stats.employee_smiles += 1,
        }
        self.reports.add_smile(&event);
        self.interactions.add_smile(event);
        events.push(SessionEvent::SmileEnded { event });
    }

    fn client_presence(&self, camera: CameraId) -> Option<Presence> {
        let tracks = &self.tracks.get(&(camera, Role::Client))?.tracker;
        let first_seen = tracks.tracks().iter().map(|track| track.first_seen).min()?;
        let last_seen = tracks.tracks().iter().map(|track| track.last_seen).max()?;
        Some(Presence {
            first_seen,
            last_seen,
        })
    }

    fn update_interactions(
        &mut self,
        now: Timestamp,
        presence: Option<Presence>,
        events: &mut Vec<SessionEvent>,
    ) {
        match self.interactions.update(now, presence) {
            Some(InteractionTransition::Started { start }) => {
                events.push(SessionEvent::InteractionStarted { start })
            }
            Some(InteractionTransition::Ended(interaction)) => {
                self.record_interaction(interaction, events)
            }
            None => {}
        }
    }

    fn record_interaction(&mut self, interaction: Interaction, events: &mut Vec<SessionEvent>) {
        self.stats.interactions += 1;
        self.reports.add_interaction(&interaction);
        events.push(SessionEvent::InteractionEnded { interaction });
    }

    /// Starts or stops counting the employee role.
    ///
    /// Opting out closes the employee's open smiles without counting them and
    /// deletes the employee counts of every bucket not yet reported; reports already
    /// taken are not touched here.
    pub fn set_employee_opt_in(&mut self, opted_in: bool) {
        if self.employee_opted_in == opted_in {
            return;
        }
        self.employee_opted_in = opted_in;
        if !opted_in {
            self.tracks.retain(|(_, role), _| *role != Role::Employee);
            self.interactions.discard_smiles(Role::Employee);
            self.reports.discard_employee_counts();
        }
        log::info!(
            "employee counting {}",
            if opted_in { "started" } else { "stopped" }
        );
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Stops counting. Counted smiles that are open end at their last frame and
    /// count, smiles not yet long enough to count are dropped, and an active
    /// interaction ends at its last client sighting. Returns the notifications.
    pub fn pause(&mut self) -> Vec<SessionEvent> {
        let mut events = std::mem::take(&mut self.queued_events);
        if self.paused {
            return events;
        }
        self.close_everything(&mut events);
        self.paused = true;
        log::info!("counting paused");
        events
    }

    /// Resumes counting after [`Self::pause`].
    pub fn resume(&mut self) {
        if self.paused {
            self.paused = false;
            log::info!("counting resumed");
        }
    }

    fn close_everything(&mut self, events: &mut Vec<SessionEvent>) {
        let mut ended = Vec::new();
        for role_tracks in self.tracks.values_mut() {
            role_tracks.tracker.end_all();
            for (_, mut detector) in std::mem::take(&mut role_tracks.detectors) {
                ended.extend(detector.finish());
            }
        }
        ended.sort_by_key(|event| event.end);
        for event in ended {
            self.record_smile(event, events);
        }
        if let Some(interaction) = self.interactions.finish() {
            self.record_interaction(interaction, events);
        }
    }

    /// Removes and returns the reports of every bucket that has ended by `now` and
    /// that no open smile or interaction can still end in. `random_bytes` supplies
    /// 16 random bytes for each report id.
    ///
    /// Tracks whose face has been absent too long by `now` are ended first, so
    /// reports keep coming when a camera stops delivering frames; the notifications
    /// that causes come with the next `observe` or `pause`.
    pub fn take_reports(
        &mut self,
        now: Timestamp,
        random_bytes: impl FnMut() -> [u8; 16],
    ) -> Vec<AggregateReport> {
        self.expire(now);
        let until = self
            .earliest_possible_end()
            .map_or(now, |floor| floor.min(now));
        self.reports.take_until(until, random_bytes)
    }

    /// Closes everything open as [`Self::pause`] does, without pausing, and returns
    /// the reports of every bucket including the current one, as before the page
    /// closes. Its notifications come with the next `observe` or `pause`.
    pub fn flush(&mut self, random_bytes: impl FnMut() -> [u8; 16]) -> Vec<AggregateReport> {
        let mut events = std::mem::take(&mut self.queued_events);
        self.close_everything(&mut events);
        self.queued_events = events;
        self.reports.take_all(random_bytes)
    }

    fn expire(&mut self, now: Timestamp) {
        let mut events = std::mem::take(&mut self.queued_events);
        let mut ended: Vec<(CameraId, Role, Track)> = Vec::new();
        for (&(camera, role), role_tracks) in &mut self.tracks {
            for track in role_tracks.tracker.expire(now) {
                ended.push((camera, role, track));
            }
        }
        let mut closed = Vec::new();
        for (camera, role, track) in &ended {
            if let Some(role_tracks) = self.tracks.get_mut(&(*camera, *role)) {
                if let Some(mut detector) = role_tracks.detectors.remove(&track.id) {
                    closed.extend(detector.finish());
                }
            }
        }
        for event in closed {
            self.record_smile(event, &mut events);
        }
        let client_cameras: Vec<CameraId> = self
            .last_frame
            .keys()
            .copied()
            .filter(|camera| self.config.roles.camera_serves(*camera, Role::Client))
            .collect();
        for camera in client_cameras {
            let presence = self.client_presence(camera);
            self.update_interactions(now, presence, &mut events);
        }
        self.queued_events = events;
    }

    /// Returns the earliest time at which an open smile or interaction could still
    /// end.
    fn earliest_possible_end(&self) -> Option<Timestamp> {
        let smiles = self
            .tracks
            .values()
            .flat_map(|role_tracks| role_tracks.detectors.values())
            .filter_map(SmileDetector::earliest_possible_end);
        smiles
            .chain(self.interactions.earliest_possible_end())
            .min()
    }

    /// Counters since the session was created.
    pub fn stats(&self) -> SessionStats {
        SessionStats {
            live_tracks: self
                .tracks
                .values()
                .map(|role_tracks| role_tracks.tracker.tracks().len())
                .sum(),
            pending_buckets: self.reports.pending_buckets(),
            paused: self.paused,
            employee_opted_in: self.employee_opted_in,
            ..self.stats
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::SmileScore;
    use crate::roles::Zone;
    use crate::time::at_ms;
    use crate::tracking::tests::face;

    /// 2026-12-04 12:00:00 UTC, the start of a 15-minute bucket.
    const NOON_MS: f64 = 1_796_385_600_000.0;
    const MINUTE_MS: f64 = 60_000.0;
    const CAMERA: CameraId = CameraId(0);

    fn scored(face: FaceBox, smile: f32) -> ScoredFace {
        ScoredFace {
            face,
            smile: SmileScore::new(smile).unwrap(),
        }
    }

    fn random_ids() -> impl FnMut() -> [u8; 16] {
        let mut next = 0u8;
        move || {
            next = next.wrapping_add(1);
            [next; 16]
        }
    }

    /// Feeds frames of 640x480 every `interval_ms` from `from_ms` to `to_ms`
    /// (exclusive, relative to noon) with the faces `faces` returns for each time,
    /// scoring only those `scoring_roles` allows, and returns the notifications.
    fn play(
        session: &mut SensorSession,
        from_ms: f64,
        to_ms: f64,
        interval_ms: f64,
        faces: impl Fn(f64) -> Vec<ScoredFace>,
    ) -> Vec<SessionEvent> {
        let mut events = Vec::new();
        let mut ms = from_ms;
        while ms < to_ms {
            let detected = faces(ms);
            let boxes: Vec<FaceBox> = detected.iter().map(|face| face.face).collect();
            let roles = session.scoring_roles(CAMERA, 640, 480, &boxes);
            let to_score: Vec<ScoredFace> = detected
                .into_iter()
                .zip(roles)
                .filter_map(|(face, role)| role.map(|_| face))
                .collect();
            events.extend(
                session
                    .observe(CAMERA, at_ms(NOON_MS + ms), 640, 480, &to_score)
                    .unwrap(),
            );
            ms += interval_ms;
        }
        events
    }

    /// Returns the faces of a client who sits down at 1 s, smiles from 5 to 8 s and
    /// leaves at 20 s.
    fn customer(ms: f64) -> Vec<ScoredFace> {
        if !(1_000.0..20_000.0).contains(&ms) {
            return Vec::new();
        }
        let smile = if (5_000.0..8_000.0).contains(&ms) {
            0.9
        } else {
            0.1
        };
        vec![scored(face(100.0, 150.0, 120.0), smile)]
    }

    fn split_desk() -> SessionConfig {
        SessionConfig {
            roles: RoleConfig::ByZone {
                camera: CAMERA,
                client_zones: vec![Zone {
                    x: 0.0,
                    y: 0.0,
                    width: 0.5,
                    height: 1.0,
                }],
                employee_zones: vec![Zone {
                    x: 0.5,
                    y: 0.0,
                    width: 0.5,
                    height: 1.0,
                }],
            },
            ..SessionConfig::new("desk-01")
        }
    }

    /// Returns the customer on the left and a smiling employee on the right.
    fn customer_and_employee(ms: f64) -> Vec<ScoredFace> {
        let mut faces = customer(ms);
        let employee_smile = if (2_000.0..4_000.0).contains(&ms) {
            0.95
        } else {
            0.05
        };
        faces.push(scored(face(450.0, 150.0, 120.0), employee_smile));
        faces
    }

    #[test]
    fn config_defaults_all_but_station_id() {
        let config: SessionConfig = serde_json::from_str(r#"{ "station_id": "desk-01" }"#).unwrap();
        assert_eq!(config, SessionConfig::new("desk-01"));
        assert!(SensorSession::new(config).is_ok());
    }

    #[test]
    fn config_rejects_unknown_fields() {
        let json = r#"{ "station_id": "desk-01", "smile": { "enter_threshold": 0.6, "mood": 1 } }"#;
        let error = serde_json::from_str::<SessionConfig>(json)
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `mood`"), "{error}");
    }

    #[test]
    fn config_errors_name_the_field() {
        let config = SessionConfig {
            bucket_minutes: 1,
            ..SessionConfig::new("desk-01")
        };
        let message = SensorSession::new(config).unwrap_err().to_string();
        assert!(message.contains("invalid bucket_minutes 1"), "{message}");

        let message = SensorSession::new(SessionConfig::new("Desk 1"))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("invalid station_id \"Desk 1\""),
            "{message}"
        );

        let mut config = SessionConfig::new("desk-01");
        config.tracking.max_absence_ms = 60_000;
        let message = SensorSession::new(config).unwrap_err().to_string();
        assert!(
            message.contains("invalid tracking.max_absence_ms 60000"),
            "{message}"
        );
    }

    #[test]
    fn customer_visit_reports_interaction_and_smile() {
        let mut session = SensorSession::new(SessionConfig::new("desk-01")).unwrap();
        let events = play(&mut session, 0.0, 40_000.0, 1000.0 / 15.0, customer);

        let kinds: Vec<&str> = events
            .iter()
            .map(|event| match event {
                SessionEvent::SmileStarted { .. } => "smile started",
                SessionEvent::SmileEnded { .. } => "smile ended",
                SessionEvent::InteractionStarted { .. } => "interaction started",
                SessionEvent::InteractionEnded { .. } => "interaction ended",
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "interaction started",
                "smile started",
                "smile ended",
                "interaction ended"
            ]
        );
        let Some(SessionEvent::InteractionEnded { interaction }) = events.last() else {
            unreachable!("checked above");
        };
        assert_eq!(interaction.smile_count(Role::Client), 1);
        // 19 s, less up to one 15 fps frame at either end.
        assert!(
            (interaction.duration_seconds() - 19.0).abs() < 0.14,
            "{interaction:?}"
        );

        let reports = session.take_reports(at_ms(NOON_MS + 15.0 * MINUTE_MS), random_ids());
        assert_eq!(reports.len(), 1);
        let report = &reports[0];
        assert_eq!(report.interactions, 1);
        assert_eq!(report.client.smiles(), 1);
        // 3 s at 0.9, give or take a frame at either end.
        assert!((report.client.smile_seconds().get() - 2.7).abs() < 0.15);
        assert_eq!(report.employee, None);
    }

    #[test]
    fn visit_counts_alike_at_any_frame_rate() {
        let mut results = Vec::new();
        for interval_ms in [1000.0 / 30.0, 1000.0 / 15.0, 1000.0 / 8.0] {
            let mut session = SensorSession::new(SessionConfig::new("desk-01")).unwrap();
            play(&mut session, 0.0, 40_000.0, interval_ms, customer);
            let reports = session.flush(random_ids());
            results.push((interval_ms, reports[0].clone()));
        }

        for (interval_ms, report) in &results {
            assert_eq!(report.interactions, 1, "at {interval_ms} ms");
            assert_eq!(report.client.smiles(), 1, "at {interval_ms} ms");
            // 3 s at 0.9, less or more by up to one frame interval at 0.9.
            let error = (report.client.smile_seconds().get() - 2.7).abs();
            assert!(
                error < 0.9 * interval_ms / 1000.0 + 0.01,
                "{error} at {interval_ms} ms"
            );
        }
    }

    #[test]
    fn bucket_is_not_reported_before_it_ends() {
        let mut session = SensorSession::new(SessionConfig::new("desk-01")).unwrap();
        play(&mut session, 0.0, 40_000.0, 100.0, customer);

        let reports = session.take_reports(at_ms(NOON_MS + 14.0 * MINUTE_MS), random_ids());
        assert!(reports.is_empty());
        assert_eq!(session.stats().pending_buckets, 1);
    }

    #[test]
    fn employee_face_is_not_scored_without_opt_in() {
        let mut session = SensorSession::new(split_desk()).unwrap();
        let boxes = [face(100.0, 150.0, 120.0), face(450.0, 150.0, 120.0)];

        let roles = session.scoring_roles(CAMERA, 640, 480, &boxes);
        assert_eq!(roles, vec![Some(Role::Client), None]);

        session.set_employee_opt_in(true);
        let roles = session.scoring_roles(CAMERA, 640, 480, &boxes);
        assert_eq!(roles, vec![Some(Role::Client), Some(Role::Employee)]);
    }

    #[test]
    fn employee_smiles_without_opt_in_ignored() {
        let mut session = SensorSession::new(split_desk()).unwrap();
        for index in 0..150 {
            let ms = f64::from(index) * 100.0;
            session
                .observe(
                    CAMERA,
                    at_ms(NOON_MS + ms),
                    640,
                    480,
                    &customer_and_employee(ms),
                )
                .unwrap();
        }
        let reports = session.flush(random_ids());

        assert_eq!(session.stats().employee_smiles, 0);
        assert_eq!(reports[0].employee, None);
        assert_eq!(reports[0].client.smiles(), 1);
    }

    #[test]
    fn opted_in_employee_smiles_are_reported() {
        let mut session = SensorSession::new(split_desk()).unwrap();
        session.set_employee_opt_in(true);
        play(&mut session, 0.0, 15_000.0, 100.0, customer_and_employee);
        let reports = session.flush(random_ids());

        let employee = reports[0].employee.expect("the employee opted in");
        assert_eq!(employee.smiles(), 1);
        assert_eq!(reports[0].client.smiles(), 1);
    }

    #[test]
    fn opting_out_deletes_the_unreported_employee_counts() {
        let mut session = SensorSession::new(split_desk()).unwrap();
        session.set_employee_opt_in(true);
        play(&mut session, 0.0, 15_000.0, 100.0, customer_and_employee);
        session.set_employee_opt_in(false);
        let reports = session.flush(random_ids());

        assert_eq!(reports[0].employee, None);
        assert_eq!(reports[0].client.smiles(), 1);
    }

    #[test]
    fn pause_counts_open_smile_then_ignores_frames() {
        let mut session = SensorSession::new(SessionConfig::new("desk-01")).unwrap();
        play(&mut session, 0.0, 6_000.0, 100.0, customer);
        let events = session.pause();

        let smile = events.iter().find_map(|event| match event {
            SessionEvent::SmileEnded { event } => Some(*event),
            _ => None,
        });
        let smile = smile.expect("the open smile ends at the pause");
        assert_eq!(smile.start, at_ms(NOON_MS + 5_000.0));
        assert_eq!(smile.end, at_ms(NOON_MS + 5_900.0));
        assert!(events
            .iter()
            .any(|event| matches!(event, SessionEvent::InteractionEnded { .. })));

        assert_eq!(
            session.scoring_roles(CAMERA, 640, 480, &[face(100.0, 150.0, 120.0)]),
            vec![None]
        );
        play(&mut session, 6_000.0, 10_000.0, 100.0, customer);
        let stats = session.stats();
        assert_eq!(stats.frames_while_paused, 40);
        assert_eq!(stats.client_smiles, 1);

        session.resume();
        play(&mut session, 10_000.0, 12_000.0, 100.0, customer);
        assert_eq!(session.stats().frames, 60 + 20);
    }

    #[test]
    fn pause_drops_unconfirmed_smile() {
        let mut session = SensorSession::new(SessionConfig::new("desk-01")).unwrap();
        play(&mut session, 0.0, 5_100.0, 100.0, customer);
        let events = session.pause();

        assert!(!events
            .iter()
            .any(|event| matches!(event, SessionEvent::SmileEnded { .. })));
    }

    #[test]
    fn releasing_smile_holds_back_its_bucket() {
        let mut session = SensorSession::new(SessionConfig::new("desk-01")).unwrap();
        let end_of_bucket = 15.0 * MINUTE_MS;
        // The score falls 500 ms before the boundary; the release time (500 ms) only
        // confirms the end at the boundary.
        let smiling = |ms: f64| {
            let smiling = (end_of_bucket - 3_000.0..end_of_bucket - 500.0).contains(&ms);
            vec![scored(
                face(100.0, 150.0, 120.0),
                if smiling { 0.9 } else { 0.1 },
            )]
        };
        play(
            &mut session,
            end_of_bucket - 5_000.0,
            end_of_bucket,
            100.0,
            smiling,
        );

        let just_after = at_ms(NOON_MS + end_of_bucket + 50.0);
        assert!(session.take_reports(just_after, random_ids()).is_empty());

        play(
            &mut session,
            end_of_bucket,
            end_of_bucket + 1_000.0,
            100.0,
            smiling,
        );
        let reports = session.take_reports(at_ms(NOON_MS + end_of_bucket + 1_000.0), random_ids());
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].client.smiles(), 1);
    }

    #[test]
    fn smile_across_boundary_counts_later() {
        let mut session = SensorSession::new(SessionConfig::new("desk-01")).unwrap();
        let end_of_bucket = 15.0 * MINUTE_MS;
        let smiling = |ms: f64| {
            let smile = if ms >= end_of_bucket - 2_000.0 {
                0.9
            } else {
                0.1
            };
            vec![scored(face(100.0, 150.0, 120.0), smile)]
        };
        play(
            &mut session,
            end_of_bucket - 5_000.0,
            end_of_bucket + 1_000.0,
            100.0,
            smiling,
        );

        let reports = session.take_reports(at_ms(NOON_MS + end_of_bucket + 1_000.0), random_ids());
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].client.smiles(), 0);

        let final_reports = session.flush(random_ids());
        assert_eq!(final_reports.len(), 1);
        assert_eq!(final_reports[0].client.smiles(), 1);
        assert_eq!(final_reports[0].interactions, 1);
    }

    #[test]
    fn stalled_camera_does_not_block_reports() {
        let mut session = SensorSession::new(SessionConfig::new("desk-01")).unwrap();
        play(&mut session, 0.0, 10_000.0, 100.0, customer);

        let reports = session.take_reports(at_ms(NOON_MS + 16.0 * MINUTE_MS), random_ids());
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].interactions, 1);
        assert_eq!(reports[0].client.smiles(), 1);

        let events = session
            .observe(CAMERA, at_ms(NOON_MS + 16.0 * MINUTE_MS), 640, 480, &[])
            .unwrap();
        assert!(events
            .iter()
            .any(|event| matches!(event, SessionEvent::InteractionEnded { .. })));
    }

    #[test]
    fn frame_older_than_the_previous_is_rejected() {
        let mut session = SensorSession::new(SessionConfig::new("desk-01")).unwrap();
        session
            .observe(CAMERA, at_ms(NOON_MS), 640, 480, &[])
            .unwrap();
        let error = session
            .observe(CAMERA, at_ms(NOON_MS - 1.0), 640, 480, &[])
            .unwrap_err();
        assert!(matches!(error, ObserveError::TimestampWentBack { .. }));
        assert!(error.to_string().contains("non-decreasing"), "{error}");
    }

    #[test]
    fn empty_frame_is_rejected() {
        let mut session = SensorSession::new(SessionConfig::new("desk-01")).unwrap();
        let error = session
            .observe(CAMERA, at_ms(NOON_MS), 0, 480, &[])
            .unwrap_err();
        assert_eq!(
            error,
            ObserveError::EmptyFrame {
                width: 0,
                height: 480
            }
        );
    }

    #[test]
    fn session_events_serialise_with_a_kind_tag() {
        let event = SessionEvent::InteractionStarted {
            start: at_ms(NOON_MS),
        };
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"interaction_started","start":1796385600000.0}"#
        );
    }
}
