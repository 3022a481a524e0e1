//! Merging to one segment after many commits, while Tantivy's own merge policy may be merging
//! some of the same segments in the background.

use vagvisare::{Guide, GuideIndex, SuggestOptions};

#[test]
fn optimize_merges_many_committed_segments_into_one() {
    let index = GuideIndex::in_memory().unwrap();
    for round in 0..24 {
        let batch: Vec<Guide> = (0..15)
            .map(|i| {
                Guide::new(
                    format!("g{round}-{i}"),
                    format!("Skrivare {round} nummer {i}"),
                    "Byt toner i skrivaren när lampan blinkar.",
                )
            })
            .collect();
        index.upsert(&batch).unwrap();
        index.commit().unwrap();
    }
    // `merge` is `optimize` without warming: one segment, searchable.
    index.merge().unwrap();
    assert_eq!(index.searcher().segment_readers().len(), 1);
    index.optimize().unwrap();
    assert_eq!(index.searcher().segment_readers().len(), 1);
    assert_eq!(index.len(), 24 * 15);
    assert_eq!(
        index.suggest_ids("skrivare 7 nummer 3 ", &SuggestOptions::limit(1)),
        ["g7-3"]
    );
}

#[test]
fn a_huge_limit_is_cut_to_the_number_of_guides_not_a_crash() {
    let index = GuideIndex::in_memory().unwrap();
    index
        .upsert(&[Guide::new("a", "Skrivare", "Byt toner i skrivaren.")])
        .unwrap();
    index.commit().unwrap();
    let found = index.suggest("skrivare", &SuggestOptions::limit(usize::MAX));
    assert_eq!(found.len(), 1);
}
