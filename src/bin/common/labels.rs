//! Label files in the smile dataset format: CSV with a header, `path` relative to the
//! data folder, `label` `smile` or `neutral`, and optional `exclude` and `condition`
//! columns.

use std::fmt;
use std::path::Path;

use anyhow::{bail, Context};

/// Ground truth of one image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    Smile,
    Neutral,
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Smile => "smile",
            Self::Neutral => "neutral",
        })
    }
}

/// One labelled image to score.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelledImage {
    /// Path relative to the data folder, as written in the label file.
    pub path: String,
    pub label: Label,
    /// Condition tags (the `condition` column split at `;`); empty without one.
    pub conditions: Vec<String>,
}

/// The rows of a label file that are scored: rows with `exclude=1` and rows with an
/// empty label are skipped.
#[derive(Clone, Debug)]
pub struct LabelFile {
    pub images: Vec<LabelledImage>,
}

/// Reads the label file at `path`.
pub fn read_label_file(path: &Path) -> anyhow::Result<LabelFile> {
    let mut reader = csv::Reader::from_path(path)
        .with_context(|| format!("failed to open label file {}", path.display()))?;
    let headers = reader
        .headers()
        .with_context(|| format!("failed to read the header of {}", path.display()))?
        .clone();
    let column = |name: &str| headers.iter().position(|header| header == name);
    let (Some(path_column), Some(label_column)) = (column("path"), column("label")) else {
        bail!(
            "invalid label file {}: expected columns `path` and `label`, found {:?}",
            path.display(),
            headers.iter().collect::<Vec<_>>()
        );
    };
    let exclude_column = column("exclude");
    let condition_column = column("condition");

    let mut images = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record =
            record.with_context(|| format!("failed to read {} line {line}", path.display()))?;
        let field = |column: Option<usize>| column.and_then(|c| record.get(c)).unwrap_or("").trim();
        if field(exclude_column) == "1" {
            continue;
        }
        let label = match field(Some(label_column)) {
            "" => continue,
            "smile" => Label::Smile,
            "neutral" => Label::Neutral,
            other => bail!(
                "invalid label {other:?} in {} line {line}: expected `smile`, `neutral` or empty",
                path.display()
            ),
        };
        let image_path = field(Some(path_column));
        if image_path.is_empty() {
            bail!("missing path in {} line {line}", path.display());
        }
        let conditions = field(condition_column)
            .split(';')
            .map(str::trim)
            .filter(|tag| !tag.is_empty())
            .map(str::to_owned)
            .collect();
        images.push(LabelledImage {
            path: image_path.to_owned(),
            label,
            conditions,
        });
    }
    Ok(LabelFile { images })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_temp(name: &str, contents: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("smile-sensor-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn label_file_skips_excluded_and_unlabelled_rows() {
        let path = write_temp(
            "labels.csv",
            "path,label,condition,exclude\n\
             a.jpg,smile,yaw_large;dark,0\n\
             b.jpg,neutral,,1\n\
             c.jpg,,,0\n\
             d.jpg,neutral,,\n",
        );
        let file = read_label_file(&path).unwrap();
        std::fs::remove_file(&path).unwrap();

        assert_eq!(file.images.len(), 2);
        assert_eq!(file.images[0].path, "a.jpg");
        assert_eq!(file.images[0].label, Label::Smile);
        assert_eq!(file.images[0].conditions, vec!["yaw_large", "dark"]);
        assert_eq!(file.images[1].label, Label::Neutral);
        assert!(file.images[1].conditions.is_empty());
    }

    #[test]
    fn label_file_rejects_unknown_label() {
        let path = write_temp("bad.csv", "path,label\na.jpg,grin\n");
        let error = read_label_file(&path).unwrap_err().to_string();
        std::fs::remove_file(&path).unwrap();
        assert!(error.contains("\"grin\""), "{error}");
    }
}
