//! The figures a portal steers by, from the feedback records: how often suggestions deflect a
//! case, how each guide does, and the searches that need a guide written (content gaps).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::{normalise, Feedback};

/// How one guide does.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GuideFigures {
    /// The guide.
    pub guide: String,
    /// Answers about it (it was shown).
    pub shown: usize,
    /// Answers saying it helped.
    pub helped: usize,
    /// Answers that filed a case anyway.
    pub filed_anyway: usize,
    /// helped / shown.
    pub helpfulness: f64,
}

/// A search that found nothing useful, by how often it was typed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// The normalised, redacted text.
    pub text: String,
    /// How often.
    pub count: usize,
}

/// Deflection in one ISO week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Week {
    /// Monday of the week.
    pub monday: NaiveDate,
    /// Answers that week.
    pub answers: usize,
    /// Share of them that were helped without filing a case.
    pub deflection_rate: f64,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Answers to "Fick du hjälp av guiderna?".
    pub answers: usize,
    /// Answers saying a guide helped.
    pub helped: usize,
    /// Answers helped and with no case filed: the cases a guide saved.
    pub deflected: usize,
    /// deflected / answers.
    pub deflection_rate: f64,
    /// Per guide, most shown first.
    pub guides: Vec<GuideFigures>,
    /// The most frequent searches that found nothing or ended in a filed case.
    pub gaps: Vec<Gap>,
    /// Per week, oldest first.
    pub weeks: Vec<Week>,
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The report of these records; `max_gaps` most frequent gaps.
pub fn report(records: &[Feedback], max_gaps: usize) -> Report {
    let deflected = |r: &Feedback| r.helped && !r.filed_anyway;
    let mut guides: BTreeMap<&str, GuideFigures> = BTreeMap::new();
    let mut gaps: BTreeMap<String, usize> = BTreeMap::new();
    let mut weeks: BTreeMap<NaiveDate, (usize, usize)> = BTreeMap::new();
    for r in records {
        if let Some(guide) = &r.guide {
            let g = guides.entry(guide).or_insert_with(|| GuideFigures {
                guide: guide.clone(),
                ..GuideFigures::default()
            });
            g.shown += 1;
            g.helped += usize::from(r.helped);
            g.filed_anyway += usize::from(r.filed_anyway);
        }
        if r.guide.is_none() || r.filed_anyway || !r.helped {
            let text = normalise(&r.query);
            if !text.is_empty() {
                *gaps.entry(text).or_default() += 1;
            }
        }
        let date = r.at.date_naive();
        let monday =
            date - chrono::Duration::days(i64::from(date.weekday().num_days_from_monday()));
        let week = weeks.entry(monday).or_default();
        week.0 += 1;
        week.1 += usize::from(deflected(r));
    }
    let mut guides: Vec<GuideFigures> = guides
        .into_values()
        .map(|mut g| {
            g.helpfulness = share(g.helped, g.shown);
            g
        })
        .collect();
    guides.sort_by(|a, b| b.shown.cmp(&a.shown).then_with(|| a.guide.cmp(&b.guide)));
    let mut gaps: Vec<Gap> = gaps
        .into_iter()
        .map(|(text, count)| Gap { text, count })
        .collect();
    gaps.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
    gaps.truncate(max_gaps);
    let answers = records.len();
    let helped = records.iter().filter(|r| r.helped).count();
    let deflected_count = records.iter().filter(|r| deflected(r)).count();
    Report {
        answers,
        helped,
        deflected: deflected_count,
        deflection_rate: share(deflected_count, answers),
        guides,
        gaps,
        weeks: weeks
            .into_iter()
            .map(|(monday, (n, d))| Week {
                monday,
                answers: n,
                deflection_rate: share(d, n),
            })
            .collect(),
    }
}

impl Report {
    /// The weekly deflection rate as an SVG line chart (self-contained, no external assets).
    pub fn weekly_svg(&self) -> String {
        let (w, h, pad) = (640.0, 320.0, 48.0);
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
             <title>Andel ärenden som guiderna löste, per vecka</title>\n\
             <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        );
        let x0 = pad;
        let y0 = h - pad;
        let plot_w = w - 2.0 * pad;
        let plot_h = h - 2.0 * pad;
        let _ = writeln!(
            svg,
            "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{}\" y2=\"{y0}\" stroke=\"black\"/>\
             <line x1=\"{x0}\" y1=\"{pad}\" x2=\"{x0}\" y2=\"{y0}\" stroke=\"black\"/>",
            w - pad
        );
        for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let y = y0 - tick * plot_h;
            let _ = writeln!(
                svg,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.0} %</text>\
                 <line x1=\"{x0}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#ddd\"/>",
                x0 - 6.0,
                y + 4.0,
                tick * 100.0,
                w - pad
            );
        }
        let n = self.weeks.len();
        let x_of = |i: usize| {
            if n <= 1 {
                x0 + plot_w / 2.0
            } else {
                x0 + plot_w * i as f64 / (n - 1) as f64
            }
        };
        let points: Vec<String> = self
            .weeks
            .iter()
            .enumerate()
            .map(|(i, week)| format!("{:.1},{:.1}", x_of(i), y0 - week.deflection_rate * plot_h))
            .collect();
        if !points.is_empty() {
            let _ = writeln!(
                svg,
                "<polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"2\" points=\"{}\"/>",
                points.join(" ")
            );
        }
        for (i, week) in self.weeks.iter().enumerate() {
            let _ = writeln!(
                svg,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#1f6feb\"/>\
                 <text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">v{}</text>",
                x_of(i),
                y0 - week.deflection_rate * plot_h,
                x_of(i),
                y0 + 18.0,
                week.monday.iso_week().week()
            );
        }
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">\
             Andel svar där en guide hjälpte och inget ärende skickades, per vecka</text>\n</svg>",
            w / 2.0
        );
        svg
    }

    /// The report as plain text.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "answers {}  helped {}  deflected {}  deflection rate {:.3}\n\nper guide (shown, helped, filed anyway, helpfulness)\n",
            self.answers, self.helped, self.deflected, self.deflection_rate
        );
        for g in &self.guides {
            let _ = writeln!(
                out,
                "{:<40} {:>5} {:>5} {:>5} {:>6.3}",
                g.guide, g.shown, g.helped, g.filed_anyway, g.helpfulness
            );
        }
        out.push_str("\ncontent gaps (searches that found nothing or ended in a case)\n");
        for gap in &self.gaps {
            let _ = writeln!(out, "{:>5}  {}", gap.count, gap.text);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn answer(query: &str, guide: Option<&str>, helped: bool, filed: bool, day: u32) -> Feedback {
        Feedback {
            query: query.into(),
            guide: guide.map(str::to_string),
            helped,
            rank: Some(1),
            filed_anyway: filed,
            at: Utc.with_ymd_and_hms(2026, 3, day, 9, 0, 0).unwrap(),
            actor: None,
        }
    }

    #[test]
    fn figures_gaps_and_weeks() {
        let records = vec![
            answer("glömt lösen", Some("pw"), true, false, 2),
            answer("glömt lösen", Some("pw"), true, true, 3),
            answer("skrivaren", Some("print"), false, false, 9),
            answer("Parkeringstillstånd 19811228-9874", None, false, true, 10),
            answer("parkeringstillstånd", None, false, true, 11),
        ];
        let r = report(&records, 10);
        assert_eq!((r.answers, r.helped, r.deflected), (5, 2, 1));
        assert!((r.deflection_rate - 0.2).abs() < 1e-9);
        assert_eq!(r.guides[0].guide, "pw");
        assert_eq!((r.guides[0].shown, r.guides[0].filed_anyway), (2, 1));
        assert_eq!(
            r.gaps[0],
            Gap {
                text: "parkeringstillstånd".into(),
                count: 2
            }
        );
        assert!(r.gaps.iter().all(|g| !g.text.contains("9874")));
        assert_eq!(r.weeks.len(), 2);
        assert!((r.weeks[0].deflection_rate - 0.5).abs() < 1e-9);
        let svg = r.weekly_svg();
        assert!(svg.starts_with("<svg") && svg.contains("<polyline"));
        assert!(r.to_text().contains("parkeringstillstånd"));
    }
}
