//! Due dates in Swedish working days, against a table of known dates.

use chrono::{Datelike, NaiveDate, Weekday};
use vagvisare::case::{easter_sunday, holiday, Calendar, Holiday};

fn d(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

#[test]
fn add_working_days_table() {
    // (registered, working days, due, why)
    let table = [
        (
            "2023-01-27",
            14,
            "2023-02-16",
            "the service-desk guide's förfallodag",
        ),
        (
            "2023-06-22",
            2,
            "2023-06-27",
            "midsommarafton 2023 is closed",
        ),
        ("2023-01-27", 0, "2023-01-27", "zero days is the same day"),
        (
            "2023-04-06",
            1,
            "2023-04-11",
            "långfredag and annandag påsk 2023",
        ),
        ("2023-04-05", 3, "2023-04-12", "across Easter 2023"),
        ("2023-05-17", 1, "2023-05-19", "Kristi himmelsfärdsdag 2023"),
        ("2023-06-05", 1, "2023-06-07", "nationaldagen 2023"),
        (
            "2023-11-03",
            1,
            "2023-11-06",
            "alla helgons dag 2023 is a Saturday",
        ),
        (
            "2023-12-22",
            1,
            "2023-12-27",
            "juldagen and annandag jul 2023",
        ),
        ("2023-12-22", 4, "2024-01-02", "nyårsdagen 2024"),
        ("2024-03-28", 1, "2024-04-02", "Easter 2024"),
        ("2024-05-08", 2, "2024-05-13", "Kristi himmelsfärdsdag 2024"),
        ("2024-06-20", 1, "2024-06-24", "midsommarafton 2024"),
        ("2024-12-30", 1, "2025-01-02", "nyårsafton and nyårsdagen"),
        ("2025-01-03", 1, "2025-01-07", "trettondedag jul 2025"),
        ("2025-04-17", 1, "2025-04-22", "Easter 2025"),
        ("2025-04-30", 1, "2025-05-02", "första maj 2025"),
        ("2025-05-28", 1, "2025-05-30", "Kristi himmelsfärdsdag 2025"),
        (
            "2025-06-05",
            1,
            "2025-06-09",
            "nationaldagen 2025 is a Friday",
        ),
        ("2025-06-19", 1, "2025-06-23", "midsommarafton 2025"),
        ("2023-01-28", 1, "2023-01-30", "registered on a Saturday"),
        ("2023-04-07", 1, "2023-04-11", "registered on långfredag"),
        (
            "2023-12-20",
            10,
            "2024-01-08",
            "a whole Christmas and new year",
        ),
    ];
    let calendar = Calendar::swedish();
    for (from, days, due, why) in table {
        assert_eq!(
            calendar.add_working_days(d(from), days),
            Some(d(due)),
            "{from} + {days}: {why}"
        );
    }
}

#[test]
fn a_portals_own_closed_days_count_too() {
    // A klämdag after Kristi himmelsfärd 2023.
    let calendar = Calendar::swedish().with_closed_days([d("2023-05-19")]);
    assert_eq!(
        calendar.add_working_days(d("2023-05-17"), 1),
        Some(d("2023-05-22"))
    );
    assert_eq!(
        Calendar::swedish().add_working_days(d("2023-05-17"), 1),
        Some(d("2023-05-19"))
    );
}

#[test]
fn movable_holidays_table() {
    // year, påskdagen, Kristi himmelsfärdsdag, midsommarafton, alla helgons dag
    let table = [
        (2020, "2020-04-12", "2020-05-21", "2020-06-19", "2020-10-31"),
        (2021, "2021-04-04", "2021-05-13", "2021-06-25", "2021-11-06"),
        (2022, "2022-04-17", "2022-05-26", "2022-06-24", "2022-11-05"),
        (2023, "2023-04-09", "2023-05-18", "2023-06-23", "2023-11-04"),
        (2024, "2024-03-31", "2024-05-09", "2024-06-21", "2024-11-02"),
        (2025, "2025-04-20", "2025-05-29", "2025-06-20", "2025-11-01"),
        (2026, "2026-04-05", "2026-05-14", "2026-06-19", "2026-10-31"),
    ];
    for (year, easter, ascension, midsummer_eve, all_saints) in table {
        assert_eq!(easter_sunday(year), Some(d(easter)), "{year}");
        assert_eq!(holiday(d(easter)), Some(Holiday::EasterSunday));
        assert_eq!(holiday(d(ascension)), Some(Holiday::AscensionDay), "{year}");
        assert_eq!(
            holiday(d(midsummer_eve)),
            Some(Holiday::MidsummerEve),
            "{year}"
        );
        assert_eq!(
            holiday(d(all_saints)),
            Some(Holiday::AllSaintsDay),
            "{year}"
        );
        assert_eq!(d(ascension).weekday(), Weekday::Thu);
        assert_eq!(d(midsummer_eve).weekday(), Weekday::Fri);
        assert_eq!(d(all_saints).weekday(), Weekday::Sat);
    }
}

#[test]
fn every_year_has_its_holidays_in_place() {
    let calendar = Calendar::swedish();
    for year in 1900..=2200 {
        let easter = easter_sunday(year).unwrap();
        assert_eq!(easter.weekday(), Weekday::Sun, "{year}");
        assert!((d(&format!("{year}-03-22"))..=d(&format!("{year}-04-25"))).contains(&easter));
        // Kristi himmelsfärd can fall on första maj (1913) and pingstdagen on nationaldagen.
        let coinciding = [(39, 5, 1), (49, 6, 6)]
            .iter()
            .filter(|(days, month, day)| {
                let date = easter + chrono::Duration::days(*days);
                (date.month(), date.day()) == (*month, *day)
            })
            .count();
        let found = vagvisare::case::holidays(year);
        assert_eq!(found.len(), 17 - coinciding, "{year}: {found:?}");
        for (date, _) in found {
            assert!(!calendar.is_working_day(date), "{date}");
        }
    }
}
