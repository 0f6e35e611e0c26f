//! The HTML report: one self-contained page, inline CSS and SVG charts drawn here.

use std::fmt::Write;

use super::collector::Figure;
use super::report::Report;

/// A line (or dots) on a chart.
struct Series {
    name: &'static str,
    color: &'static str,
    points: Vec<(f64, f64)>,
    dots: bool,
}

const WIDTH: f64 = 620.0;
const HEIGHT: f64 = 256.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 34.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A round axis maximum at or above `v`.
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * magnitude >= v {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

/// The end of a time axis with 5 divisions: the first of 5 × {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6,
/// 8} × 10ⁿ at or past `t`, so a 54 s run is drawn to 60 s, not 100 s.
fn time_axis_max(t: f64) -> f64 {
    let division = t / 5.0;
    let magnitude = 10f64.powf(division.log10().floor());
    let step = [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .into_iter()
        .find(|step| step * magnitude >= division)
        .unwrap_or(10.0);
    5.0 * step * magnitude
}

fn label(v: f64) -> String {
    if v >= 100.0 || v == v.round() {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    }
}

fn chart(title: &str, unit: &str, t_max: f64, series: &[Series], floor: f64) -> String {
    let y_data = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(floor, f64::max);
    let y_max = 4.0 * nice_max(y_data * 1.05 / 4.0);
    let t_max = time_axis_max(t_max.max(1.0));
    let (w, h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let x = |t: f64| LEFT + t / t_max * w;
    let y = |v: f64| TOP + h - (v / y_max).clamp(0.0, 1.0) * h;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{t}"><text x="12" y="18" class="title">{t}</text>"#,
        t = escape(title)
    );
    for i in 0..=4 {
        let v = y_max * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" x2="{x2}" y1="{yy:.1}" y2="{yy:.1}" class="grid"/><text x="{lx}" y="{ty:.1}" class="tick" text-anchor="end">{v}</text>"#,
            x2 = LEFT + w,
            yy = y(v),
            lx = LEFT - 6.0,
            ty = y(v) + 4.0,
            v = label(v)
        );
    }
    for i in 0..=5 {
        let t = t_max * f64::from(i) / 5.0;
        let _ = write!(
            svg,
            r#"<text x="{xx:.1}" y="{ty}" class="tick" text-anchor="middle">{t}s</text>"#,
            xx = x(t),
            ty = TOP + h + 16.0,
            t = label(t)
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{lx}" y="{ly}" class="unit" text-anchor="end">{u}</text>"#,
        lx = LEFT - 6.0,
        ly = TOP - 12.0,
        u = escape(unit)
    );
    let mut legend_x = LEFT;
    for s in series {
        if s.points.is_empty() {
            continue;
        }
        if s.dots {
            for &(t, v) in &s.points {
                let _ = write!(
                    svg,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}" fill-opacity="0.55"/>"#,
                    x(t),
                    y(v),
                    s.color
                );
            }
        } else {
            let path: Vec<String> = s
                .points
                .iter()
                .map(|&(t, v)| format!("{:.1},{:.1}", x(t), y(v)))
                .collect();
            let _ = write!(
                svg,
                r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2" stroke-linejoin="round"/>"#,
                path.join(" "),
                s.color
            );
        }
        let _ = write!(
            svg,
            r#"<rect x="{legend_x:.1}" y="27" width="10" height="10" rx="2" fill="{}"/><text x="{:.1}" y="36" class="legend">{}</text>"#,
            s.color,
            legend_x + 14.0,
            escape(s.name)
        );
        legend_x += 24.0 + s.name.len() as f64 * 6.6;
    }
    if series.iter().all(|s| s.points.is_empty()) {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" class="empty" text-anchor="middle">no data</text>"#,
            LEFT + w / 2.0,
            TOP + h / 2.0
        );
    }
    svg.push_str("</svg>");
    format!(r#"<figure class="chart">{svg}</figure>"#)
}

/// Percentile of sorted values.
fn pct(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Rolling percentiles of `figure` over 10 s windows, at each timeline point.
fn rolling(report: &Report, figure: Figure, q: f64) -> Vec<(f64, f64)> {
    report
        .timeline
        .iter()
        .filter_map(|p| {
            let mut window: Vec<f64> = report
                .samples
                .iter()
                .filter(|s| s.figure == figure && s.at > p.t - 10.0 && s.at <= p.t)
                .map(|s| s.ms)
                .collect();
            if window.is_empty() {
                return None;
            }
            window.sort_by(f64::total_cmp);
            Some((p.t, pct(&window, q)))
        })
        .collect()
}

fn card(label: &str, value: &str, note: &str, class: &str) -> String {
    format!(
        r#"<div class="card {class}"><div class="label">{}</div><div class="value">{}</div><div class="note">{}</div></div>"#,
        escape(label),
        escape(value),
        escape(note)
    )
}

/// The HTML report of a run: one self-contained page (inline SVG charts, no external assets).
pub fn render_html(report: &Report) -> String {
    let json = report.to_json();
    let t_max = report
        .wall_s
        .max(report.timeline.last().map_or(1.0, |p| p.t));
    let points = |f: &dyn Fn(&super::sampler::Point) -> Option<f64>| -> Vec<(f64, f64)> {
        report
            .timeline
            .iter()
            .filter_map(|p| f(p).map(|v| (p.t, v)))
            .collect()
    };
    let samples = |figure: Figure| -> Vec<(f64, f64)> {
        report
            .samples
            .iter()
            .filter(|s| s.figure == figure)
            .map(|s| (s.at, s.ms))
            .collect()
    };
    let mut loss = Vec::new();
    let mut gaps = Vec::new();
    for pair in report.timeline.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let expected = (b.packets - a.packets) + (b.lost - a.lost);
        if expected > 0 {
            loss.push((b.t, (b.lost - a.lost) as f64 * 100.0 / expected as f64));
        }
        gaps.push((b.t, (b.gaps - a.gaps) as f64));
    }
    let silence = f64::from(report.silence_ms);
    let charts = [
        chart(
            "Response latency (speech end → interviewer audio)",
            "ms",
            t_max,
            &[
                Series {
                    name: "each response",
                    color: "#94a3b8",
                    points: samples(Figure::Response),
                    dots: true,
                },
                Series {
                    name: "p50 (10 s)",
                    color: "#2563eb",
                    points: rolling(report, Figure::Response, 0.5),
                    dots: false,
                },
                Series {
                    name: "p99 (10 s)",
                    color: "#dc2626",
                    points: rolling(report, Figure::Response, 0.99),
                    dots: false,
                },
                Series {
                    name: "VAD silence",
                    color: "#16a34a",
                    points: vec![(0.0, silence), (t_max, silence)],
                    dots: false,
                },
            ],
            silence,
        ),
        chart(
            "Response latency added by Viva (upstream's own time taken out)",
            "ms",
            t_max,
            &[
                Series {
                    name: "each response",
                    color: "#94a3b8",
                    points: samples(Figure::ResponseAdded),
                    dots: true,
                },
                Series {
                    name: "p50 (10 s)",
                    color: "#2563eb",
                    points: rolling(report, Figure::ResponseAdded, 0.5),
                    dots: false,
                },
                Series {
                    name: "p99 (10 s)",
                    color: "#dc2626",
                    points: rolling(report, Figure::ResponseAdded, 0.99),
                    dots: false,
                },
                Series {
                    name: "20 ms",
                    color: "#16a34a",
                    points: vec![(0.0, 20.0), (t_max, 20.0)],
                    dots: false,
                },
            ],
            20.0,
        ),
        chart(
            "Calls",
            "calls",
            t_max,
            &[
                Series {
                    name: "connected (peers)",
                    color: "#2563eb",
                    points: points(&|p| Some(p.active as f64)),
                    dots: false,
                },
                Series {
                    name: "live (server)",
                    color: "#f59e0b",
                    points: points(&|p| p.server_calls),
                    dots: false,
                },
                Series {
                    name: "failed",
                    color: "#dc2626",
                    points: points(&|p| Some(p.failed as f64)),
                    dots: false,
                },
            ],
            1.0,
        ),
        chart(
            "CPU (100 % = one core)",
            "%",
            t_max,
            &[
                Series {
                    name: "server",
                    color: "#7c3aed",
                    points: points(&|p| p.server_cpu_pct),
                    dots: false,
                },
                Series {
                    name: "load generator",
                    color: "#0891b2",
                    points: points(&|p| Some(p.client_cpu_pct)),
                    dots: false,
                },
                Series {
                    name: "stolen by the hypervisor",
                    color: "#dc2626",
                    points: points(&|p| p.server_steal_pct),
                    dots: false,
                },
            ],
            10.0,
        ),
        chart(
            "Memory (resident)",
            "MB",
            t_max,
            &[
                Series {
                    name: "server",
                    color: "#7c3aed",
                    points: points(&|p| p.server_rss_mb),
                    dots: false,
                },
                Series {
                    name: "load generator",
                    color: "#0891b2",
                    points: points(&|p| Some(p.client_rss_mb)),
                    dots: false,
                },
            ],
            10.0,
        ),
        chart(
            "Interviewer audio: loss and gaps per second",
            "% · gaps",
            t_max,
            &[
                Series {
                    name: "loss %",
                    color: "#dc2626",
                    points: loss,
                    dots: false,
                },
                Series {
                    name: "gaps > 60 ms",
                    color: "#f59e0b",
                    points: gaps,
                    dots: false,
                },
            ],
            1.0,
        ),
        chart(
            "Setup (offer → connected) and first audio",
            "ms",
            t_max,
            &[
                Series {
                    name: "connected",
                    color: "#2563eb",
                    points: samples(Figure::Setup),
                    dots: true,
                },
                Series {
                    name: "first audio",
                    color: "#f59e0b",
                    points: samples(Figure::FirstAudio),
                    dots: true,
                },
            ],
            10.0,
        ),
    ];
    let added = report.figure(Figure::ResponseAdded);
    let response = report.figure(Figure::Response);
    let failed: u64 = report.failures.values().sum();
    let ok = |good: bool| if good { "good" } else { "bad" };
    let mut cards = String::new();
    cards.push_str(&card(
        "calls connected",
        &format!("{} / {}", report.connected, report.attempted),
        &if failed == 0 {
            "no failures".to_owned()
        } else {
            format!("{failed} failed")
        },
        ok(failed == 0),
    ));
    cards.push_str(&card(
        "response added by Viva, p99",
        &if added.n > 0 {
            format!("{:.0} ms", added.p99)
        } else {
            "–".into()
        },
        &format!(
            "p50 {:.0} ms · raw p99 {:.0} ms · {} responses",
            added.p50, response.p99, response.n
        ),
        ok(added.n > 0 && added.p99 < 20.0),
    ));
    cards.push_str(&card(
        "interviewer audio loss",
        &format!("{:.2} %", report.loss_pct()),
        &format!("{} gaps > 60 ms · {} packets", report.gaps, report.packets),
        ok(report.lost == 0 && report.gaps == 0),
    ));
    cards.push_str(&card(
        "server CPU max",
        &format!("{} %", json["server"]["cpu_pct_max"]),
        &format!(
            "RSS max {} MB · host steal max {} %",
            json["server"]["rss_mb_max"], json["server"]["steal_pct_max"]
        ),
        "",
    ));
    cards.push_str(&card(
        "load generator CPU max",
        &format!("{} %", json["client"]["cpu_pct_max"]),
        "same machine, same cores",
        "",
    ));
    let mut rows = String::new();
    for figure in Figure::ALL {
        let p = report.figure(figure);
        if p.n == 0 {
            continue;
        }
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td></tr>",
            figure.key(),
            p.n,
            p.p50,
            p.p95,
            p.p99,
            p.max
        );
    }
    let mut errors = String::new();
    for (code, n) in &report.errors {
        let _ = write!(errors, "<tr><td>{}</td><td>{n}</td></tr>", escape(code));
    }
    if errors.is_empty() {
        errors.push_str("<tr><td colspan=2>none</td></tr>");
    }
    let settings = escape(&serde_json::to_string_pretty(&report.settings).unwrap_or_default());
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>viva load report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f8fafc;color:#0f172a}}
header{{background:#0f172a;color:#f8fafc;padding:20px 32px}} header h1{{margin:0;font-size:22px}} header p{{margin:4px 0 0;color:#94a3b8}}
main{{padding:20px 32px;max-width:1320px}}
.cards{{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:12px;margin-bottom:18px}}
.card{{background:#fff;border:1px solid #e2e8f0;border-radius:10px;padding:12px 16px;border-top:4px solid #cbd5e1}}
.card.good{{border-top-color:#16a34a}} .card.bad{{border-top-color:#dc2626}}
.card .label{{color:#64748b;font-size:12px;text-transform:uppercase;letter-spacing:.04em}}
.card .value{{font-size:26px;font-weight:650;margin:2px 0}} .card .note{{color:#64748b;font-size:12px}}
.charts{{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:12px}}
.chart{{margin:0;background:#fff;border:1px solid #e2e8f0;border-radius:10px;padding:6px}}
svg{{width:100%;height:auto;display:block}} .title{{font-weight:600;font-size:13px;fill:#0f172a}}
.grid{{stroke:#e2e8f0}} .tick,.unit{{font-size:11px;fill:#64748b}} .legend{{font-size:11px;fill:#334155}} .empty{{fill:#94a3b8}}
table{{border-collapse:collapse;background:#fff;border:1px solid #e2e8f0;border-radius:10px;overflow:hidden}}
th,td{{padding:6px 14px;text-align:right;border-bottom:1px solid #f1f5f9}} th:first-child,td:first-child{{text-align:left}}
th{{background:#f1f5f9;font-weight:600}} .tables{{display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start;margin-top:18px}}
pre{{background:#fff;border:1px solid #e2e8f0;border-radius:10px;padding:10px 14px;font-size:12px}}
h2{{font-size:15px;margin:22px 0 8px}}
</style></head><body>
<header><h1>viva load · {peers} synthetic candidates against {url}</h1>
<p>{wall:.0} s run · speech: {speech} · 100 % CPU = one core; the load generator and the server share this machine's cores</p></header>
<main>
<div class="cards">{cards}</div>
<div class="charts">{charts}</div>
<div class="tables">
<div><h2>Percentiles (ms)</h2><table><tr><th>figure</th><th>n</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>{rows}</table>
<p style="color:#64748b;font-size:12px;max-width:520px">response = last packet of the answer sent → first interviewer packet = turn_end + response_added + upstream. turn_end = last packet of the answer → the packet the server's turn detector ended the turn at. upstream = the model's own time, from the end of the turn it detected (its VAD waits silence_duration_ms = {silence} ms) reaching it to its first audio, as the server measured it (<code>viva.response.latency</code>). response_added = sending the packet that ended the turn → first interviewer packet, less upstream: Viva's inbound and outbound paths and the network.</p></div>
<div><h2>Errors by code</h2><table><tr><th>code</th><th>count</th></tr>{errors}</table></div>
<div><h2>Settings</h2><pre>{settings}</pre></div>
</div></main></body></html>
"#,
        peers = report.settings["peers"],
        url = escape(report.settings["url"].as_str().unwrap_or_default()),
        wall = report.wall_s,
        speech = escape(report.settings["speech"].as_str().unwrap_or_default()),
        charts = charts.join("\n"),
        silence = report.silence_ms,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_axes_end_close_to_the_run() {
        assert_eq!(time_axis_max(54.0), 60.0);
        assert_eq!(time_axis_max(60.0), 60.0);
        assert_eq!(time_axis_max(61.0), 75.0);
        assert_eq!(time_axis_max(96.0), 100.0);
        assert_eq!(time_axis_max(7.0), 7.5);
    }
}
