//! Labelled time spans of the development clips, read from a CSV file with the
//! columns `path`, `duration_s` and `segments`.
//!
//! `segments` lists spans as `START-END:LABEL` separated by `;`, with times in
//! seconds. Two other forms occur: `whole clip: LABEL` labels the whole clip, and
//! `same timeline as NAME [A-B s]` points to the row of the clip NAME was derived
//! from, optionally cut to seconds A to B of it.

use std::path::Path;
use std::str::FromStr;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use smile_sensor::roles::Role;

/// What a labelled span shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentLabel {
    Smile,
    /// Not smiling: neutral, talking or no face at all.
    Neutral,
    /// The transition into a smile, which counts neither way.
    Onset,
    /// Marked as not annotated, or a label this tool does not know.
    Unannotated,
}

/// One labelled span, in seconds from the start of the clip.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Segment {
    pub start_s: f64,
    pub end_s: f64,
    pub label: SegmentLabel,
}

/// The labelled spans of the faces of one role in a clip.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoleLabels {
    pub role: Role,
    pub segments: Vec<Segment>,
}

/// The value of `--role-segments`: `ROLE=SEGMENTS`, where `ROLE` is `client` or
/// `employee` and `SEGMENTS` has the syntax of the `segments` column.
#[derive(Clone, Debug, PartialEq)]
pub struct RoleSegments {
    pub role: Role,
    pub segments: String,
}

impl FromStr for RoleSegments {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let Some((role, segments)) = text.split_once('=') else {
            return Err(format!(
                "invalid value {text:?}: expected ROLE=SEGMENTS, such as employee=0-1.5:neutral;2-10:smile"
            ));
        };
        let role = match role.trim() {
            "client" => Role::Client,
            "employee" => Role::Employee,
            other => {
                return Err(format!(
                    "invalid role {other:?}: expected client or employee"
                ))
            }
        };
        Ok(Self {
            role,
            segments: segments.to_owned(),
        })
    }
}

/// One row of the label file.
#[derive(Clone, Debug, Deserialize)]
pub struct VideoRow {
    pub path: String,
    pub duration_s: f64,
    pub segments: String,
}

impl VideoRow {
    fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

pub fn read_video_rows(path: &Path) -> anyhow::Result<Vec<VideoRow>> {
    let mut reader = csv::Reader::from_path(path)
        .with_context(|| format!("failed to open the label file {}", path.display()))?;
    let mut rows = Vec::new();
    for (index, row) in reader.deserialize().enumerate() {
        let row: VideoRow = row.with_context(|| {
            format!(
                "invalid row {} of {}: expected the columns path, duration_s and segments",
                index + 2,
                path.display()
            )
        })?;
        rows.push(row);
    }
    Ok(rows)
}

/// Finds the row of a clip by its `path`, by the file name at the end of it, or by
/// that file name without `.xz`, which names a decompressed copy.
pub fn find_row<'a>(rows: &'a [VideoRow], clip: &str) -> Option<&'a VideoRow> {
    rows.iter()
        .find(|row| row.path == clip)
        .or_else(|| rows.iter().find(|row| row.file_name() == clip))
        .or_else(|| {
            rows.iter()
                .find(|row| row.file_name().strip_suffix(".xz") == Some(clip))
        })
}

/// Returns the labelled spans of `row`, following a `same timeline as` reference.
pub fn segments_of(rows: &[VideoRow], row: &VideoRow) -> anyhow::Result<Vec<Segment>> {
    parse_segments_with_references(rows, &row.path, &row.segments, row.duration_s)
}

/// Parses the labelled spans in `text`, which comes from `source` and has the
/// syntax of the `segments` column, including a `same timeline as` reference to a
/// row of `rows`. `duration_s` is the length of the clip, used by `whole clip:`.
pub fn parse_segments_with_references(
    rows: &[VideoRow],
    source: &str,
    text: &str,
    duration_s: f64,
) -> anyhow::Result<Vec<Segment>> {
    let text = text.trim();
    if let Some(reference) = text.strip_prefix("same timeline as ") {
        let mut words = reference.split_whitespace();
        let Some(original_name) = words.next() else {
            bail!("invalid segments of {source}: no clip name after 'same timeline as'");
        };
        let Some(original) = find_row(rows, original_name) else {
            bail!(
                "invalid segments of {source}: the clip {original_name} it refers to has no row in the label file"
            );
        };
        if original.segments.trim().starts_with("same timeline as ") {
            bail!("invalid segments of {source}: a reference to a reference");
        }
        let segments = parse_segments(&original.segments, original.duration_s)?;
        return Ok(match words.next().and_then(parse_range) {
            Some((from_s, to_s)) => cut(&segments, from_s, to_s),
            None => segments,
        });
    }
    parse_segments(text, duration_s)
}

/// Parses `START-END:LABEL;...` or `whole clip: LABEL`.
pub fn parse_segments(text: &str, duration_s: f64) -> anyhow::Result<Vec<Segment>> {
    let text = text.trim();
    if let Some(label) = text.strip_prefix("whole clip:") {
        let label = label.split(';').next().unwrap_or_default();
        return Ok(vec![Segment {
            start_s: 0.0,
            end_s: duration_s,
            label: parse_label(label),
        }]);
    }
    let mut segments = Vec::new();
    for part in text
        .split(';')
        .map(str::trim)
        .filter(|part| !part.is_empty())
    {
        let Some((range, label)) = part.split_once(':') else {
            bail!("invalid segment {part:?}: expected START-END:LABEL with times in seconds");
        };
        let Some((start_s, end_s)) = parse_range(range) else {
            bail!(
                "invalid segment range {range:?}: expected START-END in seconds, such as 1.0-4.0"
            );
        };
        segments.push(Segment {
            start_s,
            end_s,
            label: parse_label(label),
        });
    }
    Ok(segments)
}

fn parse_range(range: &str) -> Option<(f64, f64)> {
    let (start, end) = range.trim().split_once('-')?;
    let start: f64 = start.trim().parse().ok()?;
    let end: f64 = end.trim().parse().ok()?;
    (start.is_finite() && end.is_finite() && start <= end).then_some((start, end))
}

fn parse_label(text: &str) -> SegmentLabel {
    let text = text.trim().to_lowercase();
    if text.contains("not annotated") {
        SegmentLabel::Unannotated
    } else if text.starts_with("smile") {
        SegmentLabel::Smile
    } else if text.starts_with("onset") {
        SegmentLabel::Onset
    } else if ["neutral", "talking", "no_face"]
        .iter()
        .any(|prefix| text.starts_with(prefix))
    {
        SegmentLabel::Neutral
    } else {
        SegmentLabel::Unannotated
    }
}

/// Keeps the part of each span between `from_s` and `to_s`, shifted to start at 0.
fn cut(segments: &[Segment], from_s: f64, to_s: f64) -> Vec<Segment> {
    segments
        .iter()
        .filter(|segment| segment.end_s > from_s && segment.start_s < to_s)
        .map(|segment| Segment {
            start_s: segment.start_s.max(from_s) - from_s,
            end_s: segment.end_s.min(to_s) - from_s,
            label: segment.label,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(path: &str, duration_s: f64, segments: &str) -> VideoRow {
        VideoRow {
            path: path.to_owned(),
            duration_s,
            segments: segments.to_owned(),
        }
    }

    #[test]
    fn segment_list_parses_with_labels() {
        let segments = parse_segments(
            "0.0-0.5:neutral;1.0-4.0:smile;4.5-10.0:neutral(talking);10-200:talking,mostly neutral,not annotated",
            200.0,
        )
        .unwrap();

        let labels: Vec<_> = segments.iter().map(|segment| segment.label).collect();
        assert_eq!(
            labels,
            [
                SegmentLabel::Neutral,
                SegmentLabel::Smile,
                SegmentLabel::Neutral,
                SegmentLabel::Unannotated
            ]
        );
        assert_eq!(segments[1].start_s, 1.0);
        assert_eq!(segments[1].end_s, 4.0);
    }

    #[test]
    fn whole_clip_label_covers_the_duration() {
        let segments = parse_segments(
            "whole clip: neutral talking/head movement (8 sampled frames, no smile seen); not fully annotated",
            53.48,
        )
        .unwrap();
        assert_eq!(
            segments,
            [Segment {
                start_s: 0.0,
                end_s: 53.48,
                label: SegmentLabel::Neutral
            }]
        );
    }

    #[test]
    fn derived_clip_takes_the_cut_timeline_of_its_original() {
        let rows = [
            row(
                "videos/orig/franck.mp4",
                200.0,
                "0.0-0.5:neutral;1.0-4.0:smile;4.5-12.0:neutral",
            ),
            row(
                "videos/y4m/franck_2-10s.y4m.xz",
                8.0,
                "same timeline as franck.mp4 2-10 s (pillarboxed); xz -dk to use",
            ),
        ];
        let derived = find_row(&rows, "franck_2-10s.y4m.xz").unwrap();
        let segments = segments_of(&rows, derived).unwrap();

        assert_eq!(segments.len(), 2);
        assert_eq!((segments[0].start_s, segments[0].end_s), (0.0, 2.0));
        assert_eq!(segments[0].label, SegmentLabel::Smile);
        assert_eq!((segments[1].start_s, segments[1].end_s), (2.5, 8.0));
    }

    #[test]
    fn decompressed_copy_finds_the_row_of_its_archive() {
        let rows = [row("videos/y4m/franck_0-10s.y4m.xz", 10.0, "1.0-4.0:smile")];
        let found = find_row(&rows, "franck_0-10s.y4m").map(|row| row.path.as_str());
        assert_eq!(found, Some("videos/y4m/franck_0-10s.y4m.xz"));
        assert!(find_row(&rows, "franck_0-10s").is_none());
    }

    #[test]
    fn role_segments_parse_role_and_spans() {
        let parsed: RoleSegments = "employee=0-1.5:neutral;2.0-10:smile".parse().unwrap();
        assert_eq!(parsed.role, Role::Employee);
        assert_eq!(parsed.segments, "0-1.5:neutral;2.0-10:smile");

        let segments = parse_segments_with_references(&[], "test", &parsed.segments, 10.0).unwrap();
        assert_eq!(segments.len(), 2);
        assert_eq!(segments[1].label, SegmentLabel::Smile);
        assert_eq!((segments[1].start_s, segments[1].end_s), (2.0, 10.0));
    }

    #[test]
    fn role_segments_reject_unknown_role() {
        let message = "visitor=0-1:smile".parse::<RoleSegments>().unwrap_err();
        assert!(message.contains("invalid role \"visitor\""), "{message}");

        let message = "0-1:smile".parse::<RoleSegments>().unwrap_err();
        assert!(message.contains("expected ROLE=SEGMENTS"), "{message}");
    }

    #[test]
    fn role_segments_follow_a_reference_to_a_row() {
        let rows = [row(
            "videos/orig/franck.mp4",
            200.0,
            "0.0-0.5:neutral;1.0-4.0:smile;4.5-12.0:neutral",
        )];
        let segments = parse_segments_with_references(
            &rows,
            "--role-segments client",
            "same timeline as franck.mp4 0-10 s",
            10.0,
        )
        .unwrap();

        assert_eq!(segments.len(), 3);
        assert_eq!((segments[2].start_s, segments[2].end_s), (4.5, 10.0));
    }

    #[test]
    fn malformed_segment_is_rejected_with_its_text() {
        let message = parse_segments("1.0-x:smile", 5.0).unwrap_err().to_string();
        assert!(
            message.contains("invalid segment range \"1.0-x\""),
            "{message}"
        );
    }
}
