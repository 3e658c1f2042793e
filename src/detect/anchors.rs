//! SSD anchors of the BlazeFace short-range detector.
//!
//! These are the anchors of MediaPipe's `SsdAnchorsCalculator` with the options of
//! `face_detection_short_range.pbtxt`: 4 layers, strides 8, 16, 16, 16, one aspect
//! ratio plus one interpolated scale, fixed anchor size, offset 0.5. Consecutive
//! layers with the same stride share one grid, and each layer adds two anchors per
//! cell. That gives a 16x16 grid with 2 anchors per cell followed by an 8x8 grid with
//! 6, 896 anchors in all, in row-major cell order with a cell's anchors adjacent.

use crate::face::Point;

/// Side of the square detector input, in pixels.
pub const INPUT_SIZE: usize = 128;

/// Feature-map strides of the four anchor layers, in input pixels.
pub const LAYER_STRIDES: [usize; 4] = [8, 16, 16, 16];

/// Anchors each layer adds to every cell of its grid.
pub const ANCHORS_PER_LAYER_CELL: usize = 2;

/// Number of anchors, equal to the detector's number of output rows.
pub const ANCHOR_COUNT: usize = 896;

/// Generates the anchor centres in normalised input coordinates (0 to 1 across the
/// input square). All anchors have width and height 1, so only centres are stored.
pub fn anchor_centers() -> Vec<Point> {
    let mut centers = Vec::with_capacity(ANCHOR_COUNT);
    let mut layer = 0;
    while layer < LAYER_STRIDES.len() {
        let stride = LAYER_STRIDES[layer];
        let mut layers_sharing_grid = 0;
        while layer < LAYER_STRIDES.len() && LAYER_STRIDES[layer] == stride {
            layers_sharing_grid += 1;
            layer += 1;
        }
        let grid = INPUT_SIZE.div_ceil(stride);
        let per_cell = layers_sharing_grid * ANCHORS_PER_LAYER_CELL;
        for row in 0..grid {
            for column in 0..grid {
                let center = Point::new(
                    (column as f32 + 0.5) / grid as f32,
                    (row as f32 + 0.5) / grid as f32,
                );
                centers.extend(std::iter::repeat_n(center, per_cell));
            }
        }
    }
    centers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_number_896() {
        assert_eq!(anchor_centers().len(), ANCHOR_COUNT);
    }

    #[test]
    fn first_anchors_share_top_left_cell() {
        let centers = anchor_centers();
        let expected = Point::new(0.5 / 16.0, 0.5 / 16.0);
        assert_eq!(centers[0], expected);
        assert_eq!(centers[1], expected);
        assert_eq!(centers[2], Point::new(1.5 / 16.0, 0.5 / 16.0));
    }

    #[test]
    fn coarse_grid_starts_after_512_anchors() {
        let centers = anchor_centers();
        assert_eq!(centers[511], Point::new(15.5 / 16.0, 15.5 / 16.0));
        assert_eq!(centers[512], Point::new(0.5 / 8.0, 0.5 / 8.0));
        assert_eq!(centers[517], Point::new(0.5 / 8.0, 0.5 / 8.0));
        assert_eq!(centers[518], Point::new(1.5 / 8.0, 0.5 / 8.0));
    }

    #[test]
    fn last_anchor_is_bottom_right_cell() {
        let centers = anchor_centers();
        assert_eq!(centers[ANCHOR_COUNT - 1], Point::new(7.5 / 8.0, 7.5 / 8.0));
    }
}
