//! Binary classification metrics of smile scores against labels.

use serde::Serialize;

/// One scored image: its true label and the pipeline's smile score (0 when no face
/// was found, because the product then counts no smile).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    pub is_smile: bool,
    pub face_found: bool,
    pub score: f32,
}

/// Metrics over a set of outcomes at a fixed decision threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metrics {
    pub n: usize,
    pub smiles: usize,
    pub faces_found: usize,
    pub threshold: f32,
    /// Fraction of images whose decision (score at or above the threshold) matches
    /// the label.
    pub accuracy: Option<f64>,
    /// Mean of the recall on smiles and the recall on neutral faces; `None` unless
    /// both classes are present.
    pub balanced_accuracy: Option<f64>,
    /// Area under the ROC curve, ties counted half; `None` unless both classes are
    /// present.
    pub auc: Option<f64>,
    /// Recall on smiles and on neutral faces at each of
    /// [`OPERATING_THRESHOLDS`], to weigh the smile event thresholds, which sit
    /// above the decision threshold.
    pub operating_points: Vec<OperatingPoint>,
}

/// Thresholds at which [`Metrics::operating_points`] are measured: the range the
/// smile events' enter and exit thresholds are chosen from.
pub const OPERATING_THRESHOLDS: [f32; 7] = [0.5, 0.6, 0.65, 0.7, 0.8, 0.85, 0.9];

/// Recalls at one threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OperatingPoint {
    pub threshold: f32,
    /// Fraction of smiling images scored at or above `threshold`.
    pub smile_recall: Option<f64>,
    /// Fraction of neutral images scored below `threshold`.
    pub neutral_recall: Option<f64>,
}

impl Metrics {
    pub fn compute(outcomes: &[Outcome], threshold: f32) -> Self {
        let n = outcomes.len();
        let smiles = outcomes.iter().filter(|o| o.is_smile).count();
        let neutrals = n - smiles;
        let faces_found = outcomes.iter().filter(|o| o.face_found).count();
        let (true_smiles, true_neutrals) = correct_counts(outcomes, threshold);

        let ratio = |count: usize, total: usize| (total > 0).then(|| count as f64 / total as f64);
        let balanced_accuracy = match (ratio(true_smiles, smiles), ratio(true_neutrals, neutrals)) {
            (Some(smile_recall), Some(neutral_recall)) => {
                Some((smile_recall + neutral_recall) / 2.0)
            }
            _ => None,
        };
        Self {
            n,
            smiles,
            faces_found,
            threshold,
            accuracy: ratio(true_smiles + true_neutrals, n),
            balanced_accuracy,
            auc: roc_auc(outcomes),
            operating_points: OPERATING_THRESHOLDS
                .iter()
                .map(|&threshold| {
                    let (true_smiles, true_neutrals) = correct_counts(outcomes, threshold);
                    OperatingPoint {
                        threshold,
                        smile_recall: ratio(true_smiles, smiles),
                        neutral_recall: ratio(true_neutrals, neutrals),
                    }
                })
                .collect(),
        }
    }
}

/// Counts the smiling images scored at or above `threshold` and the neutral images
/// scored below it.
fn correct_counts(outcomes: &[Outcome], threshold: f32) -> (usize, usize) {
    let true_smiles = outcomes
        .iter()
        .filter(|o| o.is_smile && o.score >= threshold)
        .count();
    let true_neutrals = outcomes
        .iter()
        .filter(|o| !o.is_smile && o.score < threshold)
        .count();
    (true_smiles, true_neutrals)
}

/// Area under the ROC curve by the Mann-Whitney rank sum, with tied scores given
/// their mean rank.
fn roc_auc(outcomes: &[Outcome]) -> Option<f64> {
    let positives = outcomes.iter().filter(|o| o.is_smile).count();
    let negatives = outcomes.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut sorted: Vec<&Outcome> = outcomes.iter().collect();
    sorted.sort_by(|a, b| a.score.total_cmp(&b.score));

    let mut positive_rank_sum = 0.0f64;
    let mut start = 0;
    while start < sorted.len() {
        let mut end = start;
        while end < sorted.len() && sorted[end].score == sorted[start].score {
            end += 1;
        }
        // Ranks are 1-based; the tied run start..end shares their mean.
        let mean_rank = (start + 1 + end) as f64 / 2.0;
        let tied_positives = sorted[start..end].iter().filter(|o| o.is_smile).count();
        positive_rank_sum += mean_rank * tied_positives as f64;
        start = end;
    }
    let positives = positives as f64;
    let negatives = negatives as f64;
    Some((positive_rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(is_smile: bool, score: f32) -> Outcome {
        Outcome {
            is_smile,
            face_found: true,
            score,
        }
    }

    #[test]
    fn operating_points_split_at_threshold() {
        let outcomes = [
            outcome(true, 0.95),
            outcome(true, 0.65),
            outcome(false, 0.7),
            outcome(false, 0.1),
        ];
        let metrics = Metrics::compute(&outcomes, 0.5);
        let at = |threshold: f32| {
            metrics
                .operating_points
                .iter()
                .find(|point| point.threshold == threshold)
                .cloned()
                .expect("threshold measured")
        };
        assert_eq!(at(0.6).smile_recall, Some(1.0));
        assert_eq!(at(0.6).neutral_recall, Some(0.5));
        assert_eq!(at(0.7).smile_recall, Some(0.5));
        assert_eq!(at(0.8).neutral_recall, Some(1.0));
        assert_eq!(at(0.9).smile_recall, Some(0.5));
    }

    #[test]
    fn perfect_ranking_has_auc_one() {
        let outcomes = [outcome(false, 0.1), outcome(false, 0.2), outcome(true, 0.8)];
        assert_eq!(Metrics::compute(&outcomes, 0.5).auc, Some(1.0));
    }

    #[test]
    fn tied_scores_count_half_in_auc() {
        let outcomes = [outcome(false, 0.5), outcome(true, 0.5)];
        assert_eq!(Metrics::compute(&outcomes, 0.5).auc, Some(0.5));
    }

    #[test]
    fn auc_counts_misordered_pairs() {
        // Pairs (smile, neutral): (0.9, 0.1) right, (0.9, 0.95) wrong,
        // (0.3, 0.1) right, (0.3, 0.95) wrong: 2 of 4.
        let outcomes = [
            outcome(true, 0.9),
            outcome(true, 0.3),
            outcome(false, 0.1),
            outcome(false, 0.95),
        ];
        assert_eq!(Metrics::compute(&outcomes, 0.5).auc, Some(0.5));
    }

    #[test]
    fn balanced_accuracy_weighs_classes_equally() {
        // Smiles: 1 of 1 right. Neutrals: 1 of 3 right.
        let outcomes = [
            outcome(true, 0.9),
            outcome(false, 0.1),
            outcome(false, 0.7),
            outcome(false, 0.6),
        ];
        let metrics = Metrics::compute(&outcomes, 0.5);
        assert_eq!(metrics.accuracy, Some(0.5));
        let balanced = metrics.balanced_accuracy.unwrap();
        assert!((balanced - (1.0 + 1.0 / 3.0) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn single_class_has_no_auc_or_balanced_accuracy() {
        let metrics = Metrics::compute(&[outcome(true, 0.9)], 0.5);
        assert_eq!(metrics.auc, None);
        assert_eq!(metrics.balanced_accuracy, None);
        assert_eq!(metrics.accuracy, Some(1.0));
    }

    #[test]
    fn score_equal_to_threshold_counts_as_smile() {
        let metrics = Metrics::compute(&[outcome(true, 0.5)], 0.5);
        assert_eq!(metrics.accuracy, Some(1.0));
    }
}
