//! Who may view a case and who may act on it.
//!
//! - The requester sees and acts on their own case, drafts included.
//! - People it is shared with see it and may send messages on it.
//! - The assigned officer and the officers of the case's organisation see it and work on it.
//! - Approvers see the cases they must approve, approve or reject them, and send messages.
//! - Nobody but the requester sees a draft: a saved draft is not a received document.
//!
//! An external requester therefore sees only their own cases and the cases shared with them.
//! *Which* commands a role may run in a status is the workflow's business; this module only says
//! whether the actor has a part in the case at all.

use serde::{Deserialize, Serialize};

use super::{Actor, Case, CaseError, CommandKind, Role};

/// A part a person plays in one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The person the case belongs to.
    Requester,
    /// Someone the case is shared with.
    SharedWith,
    /// The assigned officer.
    AssignedOfficer,
    /// An officer of the case's organisation.
    OrganisationOfficer,
    /// One of the case's approvers.
    Approver,
}

/// The parts `actor` plays in `case` (empty: none).
pub fn relations(case: &Case, actor: &Actor) -> Vec<Relation> {
    let mut found = Vec::new();
    if !case.exists() {
        return found;
    }
    if case.is_requester(&actor.id) {
        found.push(Relation::Requester);
    }
    if case.received_at().is_none() {
        // A draft: nobody else has a part in it yet.
        return found;
    }
    if case.is_shared_with(&actor.id) {
        found.push(Relation::SharedWith);
    }
    if actor.role == Role::Officer {
        if case.is_officer(&actor.id) {
            found.push(Relation::AssignedOfficer);
        }
        if !case.organisation().is_empty()
            && actor.organisation.as_deref() == Some(case.organisation())
        {
            found.push(Relation::OrganisationOfficer);
        }
    }
    if case.approval_of(&actor.id).is_some() {
        found.push(Relation::Approver);
    }
    found
}

/// Whether `actor` may see `case`.
pub fn can_view(case: &Case, actor: &Actor) -> bool {
    !relations(case, actor).is_empty()
}

/// Whether `actor` has a part in `case` that lets them run `command` (the workflow decides the
/// status and role). A case that does not exist yet may be created by anyone the workflow allows.
pub fn check(case: &Case, actor: &Actor, command: CommandKind) -> Result<(), CaseError> {
    if !case.exists() {
        return Ok(());
    }
    let relations = relations(case, actor);
    let has = |r: Relation| relations.contains(&r);
    let decides = matches!(command, CommandKind::Approve | CommandKind::Reject);
    let allowed = match actor.role {
        Role::Requester => {
            has(Relation::Requester)
                || (has(Relation::SharedWith) && command == CommandKind::SendMessage)
                || (has(Relation::Approver) && decides)
        }
        Role::Officer => has(Relation::AssignedOfficer) || has(Relation::OrganisationOfficer),
        Role::Approver => {
            if decides && !has(Relation::Approver) {
                return Err(CaseError::NotAnApprover {
                    approver: actor.id.clone(),
                });
            }
            has(Relation::Approver) && (decides || command == CommandKind::SendMessage)
        }
        Role::ThirdParty => has(Relation::SharedWith) && command == CommandKind::SendMessage,
    };
    if allowed {
        Ok(())
    } else {
        Err(CaseError::NoAccess {
            command,
            actor: actor.id.clone(),
        })
    }
}
