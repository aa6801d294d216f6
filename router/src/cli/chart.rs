//! An SVG chart of RFC 2544 results: zero-loss throughput and latency against frame size,
//! one line per configuration. Plain SVG 1.1, no dependencies, readable in any browser.

use std::fmt::Write as _;

use super::rfc2544::Rfc2544Result;

const WIDTH: f64 = 1000.0;
const PANEL_W: f64 = 400.0;
const PANEL_H: f64 = 260.0;
const TOP: f64 = 50.0;
const LEFT: [f64; 2] = [70.0, 570.0];
const COLOURS: [&str; 10] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// A round number at or above `v` for an axis's top (1, 2 or 5 times a power of ten).
fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|&c| c >= v)
        .unwrap_or(10.0 * p)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Axes, grid and labels of one panel; returns the point mapper.
fn panel(
    svg: &mut String,
    left: f64,
    title: &str,
    y_label: &str,
    sizes: &[usize],
    y_max: f64,
) -> impl Fn(usize, f64) -> (f64, f64) {
    let (x_min, x_max) = (64.0, 1518.0);
    let map = move |size: usize, y: f64| {
        (
            left + (size as f64 - x_min) / (x_max - x_min) * PANEL_W,
            TOP + PANEL_H - (y / y_max).clamp(0.0, 1.0) * PANEL_H,
        )
    };
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-weight="bold">{}</text>"#,
        left + PANEL_W / 2.0,
        TOP - 15.0,
        escape(title)
    );
    for i in 0..=4 {
        let y = y_max * f64::from(i) / 4.0;
        let (_, py) = map(64, y);
        let _ = writeln!(
            svg,
            r##"<line x1="{left:.1}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11">{}</text>"##,
            left + PANEL_W,
            left - 5.0,
            py + 4.0,
            if y.fract() == 0.0 {
                format!("{y:.0}")
            } else if y >= 10.0 {
                format!("{y:.1}")
            } else {
                format!("{y:.2}")
            }
        );
    }
    for &s in sizes {
        let (px, _) = map(s, 0.0);
        let _ = writeln!(
            svg,
            r##"<line x1="{px:.1}" y1="{TOP:.1}" x2="{px:.1}" y2="{:.1}" stroke="#eee"/><text x="{px:.1}" y="{:.1}" text-anchor="middle" font-size="11">{s}</text>"##,
            TOP + PANEL_H,
            TOP + PANEL_H + 15.0
        );
    }
    let _ = writeln!(
        svg,
        r#"<rect x="{left:.1}" y="{TOP:.1}" width="{PANEL_W:.1}" height="{PANEL_H:.1}" fill="none" stroke="black"/>"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12">frame size (bytes)</text>"#,
        left + PANEL_W / 2.0,
        TOP + PANEL_H + 32.0
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12" transform="rotate(-90 {:.1} {:.1})">{}</text>"#,
        left - 48.0,
        TOP + PANEL_H / 2.0,
        left - 48.0,
        TOP + PANEL_H / 2.0,
        escape(y_label)
    );
    map
}

fn series(svg: &mut String, points: &[(f64, f64)], colour: &str, dashed: bool, marker: bool) {
    let path: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    let dash = if dashed {
        r#" stroke-dasharray="5,4""#
    } else {
        ""
    };
    let _ = writeln!(
        svg,
        r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"#,
        path.join(" ")
    );
    if marker {
        for (x, y) in points {
            let _ = writeln!(
                svg,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{colour}"/>"#
            );
        }
    }
}

/// The chart for `results` (rows measured with a pcap's frames, size 0, are left out).
pub fn svg(results: &[Rfc2544Result], subtitle: &str) -> String {
    let rows: Vec<&Rfc2544Result> = results.iter().filter(|r| r.frame_size > 0).collect();
    let mut configs: Vec<&str> = Vec::new();
    for r in &rows {
        if !configs.contains(&r.config.as_str()) {
            configs.push(&r.config);
        }
    }
    let mut sizes: Vec<usize> = rows.iter().map(|r| r.frame_size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let kpps_max = nice_ceiling(
        rows.iter()
            .map(|r| r.throughput_pps / 1000.0)
            .fold(0.0, f64::max)
            * 1.05,
    );
    let lat_max = nice_ceiling(rows.iter().map(|r| r.latency_us.1).fold(0.0, f64::max) * 1.05);
    let legend_rows = configs.len().div_ceil(2);
    let height = TOP + PANEL_H + 60.0 + legend_rows as f64 * 18.0 + 10.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r##"<text x="10" y="18" font-size="12" fill="#555">{}</text>"##,
        escape(subtitle)
    );
    let throughput = panel(
        &mut s,
        LEFT[0],
        "RFC 2544 zero-loss throughput",
        "kpps",
        &sizes,
        kpps_max,
    );
    let latency = panel(
        &mut s,
        LEFT[1],
        "Latency at 90 % of it (p50 solid, p99 dashed)",
        "µs",
        &sizes,
        lat_max,
    );
    for (i, config) in configs.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let mut mine: Vec<&&Rfc2544Result> = rows.iter().filter(|r| r.config == *config).collect();
        mine.sort_by_key(|r| r.frame_size);
        let marker = mine.len() < 8;
        let t: Vec<(f64, f64)> = mine
            .iter()
            .map(|r| throughput(r.frame_size, r.throughput_pps / 1000.0))
            .collect();
        series(&mut s, &t, colour, false, marker);
        let p50: Vec<(f64, f64)> = mine
            .iter()
            .map(|r| latency(r.frame_size, r.latency_us.0))
            .collect();
        series(&mut s, &p50, colour, false, marker);
        let p99: Vec<(f64, f64)> = mine
            .iter()
            .map(|r| latency(r.frame_size, r.latency_us.1))
            .collect();
        series(&mut s, &p99, colour, true, false);
        let (lx, ly) = (
            LEFT[0] + (i % 2) as f64 * 500.0,
            TOP + PANEL_H + 60.0 + (i / 2) as f64 * 18.0,
        );
        let _ = writeln!(
            s,
            r#"<rect x="{lx:.1}" y="{:.1}" width="14" height="4" fill="{colour}"/><text x="{:.1}" y="{ly:.1}">{}</text>"#,
            ly - 6.0,
            lx + 20.0,
            escape(config)
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(config: &str, size: usize, kpps: f64, p99: f64) -> Rfc2544Result {
        Rfc2544Result {
            config: config.into(),
            profile: "UDP".into(),
            frame_size: size,
            throughput_pps: kpps * 1000.0,
            ceiling_pps: 0.0,
            latency_us: (p99 / 2.0, p99, p99 * 2.0),
            trials: Vec::new(),
            cycles_per_packet: 0,
        }
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(43.0), 50.0);
        assert_eq!(nice_ceiling(0.7), 1.0);
        assert_eq!(nice_ceiling(101.0), 200.0);
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(f64::NAN), 1.0);
    }

    #[test]
    fn one_line_per_configuration_in_both_panels() {
        let rows = [
            row("configs/wire.click", 64, 50.0, 80.0),
            row("configs/wire.click", 1518, 40.0, 90.0),
            row("configs/<nat>.click", 64, 45.0, 100.0),
            row("configs/<nat>.click", 1518, 38.0, 120.0),
            row("pcap", 0, 10.0, 10.0),
        ];
        let svg = svg(&rows, "test");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        // Throughput, p50 and p99 per configuration; the pcap row has no frame size.
        assert_eq!(svg.matches("<polyline").count(), 6);
        assert!(svg.contains("configs/&lt;nat&gt;.click"), "escaped");
        // The wire's 64-byte point: x at the left edge, 50 kpps half way up a 100 kpps axis.
        assert!(svg.contains(r#"<circle cx="70.0" cy="180.0""#), "{svg}");
    }
}
