//! Optimistic versions: a case's version is the number of its events, and a command that changes
//! it may say which version it was based on (the version the person saw). Whether it must, and
//! what a stale one means, is this rule, applied by every host before [`Case::execute`].

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::Case;

/// Whether a command that changes a case must name the version it was based on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionPolicy {
    /// A command without a version applies to the case as it is when it runs (last writer
    /// wins); one with a version is refused if the case has moved on. The default, so that
    /// existing clients keep working.
    #[default]
    Optional,
    /// Every command must name the version it was based on; one without is refused with
    /// [`VersionError::Required`].
    Required,
}

/// A command was refused for the version it named, or did not name. Nothing changes.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum VersionError {
    /// The case has changed since the version the command was based on.
    #[error(
        "the case is at version {found}, not {expected}; reload it and apply your change again"
    )]
    Conflict {
        /// The version the command was based on.
        expected: u64,
        /// The case's version now.
        found: u64,
    },
    /// The command named no version, and the policy requires one.
    #[error(
        "commands that change a case must say which version of it they were based on \
         (the case is at version {found}); send that version with the command"
    )]
    Required {
        /// The case's version now.
        found: u64,
    },
}

impl VersionPolicy {
    /// Checks a command based on version `expected` (if it named one) against a case at
    /// version `current`.
    pub fn check(self, expected: Option<u64>, current: u64) -> Result<(), VersionError> {
        match (expected, self) {
            (Some(expected), _) if expected != current => Err(VersionError::Conflict {
                expected,
                found: current,
            }),
            (Some(_), _) | (None, VersionPolicy::Optional) => Ok(()),
            (None, VersionPolicy::Required) => Err(VersionError::Required { found: current }),
        }
    }
}

impl Case {
    /// The case's version: the number of its events (0 before it exists).
    pub fn version(&self) -> u64 {
        self.history().len() as u64
    }

    /// Checks a command based on version `expected` (if it named one) against this case under
    /// `policy` ([`VersionPolicy::check`]).
    pub fn check_version(
        &self,
        policy: VersionPolicy,
        expected: Option<u64>,
    ) -> Result<(), VersionError> {
        policy.check(expected, self.version())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_version_must_be_the_current_one_under_either_policy() {
        for policy in [VersionPolicy::Optional, VersionPolicy::Required] {
            assert_eq!(policy.check(Some(3), 3), Ok(()));
            assert_eq!(
                policy.check(Some(2), 3),
                Err(VersionError::Conflict {
                    expected: 2,
                    found: 3
                })
            );
            assert_eq!(
                policy.check(Some(4), 3),
                Err(VersionError::Conflict {
                    expected: 4,
                    found: 3
                })
            );
        }
    }

    #[test]
    fn no_version_is_last_writer_wins_unless_required() {
        assert_eq!(VersionPolicy::default(), VersionPolicy::Optional);
        assert_eq!(VersionPolicy::Optional.check(None, 7), Ok(()));
        assert_eq!(
            VersionPolicy::Required.check(None, 7),
            Err(VersionError::Required { found: 7 })
        );
        let case = Case::new();
        assert_eq!(case.version(), 0);
        assert!(case.check_version(VersionPolicy::Required, None).is_err());
        assert!(case.check_version(VersionPolicy::Required, Some(0)).is_ok());
    }
}
