//! Swedish working days: weekends, every Swedish public holiday (and the de facto closed eves) for
//! any year, plus a portal's own closed days. Due dates are counted in these working days.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::labels;

/// A Swedish public holiday, or an eve on which offices are closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holiday {
    /// Nyårsdagen, 1 January.
    NewYearsDay,
    /// Trettondedag jul, 6 January.
    Epiphany,
    /// Långfredag, the Friday before Easter.
    GoodFriday,
    /// Påskafton, Easter Saturday.
    EasterEve,
    /// Påskdagen, Easter Sunday.
    EasterSunday,
    /// Annandag påsk, Easter Monday.
    EasterMonday,
    /// Första maj, 1 May.
    MayDay,
    /// Kristi himmelsfärdsdag, Easter + 39 days.
    AscensionDay,
    /// Pingstdagen, Easter + 49 days.
    Pentecost,
    /// Sveriges nationaldag, 6 June.
    NationalDay,
    /// Midsommarafton, the Friday between 19 and 25 June.
    MidsummerEve,
    /// Midsommardagen, the Saturday between 20 and 26 June.
    MidsummerDay,
    /// Alla helgons dag, the Saturday between 31 October and 6 November.
    AllSaintsDay,
    /// Julafton, 24 December.
    ChristmasEve,
    /// Juldagen, 25 December.
    ChristmasDay,
    /// Annandag jul, 26 December.
    BoxingDay,
    /// Nyårsafton, 31 December.
    NewYearsEve,
}

impl Holiday {
    /// The Swedish name ("Midsommarafton").
    pub fn name(self) -> &'static str {
        labels::holiday(self)
    }
}

/// Easter Sunday of `year` (Gregorian computus), or `None` outside chrono's date range.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    let month = u32::try_from(n.div_euclid(31)).ok()?;
    let day = u32::try_from(n.rem_euclid(31) + 1).ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The holiday (or closed eve) falling on `date`, if any.
pub fn holiday(date: NaiveDate) -> Option<Holiday> {
    let (month, day, weekday) = (date.month(), date.day(), date.weekday());
    let fixed = match (month, day) {
        (1, 1) => Some(Holiday::NewYearsDay),
        (1, 6) => Some(Holiday::Epiphany),
        (5, 1) => Some(Holiday::MayDay),
        (6, 6) => Some(Holiday::NationalDay),
        (12, 24) => Some(Holiday::ChristmasEve),
        (12, 25) => Some(Holiday::ChristmasDay),
        (12, 26) => Some(Holiday::BoxingDay),
        (12, 31) => Some(Holiday::NewYearsEve),
        (6, 19..=25) if weekday == Weekday::Fri => Some(Holiday::MidsummerEve),
        (6, 20..=26) if weekday == Weekday::Sat => Some(Holiday::MidsummerDay),
        (10, 31) | (11, 1..=6) if weekday == Weekday::Sat => Some(Holiday::AllSaintsDay),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    if !(3..=6).contains(&month) {
        return None;
    }
    let easter = easter_sunday(date.year())?;
    match (date - easter).num_days() {
        -2 => Some(Holiday::GoodFriday),
        -1 => Some(Holiday::EasterEve),
        0 => Some(Holiday::EasterSunday),
        1 => Some(Holiday::EasterMonday),
        39 => Some(Holiday::AscensionDay),
        49 => Some(Holiday::Pentecost),
        _ => None,
    }
}

/// Every holiday (and closed eve) of `year`, in date order.
pub fn holidays(year: i32) -> Vec<(NaiveDate, Holiday)> {
    let Some(mut date) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    while date.year() == year {
        if let Some(h) = holiday(date) {
            found.push((date, h));
        }
        match date.succ_opt() {
            Some(next) => date = next,
            None => break,
        }
    }
    found
}

/// Working days: Monday to Friday, except Swedish holidays and the portal's own closed days.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// Extra days the portal is closed (klämdagar, a move, …).
    #[serde(default)]
    closed_days: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// The Swedish calendar with no extra closed days.
    pub fn swedish() -> Self {
        Calendar::default()
    }

    /// The same calendar with extra closed days.
    pub fn with_closed_days(mut self, days: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.closed_days.extend(days);
        self
    }

    /// The portal's own closed days.
    pub fn closed_days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.closed_days.iter().copied()
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            && holiday(date).is_none()
            && !self.closed_days.contains(&date)
    }

    /// The `n`th working day after `date` (`date` itself not counted; `n = 0` gives `date`).
    /// `None` only when the answer lies beyond chrono's date range.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use vagvisare::case::Calendar;
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    /// let calendar = Calendar::swedish();
    /// assert_eq!(calendar.add_working_days(d(2023, 1, 27), 14), Some(d(2023, 2, 16)));
    /// assert_eq!(calendar.add_working_days(d(2023, 6, 22), 2), Some(d(2023, 6, 27)));
    /// ```
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        // Working days are never more than calendar days: refuse early what cannot fit.
        if (NaiveDate::MAX - date).num_days() < i64::from(n) {
            return None;
        }
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt()?;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        Some(day)
    }

    /// The number of working days after `from`, up to and including `to` (0 if `to <= from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut count = 0u32;
        let mut day = from;
        while day < to {
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
            if self.is_working_day(day) {
                count = count.saturating_add(1);
            }
        }
        count
    }

    /// The due date after the clock was paused on `paused_since` and resumed on `resumed`: the
    /// working days that were left at the pause are counted again from the resume date. A case
    /// that was already overdue when paused keeps its date.
    pub fn resume(
        &self,
        due: NaiveDate,
        paused_since: NaiveDate,
        resumed: NaiveDate,
    ) -> Option<NaiveDate> {
        if due <= paused_since || resumed <= paused_since {
            return Some(due);
        }
        let left = self.working_days_between(paused_since, due);
        let moved = self.add_working_days(resumed, left)?;
        Some(moved.max(due))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_for_known_years() {
        for (year, month, day) in [
            (2018, 4, 1),
            (2019, 4, 21),
            (2023, 4, 9),
            (2024, 3, 31),
            (2025, 4, 20),
            (2038, 4, 25),
            (2285, 3, 22),
            (1818, 3, 22),
        ] {
            assert_eq!(easter_sunday(year), Some(d(year, month, day)), "{year}");
        }
    }

    #[test]
    fn holidays_of_2023() {
        let names: Vec<(String, &str)> = holidays(2023)
            .into_iter()
            .map(|(date, h)| (date.to_string(), h.name()))
            .collect();
        let expected = [
            ("2023-01-01", "Nyårsdagen"),
            ("2023-01-06", "Trettondedag jul"),
            ("2023-04-07", "Långfredag"),
            ("2023-04-08", "Påskafton"),
            ("2023-04-09", "Påskdagen"),
            ("2023-04-10", "Annandag påsk"),
            ("2023-05-01", "Första maj"),
            ("2023-05-18", "Kristi himmelsfärdsdag"),
            ("2023-05-28", "Pingstdagen"),
            ("2023-06-06", "Sveriges nationaldag"),
            ("2023-06-23", "Midsommarafton"),
            ("2023-06-24", "Midsommardagen"),
            ("2023-11-04", "Alla helgons dag"),
            ("2023-12-24", "Julafton"),
            ("2023-12-25", "Juldagen"),
            ("2023-12-26", "Annandag jul"),
            ("2023-12-31", "Nyårsafton"),
        ];
        let expected: Vec<(String, &str)> =
            expected.iter().map(|(a, b)| (a.to_string(), *b)).collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn alla_helgons_dag_can_fall_on_31_october() {
        assert_eq!(holiday(d(2020, 10, 31)), Some(Holiday::AllSaintsDay));
        assert_eq!(holiday(d(2020, 11, 7)), None);
    }

    #[test]
    fn working_days() {
        let cal = Calendar::swedish();
        assert!(cal.is_working_day(d(2023, 1, 27)));
        assert!(!cal.is_working_day(d(2023, 1, 28)));
        assert!(!cal.is_working_day(d(2023, 6, 23)));
        assert!(!cal.is_working_day(d(2023, 5, 18)));
        let closed = cal.clone().with_closed_days([d(2023, 5, 19)]);
        assert!(cal.is_working_day(d(2023, 5, 19)));
        assert!(!closed.is_working_day(d(2023, 5, 19)));
        assert_eq!(
            closed.add_working_days(d(2023, 5, 17), 1),
            Some(d(2023, 5, 22))
        );
    }

    #[test]
    fn counting_back_matches_adding() {
        let cal = Calendar::swedish();
        let start = d(2023, 12, 20);
        for n in 0..40 {
            let due = cal.add_working_days(start, n).unwrap();
            assert_eq!(cal.working_days_between(start, due), n);
        }
    }

    #[test]
    fn resume_moves_the_due_date_by_the_paused_working_days() {
        let cal = Calendar::swedish();
        // Due Tue 31 Jan; paused Fri 27 Jan with two working days left; resumed Mon 30 Jan.
        assert_eq!(
            cal.resume(d(2023, 1, 31), d(2023, 1, 27), d(2023, 1, 30)),
            Some(d(2023, 2, 1))
        );
        // Paused and resumed the same day: nothing moves.
        assert_eq!(
            cal.resume(d(2023, 1, 31), d(2023, 1, 27), d(2023, 1, 27)),
            Some(d(2023, 1, 31))
        );
        // Overdue when paused: the date stays.
        assert_eq!(
            cal.resume(d(2023, 1, 20), d(2023, 1, 27), d(2023, 2, 10)),
            Some(d(2023, 1, 20))
        );
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let cal = Calendar::swedish();
        assert_eq!(cal.add_working_days(NaiveDate::MAX, 1), None);
        assert_eq!(
            cal.add_working_days(NaiveDate::MAX, 0),
            Some(NaiveDate::MAX)
        );
        assert_eq!(cal.add_working_days(d(2023, 1, 1), u32::MAX), None);
        assert!(holiday(NaiveDate::MIN).is_some() || holiday(NaiveDate::MIN).is_none());
        assert!(holidays(NaiveDate::MAX.year()).len() < 30);
        assert_eq!(cal.working_days_between(NaiveDate::MAX, NaiveDate::MAX), 0);
    }
}
