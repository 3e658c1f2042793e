//! Faces found in a frame and the smile score given to each.
//!
//! These are plain data, shared by the vision stages that produce them and the
//! tracking and event stages that consume them. All coordinates are in pixels of the
//! frame the face was found in, origin at the top-left corner, x to the right and y
//! down.

use std::fmt;

/// A point in frame pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }

    /// Euclidean distance to `other`, in pixels.
    pub fn distance(&self, other: Point) -> f32 {
        (self.x - other.x).hypot(self.y - other.y)
    }
}

/// An axis-aligned rectangle in frame pixels, given by its top-left corner and size.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Rect {
    pub const fn new(x: f32, y: f32, width: f32, height: f32) -> Self {
        Self {
            x,
            y,
            width,
            height,
        }
    }

    /// Area in square pixels; 0 for an empty or inverted rectangle.
    pub fn area(&self) -> f32 {
        self.width.max(0.0) * self.height.max(0.0)
    }

    pub fn center(&self) -> Point {
        Point::new(self.x + self.width / 2.0, self.y + self.height / 2.0)
    }

    pub fn right(&self) -> f32 {
        self.x + self.width
    }

    pub fn bottom(&self) -> f32 {
        self.y + self.height
    }

    /// Area shared with `other`, in square pixels.
    pub fn intersection_area(&self, other: &Rect) -> f32 {
        let width = self.right().min(other.right()) - self.x.max(other.x);
        let height = self.bottom().min(other.bottom()) - self.y.max(other.y);
        width.max(0.0) * height.max(0.0)
    }

    /// Intersection over union, in [0, 1]; 0 when both rectangles are empty.
    pub fn iou(&self, other: &Rect) -> f32 {
        let intersection = self.intersection_area(other);
        let union = self.area() + other.area() - intersection;
        if union > 0.0 {
            intersection / union
        } else {
            0.0
        }
    }

    /// Returns whether `point` lies inside, counting the top and left edges in and
    /// the bottom and right edges out.
    pub fn contains(&self, point: Point) -> bool {
        point.x >= self.x && point.x < self.right() && point.y >= self.y && point.y < self.bottom()
    }
}

/// The six face keypoints of the BlazeFace detector, in its output order. "Right" and
/// "left" are the person's own, so the right eye appears on the left of an unmirrored
/// image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Keypoint {
    RightEye = 0,
    LeftEye = 1,
    NoseTip = 2,
    MouthCenter = 3,
    RightEarTragion = 4,
    LeftEarTragion = 5,
}

impl Keypoint {
    pub const COUNT: usize = 6;
}

/// One face found by the detector.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaceBox {
    pub rect: Rect,
    /// Detector confidence in [0, 1].
    pub score: f32,
    /// Keypoints indexed by [`Keypoint`].
    pub keypoints: [Point; Keypoint::COUNT],
}

impl FaceBox {
    pub fn keypoint(&self, keypoint: Keypoint) -> Point {
        self.keypoints[keypoint as usize]
    }

    /// Distance between the eye centres, in pixels: the scale the aligned crop uses.
    pub fn eye_distance(&self) -> f32 {
        self.keypoint(Keypoint::RightEye)
            .distance(self.keypoint(Keypoint::LeftEye))
    }
}

/// How clearly a face shows a smile, from 0 (no smile) to 1 (clear smile).
///
/// This is the output of a smile / no-smile classifier on one face in one frame: an
/// expression, not an emotion. It never leaves the device; only counts of smile
/// events do.
#[derive(Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct SmileScore(f32);

impl SmileScore {
    /// Returns `None` unless `value` is finite and within [0, 1].
    pub fn new(value: f32) -> Option<Self> {
        (value.is_finite() && (0.0..=1.0).contains(&value)).then_some(Self(value))
    }

    pub fn get(&self) -> f32 {
        self.0
    }
}

impl fmt::Debug for SmileScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SmileScore({:.3})", self.0)
    }
}

/// A face in one frame with its smile score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoredFace {
    pub face: FaceBox,
    pub smile: SmileScore,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iou_of_identical_rects_is_one() {
        let rect = Rect::new(10.0, 20.0, 30.0, 40.0);
        assert_eq!(rect.iou(&rect), 1.0);
    }

    #[test]
    fn iou_of_disjoint_rects_is_zero() {
        let left = Rect::new(0.0, 0.0, 10.0, 10.0);
        let right = Rect::new(20.0, 0.0, 10.0, 10.0);
        assert_eq!(left.iou(&right), 0.0);
    }

    #[test]
    fn iou_of_half_overlap_is_one_third() {
        let left = Rect::new(0.0, 0.0, 10.0, 10.0);
        let shifted = Rect::new(5.0, 0.0, 10.0, 10.0);
        assert!((left.iou(&shifted) - 1.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    fn iou_of_empty_rects_is_zero() {
        let empty = Rect::new(5.0, 5.0, 0.0, 0.0);
        assert_eq!(empty.iou(&empty), 0.0);
    }

    #[test]
    fn smile_score_rejects_values_outside_unit_interval() {
        assert!(SmileScore::new(0.0).is_some());
        assert!(SmileScore::new(1.0).is_some());
        assert!(SmileScore::new(-0.01).is_none());
        assert!(SmileScore::new(1.01).is_none());
        assert!(SmileScore::new(f32::NAN).is_none());
    }
}
