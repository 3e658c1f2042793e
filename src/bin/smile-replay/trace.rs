//! Per-frame smile scores around labelled smiles and smile events, to explain a
//! false, missed or late event.

use serde::Serialize;

use crate::evaluate::DetectedSmile;
use crate::labels::{Segment, SegmentLabel};

/// Time added before and after each span that gets a trace, in seconds.
pub const TRACE_MARGIN_S: f64 = 1.0;

/// Smile scores of one frame, taken `time_s` seconds after the start of the clip.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FrameScores {
    pub time_s: f64,
    /// Score of each face of the evaluated role; empty when none was found.
    pub scores: Vec<f32>,
}

/// The frames from `start_s` to `end_s`, in seconds from the start of the clip.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScoreTrace {
    pub start_s: f64,
    pub end_s: f64,
    pub frames: Vec<FrameScores>,
}

/// Returns the time windows to trace: each labelled smile and each event that
/// overlaps no labelled smile, widened by `margin_s` on both sides and merged
/// where they overlap, in time order.
pub fn trace_windows(
    segments: &[Segment],
    smiles: &[DetectedSmile],
    margin_s: f64,
) -> Vec<(f64, f64)> {
    let labelled = segments
        .iter()
        .filter(|segment| segment.label == SegmentLabel::Smile);
    let outside_labelled = smiles.iter().filter(|smile| {
        !labelled
            .clone()
            .any(|segment| smile.start_s < segment.end_s && smile.end_s > segment.start_s)
    });
    let mut windows: Vec<(f64, f64)> = labelled
        .clone()
        .map(|segment| (segment.start_s, segment.end_s))
        .chain(outside_labelled.map(|smile| (smile.start_s, smile.end_s)))
        .map(|(start_s, end_s)| ((start_s - margin_s).max(0.0), end_s + margin_s))
        .collect();
    windows.sort_by(|a, b| a.0.total_cmp(&b.0));

    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(windows.len());
    for (start_s, end_s) in windows {
        match merged.last_mut() {
            Some(last) if start_s <= last.1 => last.1 = last.1.max(end_s),
            _ => merged.push((start_s, end_s)),
        }
    }
    merged
}

/// Cuts the frames inside each window out of `frames`, which are in time order.
pub fn score_traces(windows: &[(f64, f64)], frames: &[FrameScores]) -> Vec<ScoreTrace> {
    windows
        .iter()
        .map(|&(start_s, end_s)| ScoreTrace {
            start_s,
            end_s,
            frames: frames
                .iter()
                .filter(|frame| frame.time_s >= start_s && frame.time_s <= end_s)
                .cloned()
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::{self, tests::segment};

    /// A detected smile announced 0.2 s after its start.
    fn smile(start_s: f64, end_s: f64) -> DetectedSmile {
        evaluate::tests::smile(start_s, end_s, start_s + 0.2)
    }

    #[test]
    fn windows_cover_smiles_and_outside_events() {
        let segments = [
            segment(0.0, 1.0, SegmentLabel::Neutral),
            segment(1.0, 4.0, SegmentLabel::Smile),
            segment(4.5, 20.0, SegmentLabel::Neutral),
        ];
        let smiles = [smile(1.2, 3.9), smile(7.0, 9.0), smile(15.0, 15.5)];

        let windows = trace_windows(&segments, &smiles, 1.0);

        assert_eq!(windows, [(0.0, 5.0), (6.0, 10.0), (14.0, 16.5)]);
    }

    #[test]
    fn overlapping_windows_merge() {
        let segments = [segment(1.0, 4.0, SegmentLabel::Smile)];
        let smiles = [smile(5.5, 6.0)];

        assert_eq!(trace_windows(&segments, &smiles, 1.0), [(0.0, 7.0)]);
    }

    #[test]
    fn trace_keeps_frames_inside_the_window() {
        let frames: Vec<FrameScores> = (0..10)
            .map(|index| FrameScores {
                time_s: index as f64 * 0.5,
                scores: vec![index as f32 / 10.0],
            })
            .collect();

        let traces = score_traces(&[(1.0, 2.0)], &frames);

        let times: Vec<f64> = traces[0].frames.iter().map(|frame| frame.time_s).collect();
        assert_eq!(times, [1.0, 1.5, 2.0]);
        assert_eq!(traces[0].frames[0].scores, [0.2]);
    }
}
