//! Who acts on a case: [`Actor`] (the one running a command) and [`Person`] (someone a case refers to).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::RoleError;

/// The part a person plays when they run a command. A workflow lists, for each transition, the
/// roles allowed to take it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Beställare / invånare / användare: the person a case belongs to (or someone following it).
    Requester,
    /// Handläggare: works on cases of their organisation.
    Officer,
    /// Chef / attestant: approves a request before work starts.
    Approver,
    /// Tredjepart: a vendor or other organisation the officer waits on.
    ThirdParty,
}

impl Role {
    /// Every role, in declaration order.
    pub const ALL: [Role; 4] = [
        Role::Requester,
        Role::Officer,
        Role::Approver,
        Role::ThirdParty,
    ];

    /// The identifier used in workflow files (`requester`, `officer`, …).
    pub fn id(self) -> &'static str {
        match self {
            Role::Requester => "requester",
            Role::Officer => "officer",
            Role::Approver => "approver",
            Role::ThirdParty => "third_party",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Role {
    type Err = RoleError;

    /// The role with this identifier (`"officer"`), exactly as [`Role::id`] writes it.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.id() == text)
            .ok_or_else(|| RoleError(text.to_string()))
    }
}

/// Someone a case refers to: its requester, officer, an approver, a person it is shared with.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Person {
    /// The host's stable id for the person (login name, user id, …).
    pub id: String,
    /// The name shown to people ("Jenny Testersson", "Ragnar, Jessica (jeseks)").
    pub name: String,
}

impl Person {
    /// A person with the given id and display name.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Person {
            id: id.into(),
            name: name.into(),
        }
    }
}

/// The person running a command, with their role and the organisation they act for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    /// The host's stable id for the person.
    pub id: String,
    /// The name shown in the history ("Person" column).
    pub name: String,
    /// The role they act in.
    pub role: Role,
    /// The organisation they act for (an officer's municipality or department), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
}

impl Actor {
    /// An actor with no organisation.
    pub fn new(id: impl Into<String>, name: impl Into<String>, role: Role) -> Self {
        Actor {
            id: id.into(),
            name: name.into(),
            role,
            organisation: None,
        }
    }

    /// The same actor, acting for `organisation`.
    pub fn in_organisation(mut self, organisation: impl Into<String>) -> Self {
        self.organisation = Some(organisation.into());
        self
    }

    /// The actor as a [`Person`] (id and name).
    pub fn person(&self) -> Person {
        Person::new(self.id.clone(), self.name.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_their_ids_and_nothing_else() {
        for role in Role::ALL {
            assert_eq!(role.id().parse::<Role>(), Ok(role));
            // The id is the serde spelling too, so workflow files and text agree.
            assert_eq!(
                serde_json::to_value(role).unwrap(),
                serde_json::Value::from(role.id())
            );
        }
        for bad in ["", "Officer", "boss", " officer", "third-party"] {
            let error = bad.parse::<Role>().unwrap_err();
            assert_eq!(error, RoleError(bad.to_string()));
            assert!(error.to_string().contains("third_party"), "{error}");
        }
    }
}
