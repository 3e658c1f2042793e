//! Bar charts as inline SVG, drawn on the server because the pages run no inline
//! scripts. Labels are escaped; the chart has a title and description for screen
//! readers.

use std::fmt::Write;

use crate::html::escape;

/// Width and height of the chart's view box, in SVG user units.
const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 220.0;
const MARGIN_LEFT: f64 = 48.0;
const MARGIN_BOTTOM: f64 = 36.0;
const MARGIN_TOP: f64 = 12.0;

/// One bar: a label under it and a non-negative value.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
}

/// Renders bars left to right as an `<svg>` element. `title` names the chart for
/// assistive technology; every value also appears in a `<title>` of its bar.
/// Negative and non-finite values are drawn as zero.
pub fn bar_chart(title: &str, bars: &[Bar]) -> String {
    let maximum = bars
        .iter()
        .map(|bar| clean(bar.value))
        .fold(0.0_f64, f64::max);
    let scale_top = if maximum > 0.0 {
        nice_ceiling(maximum)
    } else {
        1.0
    };
    let plot_width = WIDTH - MARGIN_LEFT;
    let plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM;
    let slot = plot_width / bars.len().max(1) as f64;
    let label_every = (bars.len() / 10).max(1);

    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{title}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{title}</title>",
        title = escape(title)
    );
    for (fraction, anchor) in [(0.0, "0"), (1.0, "top")] {
        let y = MARGIN_TOP + plot_height * (1.0 - fraction);
        let value = if anchor == "0" { 0.0 } else { scale_top };
        let _ = write!(
            svg,
            "<line x1=\"{MARGIN_LEFT}\" x2=\"{WIDTH}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"currentColor\" stroke-opacity=\"0.3\"/>\
             <text x=\"{x:.1}\" y=\"{ty:.1}\" text-anchor=\"end\">{value}</text>",
            x = MARGIN_LEFT - 4.0,
            ty = y + 3.0,
            value = format_value(value),
        );
    }
    for (index, bar) in bars.iter().enumerate() {
        let value = clean(bar.value);
        let height = plot_height * value / scale_top;
        let x = MARGIN_LEFT + slot * index as f64 + slot * 0.15;
        let y = MARGIN_TOP + plot_height - height;
        let _ = write!(
            svg,
            "<rect class=\"bar\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{height:.1}\"><title>{label}: {value}</title></rect>",
            width = slot * 0.7,
            label = escape(&bar.label),
            value = format_value(value),
        );
        if index % label_every == 0 {
            let _ = write!(
                svg,
                "<text x=\"{cx:.1}\" y=\"{ly:.1}\" text-anchor=\"middle\">{label}</text>",
                cx = x + slot * 0.35,
                ly = HEIGHT - MARGIN_BOTTOM + 14.0,
                label = escape(&bar.label),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

fn clean(value: f64) -> f64 {
    if value.is_finite() && value > 0.0 {
        value
    } else {
        0.0
    }
}

/// Rounds up to 1, 2 or 5 times a power of ten, for a readable axis maximum.
fn nice_ceiling(value: f64) -> f64 {
    let magnitude = 10f64.powf(value.log10().floor());
    for step in [1.0, 2.0, 5.0, 10.0] {
        if value <= step * magnitude {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

fn format_value(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_a_round_maximum() {
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(130.0), 200.0);
        assert_eq!(nice_ceiling(0.4), 0.5);
    }

    #[test]
    fn chart_escapes_bar_labels() {
        let svg = bar_chart(
            "Smiles <per day>",
            &[
                Bar {
                    label: "2026-12-01".into(),
                    value: 10.0,
                },
                Bar {
                    label: "<b>".into(),
                    value: 20.0,
                },
                Bar {
                    label: "x".into(),
                    value: f64::NAN,
                },
            ],
        );

        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("Smiles &lt;per day&gt;"));
        assert!(svg.contains("&lt;b&gt;: 20"));
        assert!(!svg.contains("<b>"));
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn tallest_bar_fills_round_maximum() {
        let svg = bar_chart(
            "t",
            &[Bar {
                label: "a".into(),
                value: 100.0,
            }],
        );
        // 100 is its own round maximum, so the bar spans the whole plot height.
        assert!(svg.contains("height=\"172.0\""), "{svg}");
    }
}
