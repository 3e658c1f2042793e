//! Interactions: one customer at the desk, from arrival to departure.
//!
//! An interaction starts once a client face has been present for
//! [`InteractionConfig::min_presence_ms`] and ends once no client face has been seen
//! for [`InteractionConfig::end_absence_ms`]. Presence comes from the client tracks,
//! which already bridge detections missed for a moment.

use serde::{Deserialize, Serialize};

use crate::config::{check_range, ConfigError};
use crate::roles::Role;
use crate::smile_events::SmileEvent;
use crate::time::Timestamp;

/// Times that delimit an interaction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InteractionConfig {
    /// Time a client face must be present before an interaction starts, in
    /// milliseconds, 0 to 60,000. Default 3,000, so a passer-by is not counted.
    pub min_presence_ms: u32,
    /// Time without any client face after which an interaction ends, in
    /// milliseconds, 0 to 600,000. Default 8,000, so a customer who looks down at
    /// papers for a few seconds stays in the same interaction.
    pub end_absence_ms: u32,
}

impl Default for InteractionConfig {
    fn default() -> Self {
        Self {
            min_presence_ms: 3_000,
            end_absence_ms: 8_000,
        }
    }
}

impl InteractionConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_range(
            "interaction.min_presence_ms",
            self.min_presence_ms,
            0..=60_000,
        )?;
        check_range(
            "interaction.end_absence_ms",
            self.end_absence_ms,
            0..=600_000,
        )
    }
}

/// One customer interaction. It stays on the device: reports carry only the number
/// of interactions and their summed duration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Interaction {
    /// When the first client face of the interaction appeared.
    pub start: Timestamp,
    /// When the last client face was last seen.
    pub end: Timestamp,
    /// Smile events of either role that ended during the interaction.
    pub smiles: Vec<SmileEvent>,
}

impl Interaction {
    /// Length of the interaction, in seconds.
    pub fn duration_seconds(&self) -> f64 {
        self.end.millis_since(self.start).max(0.0) / 1000.0
    }

    /// Number of smile events of `role` in the interaction.
    pub fn smile_count(&self, role: Role) -> usize {
        self.smiles
            .iter()
            .filter(|event| event.role == role)
            .count()
    }
}

/// Client presence in one frame: the span of the client tracks alive after it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Presence {
    /// Earliest first sighting among the live client tracks.
    pub first_seen: Timestamp,
    /// Latest sighting among the live client tracks.
    pub last_seen: Timestamp,
}

/// A change of state caused by one update.
#[derive(Clone, Debug, PartialEq)]
pub enum InteractionTransition {
    Started { start: Timestamp },
    Ended(Interaction),
}

#[derive(Clone, Debug)]
enum State {
    Idle,
    /// A client is present but not yet for `min_presence_ms`.
    Pending {
        since: Timestamp,
        smiles: Vec<SmileEvent>,
    },
    Active {
        start: Timestamp,
        last_seen: Timestamp,
        smiles: Vec<SmileEvent>,
    },
}

/// The interaction state machine of one station.
#[derive(Clone, Debug)]
pub struct InteractionDetector {
    config: InteractionConfig,
    state: State,
}

impl InteractionDetector {
    /// Creates a detector with no interaction. The configuration should have passed
    /// [`InteractionConfig::validate`].
    pub fn new(config: InteractionConfig) -> Self {
        Self {
            config,
            state: State::Idle,
        }
    }

    /// Returns whether an interaction has started and not ended.
    pub fn is_active(&self) -> bool {
        matches!(self.state, State::Active { .. })
    }

    /// Advances to `now` with the client presence after a frame of the client
    /// camera, or `None` when no client track is alive.
    pub fn update(
        &mut self,
        now: Timestamp,
        presence: Option<Presence>,
    ) -> Option<InteractionTransition> {
        let state = std::mem::replace(&mut self.state, State::Idle);
        let (state, transition) = match (state, presence) {
            (State::Idle, None) => (State::Idle, None),
            (State::Pending { .. }, None) => (State::Idle, None),
            (State::Idle, Some(presence)) => {
                self.pending_or_started(now, presence.first_seen, presence.last_seen, Vec::new())
            }
            (State::Pending { since, smiles }, Some(presence)) => {
                self.pending_or_started(now, since, presence.last_seen, smiles)
            }
            (State::Active { start, smiles, .. }, Some(presence)) => (
                State::Active {
                    start,
                    last_seen: presence.last_seen,
                    smiles,
                },
                None,
            ),
            (
                State::Active {
                    start,
                    last_seen,
                    smiles,
                },
                None,
            ) => {
                if now.millis_since(last_seen) >= f64::from(self.config.end_absence_ms) {
                    let interaction = Interaction {
                        start,
                        end: last_seen,
                        smiles,
                    };
                    (State::Idle, Some(InteractionTransition::Ended(interaction)))
                } else {
                    let state = State::Active {
                        start,
                        last_seen,
                        smiles,
                    };
                    (state, None)
                }
            }
        };
        self.state = state;
        transition
    }

    fn pending_or_started(
        &self,
        now: Timestamp,
        since: Timestamp,
        last_seen: Timestamp,
        smiles: Vec<SmileEvent>,
    ) -> (State, Option<InteractionTransition>) {
        if now.millis_since(since) >= f64::from(self.config.min_presence_ms) {
            let state = State::Active {
                start: since,
                last_seen,
                smiles,
            };
            (state, Some(InteractionTransition::Started { start: since }))
        } else {
            (State::Pending { since, smiles }, None)
        }
    }

    /// Records a smile event that ended during the pending or active interaction.
    /// An event outside any interaction is not recorded here.
    pub fn add_smile(&mut self, event: SmileEvent) {
        match &mut self.state {
            State::Pending { smiles, .. } | State::Active { smiles, .. } => smiles.push(event),
            State::Idle => {}
        }
    }

    /// Forgets the recorded smiles of `role`, as when the employee opts out.
    pub fn discard_smiles(&mut self, role: Role) {
        if let State::Pending { smiles, .. } | State::Active { smiles, .. } = &mut self.state {
            smiles.retain(|event| event.role != role);
        }
    }

    /// Ends the active interaction at its last client sighting, as when the session
    /// pauses, and drops a pending one.
    pub fn finish(&mut self) -> Option<Interaction> {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Active {
                start,
                last_seen,
                smiles,
            } => Some(Interaction {
                start,
                end: last_seen,
                smiles,
            }),
            _ => None,
        }
    }

    /// Returns the earliest end time that the pending or active interaction can
    /// still get.
    pub fn earliest_possible_end(&self) -> Option<Timestamp> {
        match self.state {
            State::Idle => None,
            State::Pending { since, .. } => Some(since),
            State::Active { last_seen, .. } => Some(last_seen),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::at_ms;

    /// Feeds one frame every 100 ms from `from_ms` to `to_ms` (exclusive), with a
    /// client present when `present` returns true, and returns the transitions.
    fn run(
        detector: &mut InteractionDetector,
        from_ms: f64,
        to_ms: f64,
        present: impl Fn(f64) -> bool,
    ) -> Vec<InteractionTransition> {
        let mut first_seen = None;
        let mut transitions = Vec::new();
        let mut ms = from_ms;
        while ms < to_ms {
            let presence = if present(ms) {
                let first = *first_seen.get_or_insert(at_ms(ms));
                Some(Presence {
                    first_seen: first,
                    last_seen: at_ms(ms),
                })
            } else {
                first_seen = None;
                None
            };
            transitions.extend(detector.update(at_ms(ms), presence));
            ms += 100.0;
        }
        transitions
    }

    #[test]
    fn customer_visit_is_one_interaction_with_its_duration() {
        let mut detector = InteractionDetector::new(InteractionConfig::default());
        let transitions = run(&mut detector, 0.0, 40_000.0, |ms| {
            (1_000.0..21_000.0).contains(&ms)
        });

        assert_eq!(
            transitions[0],
            InteractionTransition::Started {
                start: at_ms(1_000.0)
            }
        );
        let InteractionTransition::Ended(interaction) = &transitions[1] else {
            panic!("expected the interaction to end: {transitions:?}");
        };
        assert_eq!(interaction.start, at_ms(1_000.0));
        assert_eq!(interaction.end, at_ms(20_900.0));
        assert!((interaction.duration_seconds() - 19.9).abs() < 1e-9);
        assert_eq!(transitions.len(), 2);
    }

    #[test]
    fn passer_by_is_not_an_interaction() {
        let mut detector = InteractionDetector::new(InteractionConfig::default());
        let transitions = run(&mut detector, 0.0, 20_000.0, |ms| {
            (1_000.0..3_000.0).contains(&ms)
        });
        assert!(transitions.is_empty(), "{transitions:?}");
        assert_eq!(detector.finish(), None);
    }

    #[test]
    fn short_absence_does_not_split_an_interaction() {
        let mut detector = InteractionDetector::new(InteractionConfig::default());
        let transitions = run(&mut detector, 0.0, 40_000.0, |ms| {
            (1_000.0..10_000.0).contains(&ms) || (15_000.0..20_000.0).contains(&ms)
        });
        assert_eq!(transitions.len(), 2, "{transitions:?}");
    }

    #[test]
    fn pending_interaction_keeps_its_smiles() {
        let mut detector = InteractionDetector::new(InteractionConfig::default());
        run(&mut detector, 0.0, 1_500.0, |ms| ms >= 1_000.0);
        let smile = SmileEvent {
            role: Role::Client,
            start: at_ms(1_100.0),
            end: at_ms(1_400.0),
            peak: crate::face::SmileScore::new(0.9).unwrap(),
            smile_seconds: 0.27,
        };
        detector.add_smile(smile);
        run(&mut detector, 1_500.0, 5_000.0, |_| true);

        let interaction = detector.finish().expect("the interaction is active");
        assert_eq!(interaction.smiles, vec![smile]);
        assert_eq!(interaction.smile_count(Role::Client), 1);
        assert_eq!(interaction.smile_count(Role::Employee), 0);
    }
}
