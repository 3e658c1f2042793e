//! Non-maximum suppression of overlapping face candidates.

use crate::face::{FaceBox, Keypoint, Point, Rect};

/// Merging rule for overlapping candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NmsMethod {
    /// Keep the strongest candidate of each overlapping group unchanged.
    Hard,
    /// Replace each group by the score-weighted mean of its boxes and keypoints,
    /// keeping the strongest score, as MediaPipe's face detection does
    /// (`WEIGHTED` overlap type). Averaging steadies the box between frames.
    Weighted,
}

/// Non-maximum suppression settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Nms {
    /// Candidates scoring below this are dropped before suppression; 0 to 1.
    pub min_score: f32,
    /// Candidates overlapping a stronger one with an intersection over union above
    /// this join its group; 0 to 1.
    pub iou_threshold: f32,
    pub method: NmsMethod,
}

impl Default for Nms {
    /// MediaPipe's short-range face detection settings: `min_score_thresh: 0.5`,
    /// `min_suppression_threshold: 0.3`, weighted overlap.
    fn default() -> Self {
        Self {
            min_score: 0.5,
            iou_threshold: 0.3,
            method: NmsMethod::Weighted,
        }
    }
}

impl Nms {
    /// Suppresses overlapping candidates, leaving the survivors in `faces` sorted by
    /// descending score. Candidates with a non-finite score are dropped.
    pub fn suppress(&self, faces: &mut Vec<FaceBox>) {
        faces.retain(|face| face.score.is_finite() && face.score >= self.min_score);
        faces.sort_by(|a, b| b.score.total_cmp(&a.score));

        let mut kept = 0;
        while kept < faces.len() {
            let strongest = faces[kept];
            let mut merged = WeightedSum::new(&strongest);
            let mut next = kept + 1;
            while next < faces.len() {
                if strongest.rect.iou(&faces[next].rect) > self.iou_threshold {
                    merged.add(&faces[next]);
                    faces.remove(next);
                } else {
                    next += 1;
                }
            }
            if self.method == NmsMethod::Weighted {
                faces[kept] = merged.mean(strongest.score);
            }
            kept += 1;
        }
    }
}

/// Running score-weighted sum of boxes and keypoints.
struct WeightedSum {
    weight: f32,
    rect: [f32; 4],
    keypoints: [Point; Keypoint::COUNT],
}

impl WeightedSum {
    fn new(face: &FaceBox) -> Self {
        let mut sum = Self {
            weight: 0.0,
            rect: [0.0; 4],
            keypoints: [Point::default(); Keypoint::COUNT],
        };
        sum.add(face);
        sum
    }

    fn add(&mut self, face: &FaceBox) {
        let weight = face.score;
        self.weight += weight;
        let rect = [face.rect.x, face.rect.y, face.rect.width, face.rect.height];
        for (sum, value) in self.rect.iter_mut().zip(rect) {
            *sum += weight * value;
        }
        for (sum, point) in self.keypoints.iter_mut().zip(face.keypoints) {
            sum.x += weight * point.x;
            sum.y += weight * point.y;
        }
    }

    /// Mean box and keypoints, carrying `score`. A group whose scores are all 0 (only
    /// possible with `min_score` 0) keeps the sums, which are then all 0 too.
    fn mean(&self, score: f32) -> FaceBox {
        let weight = if self.weight > 0.0 { self.weight } else { 1.0 };
        let mut keypoints = self.keypoints;
        for point in &mut keypoints {
            point.x /= weight;
            point.y /= weight;
        }
        FaceBox {
            rect: Rect::new(
                self.rect[0] / weight,
                self.rect[1] / weight,
                self.rect[2] / weight,
                self.rect[3] / weight,
            ),
            score,
            keypoints,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(x: f32, score: f32) -> FaceBox {
        FaceBox {
            rect: Rect::new(x, 0.0, 100.0, 100.0),
            score,
            keypoints: [Point::new(x, 0.0); Keypoint::COUNT],
        }
    }

    #[test]
    fn hard_nms_keeps_strongest_of_overlapping_boxes() {
        let nms = Nms {
            method: NmsMethod::Hard,
            ..Nms::default()
        };
        let mut faces = vec![face(10.0, 0.6), face(0.0, 0.9), face(5.0, 0.7)];
        nms.suppress(&mut faces);
        assert_eq!(faces, vec![face(0.0, 0.9)]);
    }

    #[test]
    fn weighted_nms_averages_toward_strongest() {
        let mut faces = vec![face(10.0, 0.6), face(0.0, 0.9)];
        Nms::default().suppress(&mut faces);
        assert_eq!(faces.len(), 1);
        assert_eq!(faces[0].score, 0.9);
        let expected_x = (0.9 * 0.0 + 0.6 * 10.0) / 1.5;
        assert!((faces[0].rect.x - expected_x).abs() < 1e-4);
        assert!((faces[0].keypoints[0].x - expected_x).abs() < 1e-4);
    }

    #[test]
    fn nms_keeps_separate_faces_sorted_by_score() {
        let mut faces = vec![face(0.0, 0.7), face(500.0, 0.95)];
        Nms::default().suppress(&mut faces);
        assert_eq!(faces.len(), 2);
        assert_eq!(faces[0].score, 0.95);
        assert_eq!(faces[1].score, 0.7);
    }

    #[test]
    fn nms_drops_weak_and_nan_candidates() {
        let mut faces = vec![face(0.0, 0.4), face(500.0, f32::NAN)];
        Nms::default().suppress(&mut faces);
        assert!(faces.is_empty());
    }
}
