//! Compares the smile events of a clip with its labelled spans.

use serde::Serialize;

use crate::labels::{Segment, SegmentLabel};

/// A smile event, in seconds from the start of the clip.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DetectedSmile {
    pub start_s: f64,
    pub end_s: f64,
    /// When the session announced the smile.
    pub confirmed_s: f64,
}

/// Comparison of the events of one clip with its labels.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ClipEvaluation {
    /// Spans labelled as a smile.
    pub labelled_smiles: usize,
    /// Labelled smiles that at least one event overlaps.
    pub detected_smiles: usize,
    /// Labelled smiles that no event overlaps, as `[start_s, end_s]`.
    pub missed: Vec<[f64; 2]>,
    /// For each detected smile, the time from its labelled start to the
    /// announcement of the first event overlapping it, in milliseconds. Negative
    /// when the announcement came during the labelled onset.
    pub onset_delays_ms: Vec<f64>,
    /// Events beyond the first that overlap the same labelled smile.
    pub split_events: usize,
    /// Events that overlap no smile or onset span but a neutral one.
    pub false_events: usize,
    /// Events that overlap only unannotated time.
    pub unannotated_events: usize,
}

impl ClipEvaluation {
    /// Largest onset delay, in milliseconds; `None` when nothing was detected.
    pub fn max_onset_delay_ms(&self) -> Option<f64> {
        self.onset_delays_ms.iter().copied().reduce(f64::max)
    }

    /// Returns whether every labelled smile was found once, with no false event
    /// and every onset delay below `max_delay_ms`.
    pub fn meets(&self, max_delay_ms: f64) -> bool {
        self.misses(max_delay_ms) == 0
    }

    /// Counts the failures against the target: missed labelled smiles, false and
    /// split events, and onset delays at or above `max_delay_ms`.
    pub fn misses(&self, max_delay_ms: f64) -> usize {
        let late = self
            .onset_delays_ms
            .iter()
            .filter(|&&delay| delay >= max_delay_ms)
            .count();
        self.missed.len() + self.false_events + self.split_events + late
    }

    /// Adds the counts of `other`, for totals over several clips.
    pub fn add(&mut self, other: &ClipEvaluation) {
        self.labelled_smiles += other.labelled_smiles;
        self.detected_smiles += other.detected_smiles;
        self.missed.extend(&other.missed);
        self.onset_delays_ms.extend(&other.onset_delays_ms);
        self.split_events += other.split_events;
        self.false_events += other.false_events;
        self.unannotated_events += other.unannotated_events;
    }
}

fn overlaps(smile: &DetectedSmile, segment: &Segment) -> bool {
    smile.start_s < segment.end_s && smile.end_s > segment.start_s
}

pub fn evaluate(segments: &[Segment], smiles: &[DetectedSmile]) -> ClipEvaluation {
    let mut evaluation = ClipEvaluation::default();

    for segment in segments
        .iter()
        .filter(|segment| segment.label == SegmentLabel::Smile)
    {
        evaluation.labelled_smiles += 1;
        let mut matching = smiles.iter().filter(|smile| overlaps(smile, segment));
        match matching.next() {
            Some(first) => {
                evaluation.detected_smiles += 1;
                evaluation
                    .onset_delays_ms
                    .push((first.confirmed_s - segment.start_s) * 1000.0);
                evaluation.split_events += matching.count();
            }
            None => evaluation.missed.push([segment.start_s, segment.end_s]),
        }
    }

    for smile in smiles {
        let overlapping = |label: SegmentLabel| {
            segments
                .iter()
                .any(|segment| segment.label == label && overlaps(smile, segment))
        };
        if overlapping(SegmentLabel::Smile) || overlapping(SegmentLabel::Onset) {
            continue;
        }
        if overlapping(SegmentLabel::Neutral) {
            evaluation.false_events += 1;
        } else {
            evaluation.unannotated_events += 1;
        }
    }
    evaluation
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn segment(start_s: f64, end_s: f64, label: SegmentLabel) -> Segment {
        Segment {
            start_s,
            end_s,
            label,
        }
    }

    pub(crate) fn smile(start_s: f64, end_s: f64, confirmed_s: f64) -> DetectedSmile {
        DetectedSmile {
            start_s,
            end_s,
            confirmed_s,
        }
    }

    fn timeline() -> Vec<Segment> {
        vec![
            segment(0.0, 1.0, SegmentLabel::Neutral),
            segment(1.0, 4.0, SegmentLabel::Smile),
            segment(4.5, 10.0, SegmentLabel::Neutral),
            segment(10.0, 20.0, SegmentLabel::Unannotated),
        ]
    }

    #[test]
    fn matching_event_detects_the_smile_with_its_delay() {
        let evaluation = evaluate(&timeline(), &[smile(1.1, 3.9, 1.3)]);

        assert_eq!(evaluation.labelled_smiles, 1);
        assert_eq!(evaluation.detected_smiles, 1);
        assert!((evaluation.onset_delays_ms[0] - 300.0).abs() < 1e-9);
        assert_eq!(evaluation.false_events, 0);
        assert!(evaluation.meets(500.0));
        assert!(!evaluation.meets(200.0));
    }

    #[test]
    fn event_in_neutral_time_is_false() {
        let evaluation = evaluate(&timeline(), &[smile(6.0, 7.0, 6.2)]);

        assert_eq!(evaluation.detected_smiles, 0);
        assert_eq!(evaluation.missed, vec![[1.0, 4.0]]);
        assert_eq!(evaluation.false_events, 1);
        assert_eq!(evaluation.misses(500.0), 2);
    }

    #[test]
    fn late_onset_counts_as_a_miss() {
        let evaluation = evaluate(&timeline(), &[smile(1.4, 3.9, 1.6)]);

        assert_eq!(evaluation.misses(500.0), 1);
        assert_eq!(evaluation.misses(700.0), 0);
    }

    #[test]
    fn event_in_unannotated_time_is_counted_apart() {
        let evaluation = evaluate(
            &timeline(),
            &[smile(1.2, 3.0, 1.4), smile(12.0, 13.0, 12.2)],
        );

        assert_eq!(evaluation.unannotated_events, 1);
        assert_eq!(evaluation.false_events, 0);
    }

    #[test]
    fn second_event_in_one_smile_is_a_split() {
        let evaluation = evaluate(&timeline(), &[smile(1.1, 2.0, 1.3), smile(2.8, 3.9, 3.0)]);

        assert_eq!(evaluation.detected_smiles, 1);
        assert_eq!(evaluation.split_events, 1);
        assert!(!evaluation.meets(500.0));
    }
}
