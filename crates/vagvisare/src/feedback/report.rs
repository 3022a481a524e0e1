//! The figures a portal steers by: how often suggestions deflect a case, how each guide does,
//! and the searches that need a guide written (content gaps).
//!
//! Two kinds of input count, alone or together:
//! - [`Feedback`] records: one answer about one guide, or about none when `guide` is empty.
//!   A portal may write one record per guide shown; records with the same actor key, text and
//!   time are then taken as one answer (records without an actor key are each an answer);
//! - [`DeflectionRecord`]s (one suggestion session: the guides shown, the answer, the case filed).
//!
//! Each record or session is one *answer*. The funnel is answers → with suggestions shown →
//! helped → deflected (helped and no case filed); the deflection rate is deflected / shown.
//! A content gap is the normalised text of an answer that found nothing (no guide shown) or that
//! ended in a filed case, counted over all answers; texts are normalised as learned texts are
//! (personal data removed, words in lower case), so "Glömt lösen!" and "glömt lösen" are one gap.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

use super::{normalise, Feedback};
use crate::case::DeflectionRecord;

/// How one guide does.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GuideFigures {
    /// The guide.
    pub guide: String,
    /// Answers in which it was shown.
    pub shown: usize,
    /// Answers saying it helped.
    pub helped: usize,
    /// Answers in which it was shown and a case was filed anyway.
    pub filed_anyway: usize,
    /// helped / shown.
    pub helpfulness: f64,
    /// Mean rank at which it was shown when it helped (`None` when no rank was given).
    pub mean_helped_rank: Option<f64>,
}

/// A search that found nothing useful, by how often it was typed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// The normalised, redacted text.
    pub text: String,
    /// How often.
    pub count: usize,
    /// How many of those found no guide at all (the rest ended in a filed case).
    pub found_nothing: usize,
}

/// Deflection in one ISO week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Week {
    /// Monday of the week.
    pub monday: NaiveDate,
    /// Answers that week.
    pub answers: usize,
    /// Answers with suggestions shown that week.
    pub shown: usize,
    /// Answers helped with no case filed that week.
    pub deflected: usize,
    /// deflected / shown that week (0 when nothing was shown).
    pub deflection_rate: f64,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Answers: feedback records and suggestion sessions.
    pub answers: usize,
    /// Answers in which at least one guide was shown.
    pub shown: usize,
    /// Answers saying a guide helped.
    pub helped: usize,
    /// Answers helped and with no case filed: the cases a guide saved.
    pub deflected: usize,
    /// Answers that ended in a filed case.
    pub filed: usize,
    /// deflected / shown.
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

/// One answer, whichever record it came from.
struct Answer<'a> {
    text: &'a str,
    date: NaiveDate,
    /// Guides shown, with their rank when known.
    shown: Vec<(&'a str, Option<u32>)>,
    helped: bool,
    helpful: Vec<&'a str>,
    filed: bool,
}

impl<'a> Answer<'a> {
    fn from_feedback(r: &'a Feedback) -> Self {
        // What the page showed, at its ranks, and the guide answered about if it is not among
        // them (a record that names no list shows just that guide).
        let mut shown: Vec<(&str, Option<u32>)> = r
            .shown
            .iter()
            .enumerate()
            .map(|(i, g)| (g.as_str(), u32::try_from(i + 1).ok()))
            .collect();
        if let Some(g) = r.guide.as_deref() {
            if !shown.iter().any(|(s, _)| *s == g) {
                shown.push((g, r.rank));
            }
        }
        Answer {
            text: &r.query,
            date: r.at.date_naive(),
            shown,
            helped: r.helped,
            helpful: r
                .guide
                .as_deref()
                .filter(|_| r.helped)
                .into_iter()
                .collect(),
            filed: r.filed_anyway,
        }
    }

    /// Adds another record of the same answer.
    fn merge(&mut self, r: &'a Feedback) {
        if let Some(g) = r.guide.as_deref() {
            if !self.shown.iter().any(|(s, _)| *s == g) {
                self.shown.push((g, r.rank));
            }
            if r.helped && !self.helpful.contains(&g) {
                self.helpful.push(g);
            }
        }
        self.helped |= r.helped;
        self.filed |= r.filed_anyway;
    }

    /// Feedback records as answers, grouped by actor, text and time.
    fn from_records(records: &'a [Feedback]) -> Vec<Self> {
        let mut out: Vec<Answer<'a>> = Vec::new();
        let mut seen: BTreeMap<(&str, &str, DateTime<Utc>), usize> = BTreeMap::new();
        for r in records {
            if let Some(actor) = r.actor.as_deref() {
                let key = (actor, r.query.as_str(), r.at);
                if let Some(&i) = seen.get(&key) {
                    out[i].merge(r);
                    continue;
                }
                seen.insert(key, out.len());
            }
            out.push(Answer::from_feedback(r));
        }
        out
    }

    fn from_session(s: &'a DeflectionRecord) -> Self {
        Answer {
            text: s.description(),
            date: s.at().date_naive(),
            shown: s
                .shown()
                .iter()
                .map(|g| (g.guide_id.as_str(), Some(g.rank)))
                .collect(),
            helped: s.helped() == Some(true),
            helpful: s.helpful_guide().into_iter().collect(),
            filed: s.case_filed().is_some(),
        }
    }

    fn deflected(&self) -> bool {
        self.helped && !self.filed && !self.shown.is_empty()
    }
}

/// The report of these feedback records; the `max_gaps` most frequent gaps.
pub fn report(records: &[Feedback], max_gaps: usize) -> Report {
    report_with(records, &[], max_gaps)
}

/// The report of feedback records and suggestion sessions together.
pub fn report_with(records: &[Feedback], sessions: &[DeflectionRecord], max_gaps: usize) -> Report {
    let answers: Vec<Answer<'_>> = Answer::from_records(records)
        .into_iter()
        .chain(sessions.iter().map(Answer::from_session))
        .collect();
    let mut guides: BTreeMap<&str, (GuideFigures, Vec<u32>)> = BTreeMap::new();
    let mut gaps: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut weeks: BTreeMap<NaiveDate, (usize, usize, usize)> = BTreeMap::new();
    for a in &answers {
        for &(guide, rank) in &a.shown {
            let (g, ranks) = guides.entry(guide).or_insert_with(|| {
                (
                    GuideFigures {
                        guide: guide.to_string(),
                        ..GuideFigures::default()
                    },
                    Vec::new(),
                )
            });
            g.shown += 1;
            g.filed_anyway += usize::from(a.filed);
            if a.helpful.contains(&guide) {
                g.helped += 1;
                ranks.extend(rank);
            }
        }
        if a.shown.is_empty() || a.filed {
            let text = normalise(a.text);
            if !text.is_empty() {
                let gap = gaps.entry(text).or_default();
                gap.0 += 1;
                gap.1 += usize::from(a.shown.is_empty());
            }
        }
        let monday =
            a.date - chrono::Duration::days(i64::from(a.date.weekday().num_days_from_monday()));
        let week = weeks.entry(monday).or_default();
        week.0 += 1;
        week.1 += usize::from(!a.shown.is_empty());
        week.2 += usize::from(a.deflected());
    }
    let mut guides: Vec<GuideFigures> = guides
        .into_values()
        .map(|(mut g, ranks)| {
            g.helpfulness = share(g.helped, g.shown);
            g.mean_helped_rank = (!ranks.is_empty())
                .then(|| ranks.iter().map(|&r| f64::from(r)).sum::<f64>() / ranks.len() as f64);
            g
        })
        .collect();
    guides.sort_by(|a, b| b.shown.cmp(&a.shown).then_with(|| a.guide.cmp(&b.guide)));
    let mut gaps: Vec<Gap> = gaps
        .into_iter()
        .map(|(text, (count, found_nothing))| Gap {
            text,
            count,
            found_nothing,
        })
        .collect();
    gaps.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
    gaps.truncate(max_gaps);
    let shown = answers.iter().filter(|a| !a.shown.is_empty()).count();
    let deflected = answers.iter().filter(|a| a.deflected()).count();
    Report {
        answers: answers.len(),
        shown,
        helped: answers.iter().filter(|a| a.helped).count(),
        deflected,
        filed: answers.iter().filter(|a| a.filed).count(),
        deflection_rate: share(deflected, shown),
        guides,
        gaps,
        weeks: weeks
            .into_iter()
            .map(|(monday, (answers, shown, deflected))| Week {
                monday,
                answers,
                shown,
                deflected,
                deflection_rate: share(deflected, shown),
            })
            .collect(),
    }
}

/// Escapes text for SVG.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Report {
    /// The weekly deflection rate as an SVG line chart (self-contained, no external assets):
    /// one point per ISO week with answers, labelled with its week number, and the number of
    /// answers with suggestions shown under each label.
    pub fn weekly_svg(&self) -> String {
        let (w, h, pad) = (720.0, 360.0, 56.0);
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
             <title>{}</title>\n\
             <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
            xml("Andel ärenden som guiderna löste, per vecka")
        );
        let x0 = pad;
        let y0 = h - pad;
        let plot_w = w - 2.0 * pad;
        let plot_h = h - 2.0 * pad;
        for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let y = y0 - tick * plot_h;
            let _ = writeln!(
                svg,
                "<line x1=\"{x0}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#ddd\"/>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.0} %</text>",
                w - pad,
                x0 - 6.0,
                y + 4.0,
                tick * 100.0
            );
        }
        let _ = writeln!(
            svg,
            "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{}\" y2=\"{y0}\" stroke=\"black\"/>\
             <line x1=\"{x0}\" y1=\"{pad}\" x2=\"{x0}\" y2=\"{y0}\" stroke=\"black\"/>",
            w - pad
        );
        let n = self.weeks.len();
        let x_of = |i: usize| {
            if n <= 1 {
                x0 + plot_w / 2.0
            } else {
                x0 + plot_w * i as f64 / (n - 1) as f64
            }
        };
        let y_of = |rate: f64| y0 - rate.clamp(0.0, 1.0) * plot_h;
        let points: Vec<String> = self
            .weeks
            .iter()
            .enumerate()
            .map(|(i, week)| format!("{:.1},{:.1}", x_of(i), y_of(week.deflection_rate)))
            .collect();
        if points.len() > 1 {
            let _ = writeln!(
                svg,
                "<polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"2\" points=\"{}\"/>",
                points.join(" ")
            );
        }
        // Label at most about 16 weeks so that the labels never overlap.
        let every = n.div_ceil(16).max(1);
        for (i, week) in self.weeks.iter().enumerate() {
            let _ = writeln!(
                svg,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#1f6feb\">\
                 <title>v{} {}: {:.0} % av {}</title></circle>",
                x_of(i),
                y_of(week.deflection_rate),
                week.monday.iso_week().week(),
                week.monday,
                week.deflection_rate * 100.0,
                week.shown
            );
            if i % every == 0 {
                let _ = writeln!(
                    svg,
                    "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">v{}</text>\
                     <text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#666\" \
                     font-size=\"10\">{}</text>",
                    x_of(i),
                    y0 + 16.0,
                    week.monday.iso_week().week(),
                    x_of(i),
                    y0 + 30.0,
                    week.shown
                );
            }
        }
        if n == 0 {
            let _ = writeln!(
                svg,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#666\">{}</text>",
                w / 2.0,
                h / 2.0,
                xml("Inga svar ännu")
            );
        }
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">{}</text>\n\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#666\" font-size=\"10\">{}</text>\n</svg>",
            w / 2.0,
            xml("Andel svar med förslag där en guide hjälpte och inget ärende skickades, per vecka"),
            w / 2.0,
            h - 8.0,
            xml("vecka / antal svar med förslag")
        );
        svg
    }

    /// The report as plain text.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "answers {}  with suggestions shown {}  helped {}  deflected {}  filed {}\n\
             deflection rate (deflected / shown) {:.3}\n\n\
             per guide: shown, helped, filed anyway, helpfulness, mean rank when it helped\n",
            self.answers, self.shown, self.helped, self.deflected, self.filed, self.deflection_rate
        );
        for g in &self.guides {
            let rank = g
                .mean_helped_rank
                .map_or_else(|| "-".to_string(), |r| format!("{r:.1}"));
            let _ = writeln!(
                out,
                "{:<40} {:>6} {:>6} {:>6} {:>7.3} {:>6}",
                g.guide, g.shown, g.helped, g.filed_anyway, g.helpfulness, rank
            );
        }
        out.push_str(
            "\ncontent gaps: searches that found nothing or ended in a case (count, found nothing)\n",
        );
        for gap in &self.gaps {
            let _ = writeln!(
                out,
                "{:>6} {:>6}  {}",
                gap.count, gap.found_nothing, gap.text
            );
        }
        out.push_str("\ndeflection rate per week (monday, answers with suggestions, rate)\n");
        for week in &self.weeks {
            let _ = writeln!(
                out,
                "{}  {:>6}  {:.3}",
                week.monday, week.shown, week.deflection_rate
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn answer(query: &str, guide: Option<&str>, helped: bool, filed: bool, day: u32) -> Feedback {
        Feedback {
            query: query.into(),
            guide: guide.map(str::to_string),
            helped,
            rank: Some(1),
            shown: Vec::new(),
            filed_anyway: filed,
            at: Utc.with_ymd_and_hms(2026, 3, day, 9, 0, 0).unwrap(),
            actor: None,
        }
    }

    /// Issue 21.5: the page showed five guides, the person answered "Nej" and filed a case; the
    /// report said shown 0 and listed the text as a content gap that found nothing.
    #[test]
    fn what_the_page_showed_counts_when_the_answer_names_no_guide() {
        let mut filed = answer("glömt lösenordet", None, false, true, 2);
        filed.rank = None;
        filed.shown = vec!["pw".into(), "print".into()];
        let r = report(&[filed], 10);
        assert_eq!((r.answers, r.shown, r.deflected, r.filed), (1, 1, 0, 1));
        assert_eq!(r.gaps.len(), 1, "{:?}", r.gaps);
        assert_eq!(r.gaps[0].found_nothing, 0, "it found guides; none helped");
        let pw = r.guides.iter().find(|g| g.guide == "pw").unwrap();
        assert_eq!((pw.shown, pw.helped, pw.filed_anyway), (1, 0, 1));
        let mut bad = answer("x", None, false, false, 2);
        bad.shown = vec![String::new()];
        assert_eq!(bad.validate(), Err(super::super::FeedbackError::BadShown));
    }

    #[test]
    fn figures_gaps_and_weeks() {
        let records = vec![
            answer("glömt lösen", Some("pw"), true, false, 2),
            answer("glömt lösen", Some("pw"), true, true, 3),
            answer("skrivaren", Some("print"), false, false, 9),
            answer("Parkeringstillstånd 19811228-9874", None, false, true, 10),
            answer("parkeringstillstånd", None, false, false, 11),
        ];
        let r = report(&records, 10);
        assert_eq!(
            (r.answers, r.shown, r.helped, r.deflected, r.filed),
            (5, 3, 2, 1, 2)
        );
        assert!((r.deflection_rate - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(r.guides[0].guide, "pw");
        assert_eq!((r.guides[0].shown, r.guides[0].filed_anyway), (2, 1));
        assert_eq!(r.guides[0].mean_helped_rank, Some(1.0));
        assert_eq!(r.guides[1].mean_helped_rank, None);
        assert_eq!(
            r.gaps[0],
            Gap {
                text: "parkeringstillstånd".into(),
                count: 2,
                found_nothing: 2,
            }
        );
        assert_eq!(r.gaps[1].text, "glömt lösen", "filed anyway is a gap");
        assert_eq!(r.gaps.len(), 2, "helped: no without a case is not a gap");
        assert!(r.gaps.iter().all(|g| !g.text.contains("9874")));
        assert_eq!(r.weeks.len(), 2);
        assert_eq!((r.weeks[0].shown, r.weeks[0].deflected), (2, 1));
        assert!((r.weeks[0].deflection_rate - 0.5).abs() < 1e-9);
        assert_eq!(r.weeks[1].deflection_rate, 0.0);
        let svg = r.weekly_svg();
        assert!(svg.starts_with("<svg") && svg.contains("<polyline"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(r.to_text().contains("parkeringstillstånd"));
    }

    #[test]
    fn sessions_count_every_guide_shown_and_the_one_that_helped() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-02T10:00:00+01:00").unwrap();
        let mut helped = DeflectionRecord::new("skrivaren skriver inte", at);
        helped.show(["print", "toner"]);
        helped.answer(true, Some("toner".into()));
        let mut nothing = DeflectionRecord::new("bygga bastu på sjötomt, ring 070-123 45 67", at);
        nothing.answer(false, None);
        nothing.filed("113".parse().unwrap());
        let r = report_with(&[], &[helped, nothing], 5);
        assert_eq!(
            (r.answers, r.shown, r.helped, r.deflected, r.filed),
            (2, 1, 1, 1, 1)
        );
        assert_eq!(r.deflection_rate, 1.0);
        let toner = r.guides.iter().find(|g| g.guide == "toner").unwrap();
        assert_eq!((toner.shown, toner.helped), (1, 1));
        assert_eq!(toner.mean_helped_rank, Some(2.0));
        let print = r.guides.iter().find(|g| g.guide == "print").unwrap();
        assert_eq!((print.shown, print.helped, print.helpfulness), (1, 0, 0.0));
        assert_eq!(r.gaps.len(), 1);
        assert_eq!(r.gaps[0].text, "bygga bastu på sjötomt ring");
        assert_eq!(r.gaps[0].found_nothing, 1);
    }

    #[test]
    fn one_record_per_guide_shown_is_one_answer() {
        let mut shown = answer("skrivarn tuggar papper", Some("print"), false, false, 2);
        shown.actor = Some("u1".into());
        let mut helped = answer("skrivarn tuggar papper", Some("jam"), true, false, 2);
        helped.actor = Some("u1".into());
        helped.rank = Some(2);
        let anonymous = answer("skrivarn tuggar papper", Some("jam"), true, false, 2);
        let r = report(&[shown, helped, anonymous], 5);
        assert_eq!((r.answers, r.shown, r.deflected), (2, 2, 2));
        let jam = r.guides.iter().find(|g| g.guide == "jam").unwrap();
        assert_eq!(
            (jam.shown, jam.helped, jam.mean_helped_rank),
            (2, 2, Some(1.5))
        );
        let print = r.guides.iter().find(|g| g.guide == "print").unwrap();
        assert_eq!((print.shown, print.helped), (1, 0));
    }

    #[test]
    fn an_empty_report_draws_an_empty_chart() {
        let r = report(&[], 5);
        assert_eq!((r.answers, r.deflection_rate), (0, 0.0));
        let svg = r.weekly_svg();
        assert!(svg.contains("Inga svar ännu") && !svg.contains("<polyline"));
    }
}
