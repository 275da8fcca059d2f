//! A horizontal bar chart of throughput by scenario, as plain SVG, on a
//! logarithmic axis so that 3 decisions per millisecond and 3 per
//! microsecond fit on one chart.

use std::fmt::Write as _;

/// One bar: its label, value (per second) and group (colour).
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub group: Group,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// session-guard decisions.
    Guard,
    /// The floor and the verifiers teams use today.
    Peer,
    /// HTTP requests per second.
    Http,
}

impl Group {
    fn colour(self) -> &'static str {
        match self {
            Group::Guard => "#2f6fb3",
            Group::Peer => "#9a9a9a",
            Group::Http => "#d9822b",
        }
    }

    fn legend(self) -> &'static str {
        match self {
            Group::Guard => "session-guard decisions/s (one core)",
            Group::Peer => "floor and peer verifiers, decisions/s (one core)",
            Group::Http => "HTTP requests/s at saturation (server on one core)",
        }
    }
}

const WIDTH: f64 = 980.0;
const LABEL_WIDTH: f64 = 370.0;
const RIGHT_MARGIN: f64 = 110.0;
const ROW: f64 = 26.0;
const TOP: f64 = 60.0;

/// Renders `bars` with a log10 axis from `10^min_exp` to `10^max_exp`.
pub fn render(title: &str, bars: &[Bar]) -> String {
    let finite: Vec<f64> = bars
        .iter()
        .map(|bar| bar.value)
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    let min_exp = finite
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min)
        .log10()
        .floor()
        .clamp(0.0, 9.0);
    let max_exp = finite
        .iter()
        .copied()
        .fold(0.0, f64::max)
        .log10()
        .ceil()
        .clamp(min_exp + 1.0, 10.0);
    let plot_width = WIDTH - LABEL_WIDTH - RIGHT_MARGIN;
    let x_of = |value: f64| {
        let position = (value.max(1.0).log10() - min_exp) / (max_exp - min_exp);
        LABEL_WIDTH + position.clamp(0.0, 1.0) * plot_width
    };
    let legend_rows = 3.0;
    let height = TOP + ROW * bars.len() as f64 + 40.0 + legend_rows * 20.0;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="24" font-size="16" font-weight="bold">{}</text>"#,
        10,
        escape(title)
    );

    let axis_bottom = TOP + ROW * bars.len() as f64;
    let mut exponent = min_exp;
    while exponent <= max_exp {
        let x = x_of(10f64.powf(exponent));
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{axis_bottom}" stroke="#dddddd"/>"##,
            TOP - 8.0
        );
        let _ = writeln!(
            svg,
            r#"<text x="{x:.1}" y="{}" text-anchor="middle" fill="dimgray">{}</text>"#,
            TOP - 14.0,
            tick_label(exponent)
        );
        exponent += 1.0;
    }

    for (index, bar) in bars.iter().enumerate() {
        let y = TOP + ROW * index as f64;
        let end = x_of(bar.value);
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            LABEL_WIDTH - 8.0,
            y + ROW * 0.65,
            escape(&bar.label)
        );
        let _ = writeln!(
            svg,
            r#"<rect x="{LABEL_WIDTH}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"/>"#,
            y + 4.0,
            (end - LABEL_WIDTH).max(1.0),
            ROW - 8.0,
            bar.group.colour()
        );
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
            end + 6.0,
            y + ROW * 0.65,
            human(bar.value)
        );
    }

    let mut legend_y = axis_bottom + 30.0;
    for group in [Group::Guard, Group::Peer, Group::Http] {
        let _ = writeln!(
            svg,
            r#"<rect x="{LABEL_WIDTH}" y="{:.1}" width="14" height="14" fill="{}"/>"#,
            legend_y - 11.0,
            group.colour()
        );
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{legend_y:.1}">{}</text>"#,
            LABEL_WIDTH + 20.0,
            group.legend()
        );
        legend_y += 20.0;
    }
    svg.push_str("</svg>\n");
    svg
}

fn tick_label(exponent: f64) -> String {
    match exponent as i32 {
        0 => "1".to_owned(),
        1 => "10".to_owned(),
        2 => "100".to_owned(),
        3 => "1k".to_owned(),
        4 => "10k".to_owned(),
        5 => "100k".to_owned(),
        6 => "1M".to_owned(),
        7 => "10M".to_owned(),
        other => format!("1e{other}"),
    }
}

/// Formats a rate with three significant digits and a k/M suffix.
pub fn human(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_owned();
    }
    let (scaled, suffix) = if value >= 1e6 {
        (value / 1e6, "M")
    } else if value >= 1e3 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    let digits = if scaled >= 100.0 {
        0
    } else if scaled >= 10.0 {
        1
    } else {
        2
    };
    format!("{scaled:.digits$}{suffix}")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_suffixes() {
        assert_eq!(human(2_390_000.0), "2.39M");
        assert_eq!(human(25_100.0), "25.1k");
        assert_eq!(human(512.0), "512");
        assert_eq!(human(f64::NAN), "n/a");
    }

    #[test]
    fn render_one_bar_per_value() {
        let bars = vec![
            Bar {
                label: "a <b>".to_owned(),
                value: 1e6,
                group: Group::Guard,
            },
            Bar {
                label: "c".to_owned(),
                value: 2e4,
                group: Group::Peer,
            },
        ];
        let svg = render("t", &bars);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("a &lt;b&gt;"));
        assert_eq!(svg.matches(r#"height="18.0""#).count(), 2);
    }
}
