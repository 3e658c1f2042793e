//! Short-lived face tracks: the same face followed from frame to frame.
//!
//! A track only links detections of consecutive frames so that a smile can be
//! followed over time. It is not an identity: it ends once its face has been absent
//! for [`TrackerConfig::max_absence_ms`], its id is never reused within a tracker,
//! and nothing about it is stored or reported.

use serde::{Deserialize, Serialize};

use crate::config::{check_range, ConfigError};
use crate::face::{FaceBox, Keypoint};
use crate::time::Timestamp;

/// Association settings of the tracker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrackerConfig {
    /// Intersection over union with a track's last box at or above which a face
    /// may continue the track, 0 to 1. Default 0.3.
    pub min_iou: f32,
    /// Mean distance between a face's keypoints and the track's last keypoints, in
    /// units of the track's eye distance. At or below it a face may continue the
    /// track even with a lower IoU, as when the detector's box changes size while
    /// the face stays. Above 0, at most 10. Default 0.6.
    pub max_keypoint_distance: f32,
    /// Absence after which a track ends, in milliseconds, 0 to 10,000. Default 700,
    /// which bridges a few missed detections at 15 frames per second.
    pub max_absence_ms: u32,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            min_iou: 0.3,
            max_keypoint_distance: 0.6,
            max_absence_ms: 700,
        }
    }
}

impl TrackerConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_range("tracking.min_iou", self.min_iou, 0.0..=1.0)?;
        check_range(
            "tracking.max_keypoint_distance",
            self.max_keypoint_distance,
            f32::MIN_POSITIVE..=10.0,
        )?;
        check_range("tracking.max_absence_ms", self.max_absence_ms, 0..=10_000)
    }
}

/// Identifier of a track, unique within one [`Tracker`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackId(u64);

/// A face followed across frames.
#[derive(Clone, Debug, PartialEq)]
pub struct Track {
    pub id: TrackId,
    /// The face as last detected.
    pub face: FaceBox,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

/// The result of one [`Tracker::update`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrackUpdate {
    /// The track of each face, in the order the faces were given.
    pub assigned: Vec<TrackId>,
    /// Tracks that ended because their face was absent too long.
    pub ended: Vec<Track>,
}

/// Associates the faces of successive frames of one camera into tracks, greedily by
/// IoU and keypoint distance.
#[derive(Clone, Debug)]
pub struct Tracker {
    config: TrackerConfig,
    tracks: Vec<Track>,
    next_id: u64,
}

impl Tracker {
    /// Creates a tracker with no tracks. The configuration should have passed
    /// [`TrackerConfig::validate`].
    pub fn new(config: TrackerConfig) -> Self {
        Self {
            config,
            tracks: Vec::new(),
            next_id: 0,
        }
    }

    /// Tracks alive after the last update.
    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// Ends the tracks absent for longer than the configured time at `now` and
    /// returns them.
    pub fn expire(&mut self, now: Timestamp) -> Vec<Track> {
        let max_absence_ms = f64::from(self.config.max_absence_ms);
        let (ended, alive) = std::mem::take(&mut self.tracks)
            .into_iter()
            .partition(|track| now.millis_since(track.last_seen) > max_absence_ms);
        self.tracks = alive;
        ended
    }

    /// Ends every track, as when the session pauses.
    pub fn end_all(&mut self) -> Vec<Track> {
        std::mem::take(&mut self.tracks)
    }

    /// Assigns each face of a frame taken at `now` to a track, continuing the best
    /// matching live track or starting a new one, after ending the tracks absent
    /// for too long.
    pub fn update(&mut self, now: Timestamp, faces: &[FaceBox]) -> TrackUpdate {
        let ended = self.expire(now);

        let mut candidates = Vec::new();
        for (track_index, track) in self.tracks.iter().enumerate() {
            for (face_index, face) in faces.iter().enumerate() {
                if let Some(affinity) = self.affinity(&track.face, face) {
                    candidates.push((affinity, track_index, face_index));
                }
            }
        }
        candidates.sort_by(|left, right| right.0.total_cmp(&left.0));

        let mut track_of_face: Vec<Option<usize>> = vec![None; faces.len()];
        let mut track_taken = vec![false; self.tracks.len()];
        for (_, track_index, face_index) in candidates {
            if track_taken[track_index] || track_of_face[face_index].is_some() {
                continue;
            }
            track_taken[track_index] = true;
            track_of_face[face_index] = Some(track_index);
        }

        let mut assigned = Vec::with_capacity(faces.len());
        for (face, track_index) in faces.iter().zip(track_of_face) {
            let id = match track_index {
                Some(index) => {
                    let track = &mut self.tracks[index];
                    track.face = *face;
                    track.last_seen = now;
                    track.id
                }
                None => self.start_track(now, *face),
            };
            assigned.push(id);
        }
        TrackUpdate { assigned, ended }
    }

    fn start_track(&mut self, now: Timestamp, face: FaceBox) -> TrackId {
        let id = TrackId(self.next_id);
        self.next_id += 1;
        self.tracks.push(Track {
            id,
            face,
            first_seen: now,
            last_seen: now,
        });
        id
    }

    /// Scores how well `face` continues a track whose last face was `last`; higher
    /// is better, `None` when neither IoU nor keypoint distance is close enough.
    fn affinity(&self, last: &FaceBox, face: &FaceBox) -> Option<f32> {
        let iou = last.rect.iou(&face.rect);
        let distance = mean_keypoint_distance(last, face) / last.eye_distance().max(1.0);
        let iou_matches = iou >= self.config.min_iou;
        let keypoints_match = distance <= self.config.max_keypoint_distance;
        if !(iou_matches || keypoints_match) {
            return None;
        }
        let keypoint_affinity = (1.0 - distance / self.config.max_keypoint_distance).max(0.0);
        Some(iou + keypoint_affinity)
    }
}

/// Mean distance between corresponding keypoints of two faces, in pixels.
fn mean_keypoint_distance(first: &FaceBox, second: &FaceBox) -> f32 {
    let total: f32 = first
        .keypoints
        .iter()
        .zip(&second.keypoints)
        .map(|(a, b)| a.distance(*b))
        .sum();
    total / Keypoint::COUNT as f32
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::face::{Point, Rect};
    use crate::time::at_ms;

    /// Builds a frontal face of `size` pixels with its top-left corner at (x, y).
    pub(crate) fn face(x: f32, y: f32, size: f32) -> FaceBox {
        let point = |fx: f32, fy: f32| Point::new(x + fx * size, y + fy * size);
        FaceBox {
            rect: Rect::new(x, y, size, size),
            score: 0.9,
            keypoints: [
                point(0.3, 0.35),
                point(0.7, 0.35),
                point(0.5, 0.55),
                point(0.5, 0.75),
                point(0.05, 0.4),
                point(0.95, 0.4),
            ],
        }
    }

    #[test]
    fn still_face_keeps_its_track() {
        let mut tracker = Tracker::new(TrackerConfig::default());
        let first = tracker.update(at_ms(0.0), &[face(100.0, 100.0, 80.0)]);
        let second = tracker.update(at_ms(66.0), &[face(102.0, 101.0, 80.0)]);

        assert_eq!(first.assigned, second.assigned);
        assert_eq!(tracker.tracks().len(), 1);
        assert_eq!(tracker.tracks()[0].first_seen, at_ms(0.0));
        assert_eq!(tracker.tracks()[0].last_seen, at_ms(66.0));
    }

    #[test]
    fn swapped_faces_keep_their_tracks() {
        let mut tracker = Tracker::new(TrackerConfig::default());
        let left = face(50.0, 100.0, 80.0);
        let right = face(400.0, 100.0, 80.0);
        let first = tracker.update(at_ms(0.0), &[left, right]);
        let second = tracker.update(at_ms(66.0), &[right, left]);

        assert_eq!(second.assigned, vec![first.assigned[1], first.assigned[0]]);
    }

    #[test]
    fn moving_face_keeps_its_track_by_iou() {
        let mut tracker = Tracker::new(TrackerConfig::default());
        let first = tracker.update(at_ms(0.0), &[face(100.0, 100.0, 80.0)]);
        // Shifted by 36 of 80 px: IoU 0.38.
        let moved = tracker.update(at_ms(66.0), &[face(136.0, 100.0, 80.0)]);
        assert_eq!(first.assigned, moved.assigned);

        let jumped = tracker.update(at_ms(132.0), &[face(300.0, 100.0, 80.0)]);
        assert_ne!(moved.assigned, jumped.assigned);
    }

    #[test]
    fn resized_box_keeps_its_track_by_keypoints() {
        let mut tracker = Tracker::new(TrackerConfig::default());
        let small = face(100.0, 100.0, 80.0);
        let first = tracker.update(at_ms(0.0), &[small]);

        let mut grown = small;
        grown.rect = Rect::new(40.0, 40.0, 200.0, 200.0);
        assert!(small.rect.iou(&grown.rect) < 0.3);
        let second = tracker.update(at_ms(66.0), &[grown]);
        assert_eq!(first.assigned, second.assigned);
    }

    #[test]
    fn track_ends_after_the_absence_limit() {
        let config = TrackerConfig::default();
        let mut tracker = Tracker::new(config.clone());
        let first = tracker.update(at_ms(0.0), &[face(100.0, 100.0, 80.0)]);

        let gap = f64::from(config.max_absence_ms);
        let within = tracker.update(at_ms(gap), &[]);
        assert!(within.ended.is_empty());

        let after = tracker.update(at_ms(gap + 1.0), &[face(100.0, 100.0, 80.0)]);
        assert_eq!(after.ended.len(), 1);
        assert_eq!(after.ended[0].id, first.assigned[0]);
        assert_ne!(
            after.assigned, first.assigned,
            "a returning face gets a new track"
        );
    }

    #[test]
    fn faces_with_nan_coordinates_do_not_panic() {
        let mut tracker = Tracker::new(TrackerConfig::default());
        let mut broken = face(100.0, 100.0, 80.0);
        broken.rect.x = f32::NAN;
        broken.keypoints[0].y = f32::NAN;
        tracker.update(at_ms(0.0), &[broken, face(100.0, 100.0, 80.0)]);
        let update = tracker.update(at_ms(66.0), &[broken, face(100.0, 100.0, 80.0)]);
        assert_eq!(update.assigned.len(), 2);
    }
}
