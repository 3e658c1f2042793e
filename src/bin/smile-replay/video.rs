//! Decodes a video into RGBA frames with the `ffmpeg` and `ffprobe` programs, run as
//! child processes. A `.xz` file is decompressed on the fly by `xz`.

use std::io::{BufReader, ErrorKind, Read};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use anyhow::{bail, Context};

/// Size and frame rate of a video stream.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VideoInfo {
    pub width: u32,
    pub height: u32,
    /// Frames per second.
    pub fps: f64,
}

/// Options of the decoding run.
#[derive(Clone, Copy, Debug, Default)]
pub struct DecodeOptions {
    /// Resample to this many frames per second (ffmpeg's `fps` filter).
    pub fps: Option<f64>,
    /// Decode only this many seconds from the start.
    pub max_seconds: Option<f64>,
}

fn is_xz(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "xz")
}

/// Starts `xz -dc` on the file when it is compressed, so its output can feed
/// ffmpeg's standard input.
fn decompressor(path: &Path) -> anyhow::Result<Option<Child>> {
    if !is_xz(path) {
        return Ok(None);
    }
    let child = Command::new("xz")
        .arg("-dc")
        .arg(path)
        .stdout(Stdio::piped())
        .spawn()
        .context("failed to start xz: install the xz-utils package")?;
    Ok(Some(child))
}

/// Adds the input arguments: the path itself, or standard input fed by `xz`.
fn input_args(command: &mut Command, path: &Path, xz: &mut Option<Child>) -> anyhow::Result<()> {
    match xz.as_mut().and_then(|child| child.stdout.take()) {
        Some(stdout) => {
            command.stdin(Stdio::from(stdout));
            command.args(["-f", "yuv4mpegpipe", "-i", "pipe:0"]);
        }
        None if xz.is_some() => bail!("failed to read the output of xz"),
        None => {
            command.stdin(Stdio::null());
            command.arg("-i").arg(path);
        }
    }
    Ok(())
}

pub fn probe(path: &Path) -> anyhow::Result<VideoInfo> {
    let mut xz = decompressor(path)?;
    let mut command = Command::new("ffprobe");
    command.args(["-v", "error"]);
    input_args(&mut command, path, &mut xz)?;
    command.args([
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=width,height,avg_frame_rate,r_frame_rate",
        "-of",
        "json",
    ]);
    let output = command
        .output()
        .context("failed to start ffprobe: install the ffmpeg package")?;
    if let Some(mut child) = xz {
        // ffprobe stops reading after the header, so xz ends on a broken pipe.
        let _ = child.kill();
        let _ = child.wait();
    }
    if !output.status.success() {
        bail!(
            "ffprobe failed on {}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }

    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("ffprobe wrote invalid JSON")?;
    let stream = &json["streams"][0];
    let dimension = |key: &str| {
        stream[key]
            .as_u64()
            .and_then(|value| u32::try_from(value).ok())
            .with_context(|| format!("ffprobe found no video {key} in {}", path.display()))
    };
    let fps = [&stream["avg_frame_rate"], &stream["r_frame_rate"]]
        .into_iter()
        .filter_map(|value| value.as_str().and_then(parse_rate))
        .next()
        .with_context(|| format!("ffprobe found no frame rate in {}", path.display()))?;
    Ok(VideoInfo {
        width: dimension("width")?,
        height: dimension("height")?,
        fps,
    })
}

/// Parses a frame rate such as `30000/1001` or `15`.
fn parse_rate(text: &str) -> Option<f64> {
    let rate = match text.split_once('/') {
        Some((numerator, denominator)) => {
            numerator.parse::<f64>().ok()? / denominator.parse::<f64>().ok()?
        }
        None => text.parse().ok()?,
    };
    (rate.is_finite() && rate > 0.0).then_some(rate)
}

/// A running decoder that yields RGBA frames of `info.width` x `info.height`.
pub struct Decoder {
    ffmpeg: Child,
    xz: Option<Child>,
    stdout: BufReader<ChildStdout>,
    frame_bytes: usize,
}

impl Decoder {
    pub fn start(path: &Path, info: VideoInfo, options: DecodeOptions) -> anyhow::Result<Self> {
        let mut xz = decompressor(path)?;
        let mut command = Command::new("ffmpeg");
        command.args(["-v", "error"]);
        input_args(&mut command, path, &mut xz)?;
        if let Some(seconds) = options.max_seconds {
            command.arg("-t").arg(seconds.to_string());
        }
        if let Some(fps) = options.fps {
            command.arg("-vf").arg(format!("fps={fps}"));
        }
        command
            .args(["-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"])
            .stdout(Stdio::piped());
        let mut ffmpeg = command
            .spawn()
            .context("failed to start ffmpeg: install the ffmpeg package")?;
        let Some(stdout) = ffmpeg.stdout.take() else {
            bail!("failed to read the output of ffmpeg");
        };
        Ok(Self {
            ffmpeg,
            xz,
            stdout: BufReader::with_capacity(1 << 20, stdout),
            frame_bytes: info.width as usize * info.height as usize * 4,
        })
    }

    /// Reads the next frame into `buffer`; returns `false` at the end of the video.
    pub fn next_frame(&mut self, buffer: &mut Vec<u8>) -> anyhow::Result<bool> {
        buffer.resize(self.frame_bytes, 0);
        match self.stdout.read_exact(buffer) {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == ErrorKind::UnexpectedEof => Ok(false),
            Err(error) => Err(error).context("failed to read a frame from ffmpeg"),
        }
    }

    /// Waits for the child processes and reports a failed decode.
    pub fn finish(mut self) -> anyhow::Result<()> {
        let status = self.ffmpeg.wait().context("failed to wait for ffmpeg")?;
        if let Some(mut xz) = self.xz.take() {
            xz.wait().context("failed to wait for xz")?;
        }
        if !status.success() {
            bail!("ffmpeg failed with {status}");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_rates_parse_as_fractions() {
        assert_eq!(parse_rate("15/1"), Some(15.0));
        assert!((parse_rate("30000/1001").unwrap() - 29.97).abs() < 0.01);
        assert_eq!(parse_rate("24"), Some(24.0));
        assert_eq!(parse_rate("0/0"), None);
        assert_eq!(parse_rate("abc"), None);
    }
}
