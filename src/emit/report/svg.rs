//! The report's charts, as inline SVG written by hand: a bar chart per county and a line per
//! project. No `xmlns` (inline SVG in HTML needs none, and the file names no URL but its
//! links); every number is a link to its report; every text from the data is escaped.

use super::{escape, linked, percent, shorten, County, Project, Report};
use std::fmt::Write as _;

/// The bar colour for a completion: done, on the way, or below half.
pub(super) fn bar_colour(pct: f64) -> &'static str {
    if pct >= 100.0 {
        "#2f9e44"
    } else if pct >= 50.0 {
        "#3b82f6"
    } else {
        "#f59f00"
    }
}

const LABEL_W: f64 = 330.0;
const BAR_W: f64 = 360.0;
const ROW_H: f64 = 24.0;

/// A county's bar chart: one bar per project, its latest completion (bars end at 100%; the
/// label says the number, linked to its report).
pub(super) fn bar_chart(county: &County) -> String {
    let height = ROW_H * county.projects.len() as f64 + 28.0;
    let width = LABEL_W + BAR_W + 70.0;
    let mut svg = format!(
        "<svg class=\"bars\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-label=\"{}: latest completion per project\">",
        escape(&county.name)
    );
    for (i, tick) in [0.0, 50.0, 100.0].iter().enumerate() {
        let x = LABEL_W + BAR_W * tick / 100.0;
        let _ = write!(
            svg,
            "<line x1=\"{x}\" y1=\"0\" x2=\"{x}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"1\"/>\
             <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            height - 16.0,
            if i == 1 { "#cbd2d9" } else { "#9aa5b1" },
            height - 3.0,
            percent(*tick)
        );
    }
    for (i, project) in county.projects.iter().enumerate() {
        let y = ROW_H * i as f64 + 4.0;
        let label = format!("{} {}", project.seq(), shorten(&project.name(), 22));
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}<title>{}</title></text>",
            LABEL_W - 8.0,
            y + 13.0,
            escape(label.trim()),
            escape(&project.name())
        );
        match project.latest() {
            Some(row) => {
                let pct = row.completion_pct.unwrap_or(0.0);
                let w = (BAR_W * pct.clamp(0.0, 100.0) / 100.0).max(1.0);
                let text = format!(
                    "<text class=\"value\" x=\"{}\" y=\"{}\">{}</text>",
                    LABEL_W + w + 6.0,
                    y + 13.0,
                    percent(pct)
                );
                let _ = write!(
                    svg,
                    "<rect x=\"{LABEL_W}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" rx=\"2\" \
                     fill=\"{}\"><title>{} {}</title></rect>{}",
                    ROW_H - 8.0,
                    bar_colour(pct),
                    escape(&row.as_of.clone().unwrap_or_default()),
                    percent(pct),
                    linked(&row.source_url, &text)
                );
            }
            None => {
                let _ = write!(
                    svg,
                    "<text x=\"{}\" y=\"{}\">no number</text>",
                    LABEL_W + 6.0,
                    y + 13.0
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A project's line across its county's reports: a point per report with a number, each
/// linked to its report; the y axis runs from 0 to 100% (or to the largest value above it).
pub(super) fn sparkline(project: &Project, reports: &[Report]) -> String {
    let (w, h, pad) = (150.0, 38.0, 6.0);
    let top = project
        .rows
        .iter()
        .filter_map(|r| r.completion_pct)
        .fold(100.0, f64::max);
    let step = if reports.len() > 1 {
        (w - 2.0 * pad) / (reports.len() - 1) as f64
    } else {
        0.0
    };
    let mut points = Vec::new();
    for row in &project.rows {
        let (Some(pct), Some(x)) = (
            row.completion_pct,
            reports.iter().position(|r| r.url == row.source_url),
        ) else {
            continue;
        };
        let x = pad
            + step * x as f64
            + if reports.len() > 1 {
                0.0
            } else {
                w / 2.0 - pad
            };
        let y = h - pad - (h - 2.0 * pad) * pct.max(0.0) / top;
        points.push((x, y, row, pct));
    }
    let mut svg = format!(
        "<svg class=\"line\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
         aria-label=\"completion across reports\">\
         <line x1=\"{pad}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#d9e2ec\"/>",
        h - pad,
        w - pad
    );
    if points.len() > 1 {
        let coords: Vec<String> = points
            .iter()
            .map(|(x, y, _, _)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#3b82f6\" stroke-width=\"2\"/>",
            coords.join(" ")
        );
    }
    for (x, y, row, pct) in &points {
        let dot = format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"{}\"><title>{} {}</title></circle>",
            bar_colour(*pct),
            escape(&Report::from_row(row).label()),
            percent(*pct)
        );
        svg.push_str(&linked(&row.source_url, &dot));
    }
    svg.push_str("</svg>");
    svg
}
