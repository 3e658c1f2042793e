//! Writes the aligned 64x64 grayscale face crops that the smile scorer is trained on,
//! made by the product's own detector and alignment code.
//!
//! For each scored row of each label file, the image is loaded, padded and searched
//! for faces exactly as `smile-eval` does it, and the strongest detected face is
//! cropped. The crop is
//! saved as PNG under the output folder, at the image's relative path with a `.png`
//! extension. `crops.csv` in the output folder lists every row with columns
//! `path,label,source_labels,face_found`: `path` is relative to the output folder,
//! `source_labels` is the label file's name, and rows with `face_found=0` have no PNG.

#[cfg(not(target_arch = "wasm32"))]
mod common;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    match native::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("smile-crops: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Does nothing: the tool reads files, so it has no browser build.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::path::{Path, PathBuf};

    use anyhow::Context;
    use clap::Parser;
    use smile_sensor::detect::FaceDetector;
    use smile_sensor::preprocess::align::{aligned_crop, crop_to_gray8, CROP_SIZE};

    use crate::common::images::detect_in_image;
    use crate::common::labels::read_label_file;
    use crate::common::{default_detector_path, read_model};

    #[derive(Parser)]
    #[command(about = "Write aligned face crops of labelled images for training the smile scorer")]
    struct Args {
        /// Folder that the label files' `path` column is relative to.
        #[arg(long)]
        data: PathBuf,
        /// Label file (CSV with `path` and `label` columns); repeat for several.
        #[arg(long, required = true)]
        labels: Vec<PathBuf>,
        /// Output folder for the PNG crops and `crops.csv`; created if missing.
        #[arg(long)]
        out: PathBuf,
        /// Face detector ONNX model.
        #[arg(long, default_value_os_t = default_detector_path())]
        detector: PathBuf,
    }

    pub fn run() -> anyhow::Result<()> {
        let args = Args::parse();
        let mut detector = FaceDetector::new(&read_model(&args.detector)?)
            .with_context(|| format!("failed to load {}", args.detector.display()))?;
        std::fs::create_dir_all(&args.out)
            .with_context(|| format!("failed to create {}", args.out.display()))?;
        let index_path = args.out.join("crops.csv");
        let mut index = csv::Writer::from_path(&index_path)
            .with_context(|| format!("failed to create {}", index_path.display()))?;
        index.write_record(["path", "label", "source_labels", "face_found"])?;

        let mut crop = [0.0f32; CROP_SIZE * CROP_SIZE];
        for labels_path in &args.labels {
            let label_file = read_label_file(labels_path)?;
            let source_name = file_name(labels_path);
            let mut found = 0usize;
            for image in &label_file.images {
                let detected = detect_in_image(&args.data.join(&image.path), |frame| {
                    Ok(detector.detect(frame)?)
                })?;
                let frame = detected.padded.frame()?;
                let faces = detected.faces;
                let crop_path = Path::new(&image.path).with_extension("png");
                let face_found = if let Some(face) = faces.first() {
                    aligned_crop(&frame, face, &mut crop)
                        .with_context(|| format!("failed to crop the face in {}", image.path))?;
                    save_crop(&args.out.join(&crop_path), &crop)?;
                    found += 1;
                    "1"
                } else {
                    "0"
                };
                index.write_record([
                    crop_path.to_string_lossy().as_ref(),
                    image.label.to_string().as_str(),
                    source_name.as_str(),
                    face_found,
                ])?;
            }
            eprintln!(
                "{}: face found in {found} of {} images",
                labels_path.display(),
                label_file.images.len()
            );
        }
        index.flush()?;
        Ok(())
    }

    fn save_crop(path: &Path, crop: &[f32; CROP_SIZE * CROP_SIZE]) -> anyhow::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("failed to create {}", parent.display()))?;
        }
        let side = CROP_SIZE as u32;
        image::GrayImage::from_raw(side, side, crop_to_gray8(crop).to_vec())
            .context("crop buffer does not match its size")?
            .save(path)
            .with_context(|| format!("failed to write {}", path.display()))
    }

    fn file_name(path: &Path) -> String {
        path.file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string())
    }
}
