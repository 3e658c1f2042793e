//! k-anonymous organisation figures.
//!
//! The unit of publication is a cell: the sums of one day of receipt, one group
//! and one charity cause (see [`OrgCell`]). A cell is published only when at
//! least k distinct stations reported in it. Every figure shown to the
//! organisation (group totals, cause totals, daily totals, the grand total, the
//! CSV) is a sum of published cells only. Any difference between published figures is
//! therefore again a sum of whole published cells, so no subtraction isolates a
//! suppressed cell or fewer than k stations.
//!
//! Cells use the day a report was received, not its bucket, and only days that
//! have ended are shown. A published cell therefore never changes later: a late
//! report lands in the day it arrives, so comparing today's page with
//! yesterday's reveals nothing about one station.
//!
//! NOTE: k-anonymity counts stations, not their share. When the other stations
//! of a cell reported no smiles, the cell total equals one station's total;
//! this dominance case is not suppressed.

use std::collections::BTreeMap;

use crate::store::OrgCell;

/// Sums shown for one row of an organisation table.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    pub interactions: i64,
    pub interaction_seconds: f64,
    pub client_smiles: i64,
    pub client_smile_seconds: f64,
    pub charity_grosz: i64,
}

impl Totals {
    fn add(&mut self, cell: &OrgCell) {
        self.interactions += cell.interactions;
        self.interaction_seconds += cell.interaction_seconds;
        self.client_smiles += cell.client_smiles;
        self.client_smile_seconds += cell.client_smile_seconds;
        self.charity_grosz += cell.charity_grosz;
    }
}

/// Figures shown to the organisation for one period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgFigures {
    /// Cells with at least k stations, ordered by day, group and cause.
    pub published: Vec<OrgCell>,
    /// Number of cells withheld because fewer than k stations reported in them.
    pub suppressed_cells: usize,
    pub total: Totals,
    pub by_group: BTreeMap<String, Totals>,
    pub by_cause: BTreeMap<String, Totals>,
    pub by_day: BTreeMap<i64, Totals>,
}

/// Keeps the cells with at least `min_stations` stations and sums them.
pub fn publish(cells: Vec<OrgCell>, min_stations: u32) -> OrgFigures {
    let mut figures = OrgFigures::default();
    for cell in cells {
        if cell.stations < i64::from(min_stations) {
            figures.suppressed_cells += 1;
            continue;
        }
        figures.total.add(&cell);
        figures
            .by_group
            .entry(cell.group_name.clone())
            .or_default()
            .add(&cell);
        figures
            .by_cause
            .entry(cell.charity_cause.clone())
            .or_default()
            .add(&cell);
        figures.by_day.entry(cell.day).or_default().add(&cell);
        figures.published.push(cell);
    }
    figures
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(day: i64, group: &str, cause: &str, stations: i64, smiles: i64) -> OrgCell {
        OrgCell {
            day,
            group_name: group.to_owned(),
            charity_cause: cause.to_owned(),
            stations,
            interactions: smiles,
            interaction_seconds: 10.0 * smiles as f64,
            client_smiles: smiles,
            client_smile_seconds: smiles as f64,
            charity_grosz: smiles,
        }
    }

    #[test]
    fn cells_below_k_are_withheld_from_every_total() {
        let figures = publish(
            vec![
                cell(1, "north", "food bank", 5, 100),
                cell(1, "south", "food bank", 4, 7),
                cell(2, "north", "food bank", 6, 50),
            ],
            5,
        );

        assert_eq!(figures.suppressed_cells, 1);
        assert_eq!(figures.total.client_smiles, 150);
        assert!(!figures.by_group.contains_key("south"));
        assert_eq!(figures.by_cause["food bank"].client_smiles, 150);
        assert_eq!(figures.by_day[&1].client_smiles, 100);
    }

    #[test]
    fn every_view_sums_to_the_same_total() {
        let figures = publish(
            vec![
                cell(1, "north", "food bank", 5, 100),
                cell(1, "north", "shelter", 2, 9),
                cell(1, "south", "shelter", 5, 30),
                cell(2, "south", "food bank", 8, 20),
            ],
            5,
        );

        let total = figures.total.client_smiles;
        let sum = |totals: &mut dyn Iterator<Item = &Totals>| -> i64 {
            totals.map(|totals| totals.client_smiles).sum()
        };
        assert_eq!(total, 150);
        assert_eq!(sum(&mut figures.by_group.values()), total);
        assert_eq!(sum(&mut figures.by_cause.values()), total);
        assert_eq!(sum(&mut figures.by_day.values()), total);
    }

    #[test]
    fn nothing_is_published_when_every_cell_is_small() {
        let figures = publish(vec![cell(1, "north", "food bank", 4, 100)], 5);

        assert!(figures.published.is_empty());
        assert_eq!(figures.total, Totals::default());
    }
}
