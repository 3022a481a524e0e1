//! Workflows as data: statuses (id, Swedish label, category) and transitions (command,
//! from-statuses, to-status, roles). Two ship built in; a portal can load its own from TOML or
//! JSON, and a definition with unknown statuses, unreachable statuses or dead ends is refused.
//!
//! ```text
//! e_service:     new ─submit─▶ Inskickat ─start─▶ Under behandling ─request_supplement─▶
//!                Väntar på komplettering ─supplement─▶ Kompletterat ─start─▶ … ─close─▶ Avslutat
//!                (new ─save_draft─▶ Sparat ─submit─▶ Inskickat; Sparat ─delete_draft─▶ new)
//! service_desk:  new ─submit─▶ Registrerad ─(approvals)─▶ Tilldelad / Pågående / Schemalagd ⇄
//!                Väntar på användare ─user_answered─▶ Besvarat av användaren; Väntar på tredjepart;
//!                ─close─▶ Stängd (or ─reject─▶ Ej godkänd)
//! ```

use std::collections::{BTreeSet, HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use super::{CommandKind, Role, WorkflowError};

/// The pseudo-status of a case that does not exist yet (or whose draft was deleted). Transitions
/// that create a case leave from it; a status may not use this id.
pub const NEW: &str = "new";

/// What kind of status a status is; the library's behaviour (views, due-date clock, access to
/// drafts) depends on the category, never on the label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusCategory {
    /// Not submitted; only the requester sees it.
    Draft,
    /// Received and with the organisation.
    Open,
    /// Waiting on the requester; the due-date clock is paused.
    WaitingForRequester,
    /// Waiting on someone else (a third party); the clock runs.
    WaitingForOthers,
    /// Finished.
    Closed,
}

impl StatusCategory {
    /// Every category, in declaration order.
    pub const ALL: [StatusCategory; 5] = [
        StatusCategory::Draft,
        StatusCategory::Open,
        StatusCategory::WaitingForRequester,
        StatusCategory::WaitingForOthers,
        StatusCategory::Closed,
    ];

    /// The identifier used in workflow files and JSON (`draft`, `waiting_for_requester`, …).
    pub fn id(self) -> &'static str {
        match self {
            StatusCategory::Draft => "draft",
            StatusCategory::Open => "open",
            StatusCategory::WaitingForRequester => "waiting_for_requester",
            StatusCategory::WaitingForOthers => "waiting_for_others",
            StatusCategory::Closed => "closed",
        }
    }
}

/// A status of a workflow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Stable identifier stored in events (`in_progress`).
    pub id: String,
    /// What people see ("Under behandling").
    pub label: String,
    /// What kind of status it is.
    pub category: StatusCategory,
}

/// A transition: `command`, taken from one of `from` by one of `roles`, leads to `to`
/// (or leaves the status as it is when `to` is absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The command this transition is for.
    pub command: CommandKind,
    /// The statuses it may be taken from (`new` for a case that does not exist yet).
    pub from: Vec<String>,
    /// The status it leads to; absent for commands that keep the status (messages, shares, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The roles that may take it.
    pub roles: Vec<Role>,
}

/// A workflow definition as written, before validation.
#[derive(Clone, Debug, Deserialize)]
struct WorkflowDef {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    statuses: Vec<Status>,
    #[serde(default)]
    transitions: Vec<Transition>,
}

/// A validated workflow. Build it with [`Workflow::e_service`], [`Workflow::service_desk`],
/// [`Workflow::from_toml`], [`Workflow::from_json`] or [`Workflow::new`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WorkflowDef")]
pub struct Workflow {
    id: String,
    name: String,
    statuses: Vec<Status>,
    transitions: Vec<Transition>,
}

impl TryFrom<WorkflowDef> for Workflow {
    type Error = WorkflowError;

    fn try_from(def: WorkflowDef) -> Result<Self, Self::Error> {
        Workflow::new(def.id, def.name, def.statuses, def.transitions)
    }
}

impl Workflow {
    /// Validate and build a workflow.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        statuses: Vec<Status>,
        transitions: Vec<Transition>,
    ) -> Result<Self, WorkflowError> {
        let workflow = Workflow {
            id: id.into(),
            name: name.into(),
            statuses,
            transitions,
        };
        workflow.validate()?;
        Ok(workflow)
    }

    /// The e-service workflow of the citizens' handbook (Sparat → Inskickat → Under behandling ⇄
    /// Väntar på komplettering → Kompletterat → … → Avslutat).
    pub fn e_service() -> Self {
        Self::from_toml(include_str!("e_service.toml"))
            .expect("the built-in e-service workflow is valid (checked by its tests)")
    }

    /// The service-desk workflow of the self-service portal guide (Registrerad, approvals,
    /// Pågående, Tilldelad, Schemalagd, Väntar på användare → Besvarat av användaren, Väntar på
    /// tredjepart, Stängd).
    pub fn service_desk() -> Self {
        Self::from_toml(include_str!("service_desk.toml"))
            .expect("the built-in service-desk workflow is valid (checked by its tests)")
    }

    /// Load and validate a workflow written in TOML.
    pub fn from_toml(text: &str) -> Result<Self, WorkflowError> {
        let def: WorkflowDef = toml::from_str(text).map_err(|e| WorkflowError::Parse {
            format: "TOML",
            message: e.to_string().trim().to_string(),
        })?;
        Workflow::try_from(def)
    }

    /// Load and validate a workflow written in JSON.
    pub fn from_json(text: &str) -> Result<Self, WorkflowError> {
        let def: WorkflowDef = serde_json::from_str(text).map_err(|e| WorkflowError::Parse {
            format: "JSON",
            message: e.to_string(),
        })?;
        Workflow::try_from(def)
    }

    /// The workflow's id (`e_service`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The workflow's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// All statuses, in definition order.
    pub fn statuses(&self) -> &[Status] {
        &self.statuses
    }

    /// All transitions, in definition order.
    pub fn transitions(&self) -> &[Transition] {
        &self.transitions
    }

    /// The status with this id.
    pub fn status(&self, id: &str) -> Option<&Status> {
        self.statuses.iter().find(|s| s.id == id)
    }

    /// The label of a status id (the id itself if unknown; empty for [`NEW`]).
    pub fn label<'a>(&'a self, id: &'a str) -> &'a str {
        match self.status(id) {
            Some(status) => &status.label,
            None if id == NEW => "",
            None => id,
        }
    }

    /// The category of a status id (`None` for [`NEW`] and unknown ids).
    pub fn category(&self, id: &str) -> Option<StatusCategory> {
        self.status(id).map(|s| s.category)
    }

    /// The transition `role` may take for `command` from status `from`, if any.
    pub fn transition(&self, command: CommandKind, from: &str, role: Role) -> Option<&Transition> {
        self.transitions.iter().find(|t| {
            t.command == command && t.roles.contains(&role) && t.from.iter().any(|f| f == from)
        })
    }

    /// Whether cases of this workflow can have approvers: it has an `approve` transition. Naming
    /// approvers in a workflow without one is refused ([`CaseError::NoApprovalsInWorkflow`](super::CaseError::NoApprovalsInWorkflow)).
    pub fn has_approvals(&self) -> bool {
        self.transitions
            .iter()
            .any(|t| t.command == CommandKind::Approve)
    }

    /// The commands `role` may run in status `status` by the workflow alone. What an actor may
    /// run on a case now (their part in it, their decision) is
    /// [`Case::allowed_commands`](super::Case::allowed_commands).
    pub fn allowed_commands(&self, status: &str, role: Role) -> Vec<CommandKind> {
        let set: BTreeSet<CommandKind> = self
            .transitions
            .iter()
            .filter(|t| t.roles.contains(&role) && t.from.iter().any(|f| f == status))
            .map(|t| t.command)
            .collect();
        set.into_iter().collect()
    }

    fn validate(&self) -> Result<(), WorkflowError> {
        if self.statuses.is_empty() {
            return Err(WorkflowError::NoStatuses);
        }
        let mut ids = HashSet::new();
        for status in &self.statuses {
            if status.id.trim().is_empty() || status.id == NEW {
                return Err(WorkflowError::InvalidStatusId(status.id.clone()));
            }
            if !ids.insert(status.id.as_str()) {
                return Err(WorkflowError::DuplicateStatus(status.id.clone()));
            }
        }
        let known = |id: &str| id == NEW || ids.contains(id);
        let mut seen = HashSet::new();
        for t in &self.transitions {
            let command = t.command.id().to_string();
            if t.from.is_empty() {
                return Err(WorkflowError::IncompleteTransition {
                    command,
                    missing: "from-statuses",
                });
            }
            if t.roles.is_empty() {
                return Err(WorkflowError::IncompleteTransition {
                    command,
                    missing: "roles",
                });
            }
            for status in t.from.iter().chain(t.to.iter()) {
                if !known(status) {
                    return Err(WorkflowError::UnknownStatus {
                        command,
                        status: status.clone(),
                    });
                }
            }
            for from in &t.from {
                for role in &t.roles {
                    if !seen.insert((t.command, from.as_str(), *role)) {
                        return Err(WorkflowError::Ambiguous {
                            command,
                            status: from.clone(),
                            role: role.id().to_string(),
                        });
                    }
                }
            }
        }
        let creates = |t: &Transition| {
            t.from.iter().any(|f| f == NEW) && t.to.as_deref().is_some_and(|to| to != NEW)
        };
        if !self.transitions.iter().any(creates) {
            return Err(WorkflowError::NoStart);
        }
        // Forward: every status must be reachable from `new`.
        let reachable = self.closure(NEW, |t, from| {
            t.from
                .iter()
                .any(|f| f == from)
                .then_some(t.to.as_deref())
                .flatten()
        });
        if let Some(status) = self
            .statuses
            .iter()
            .find(|s| !reachable.contains(s.id.as_str()))
        {
            return Err(WorkflowError::Unreachable(status.id.clone()));
        }
        // Backward: every status must lead to a closed status (or, for drafts, back to `new`).
        let mut finished: HashSet<&str> = self
            .statuses
            .iter()
            .filter(|s| s.category == StatusCategory::Closed)
            .map(|s| s.id.as_str())
            .collect();
        finished.insert(NEW);
        let mut queue: VecDeque<&str> = finished.iter().copied().collect();
        while let Some(target) = queue.pop_front() {
            for t in self
                .transitions
                .iter()
                .filter(|t| t.to.as_deref() == Some(target))
            {
                for from in &t.from {
                    if finished.insert(from.as_str()) {
                        queue.push_back(from.as_str());
                    }
                }
            }
        }
        if let Some(status) = self
            .statuses
            .iter()
            .find(|s| !finished.contains(s.id.as_str()))
        {
            return Err(WorkflowError::DeadEnd(status.id.clone()));
        }
        Ok(())
    }

    /// The statuses reachable from `start` following `step`.
    fn closure<'a>(
        &'a self,
        start: &'a str,
        step: impl Fn(&'a Transition, &str) -> Option<&'a str>,
    ) -> HashSet<&'a str> {
        let mut seen = HashSet::from([start]);
        let mut queue = VecDeque::from([start]);
        while let Some(current) = queue.pop_front() {
            for t in &self.transitions {
                if let Some(next) = step(t, current) {
                    if seen.insert(next) {
                        queue.push_back(next);
                    }
                }
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        id = "mini"
        [[statuses]]
        id = "open"
        label = "Öppen"
        category = "open"
        [[statuses]]
        id = "done"
        label = "Klar"
        category = "closed"
        [[transitions]]
        command = "submit"
        from = ["new"]
        to = "open"
        roles = ["requester"]
        [[transitions]]
        command = "close"
        from = ["open"]
        to = "done"
        roles = ["officer"]
    "#;

    #[test]
    fn built_ins_are_valid() {
        let e = Workflow::e_service();
        assert_eq!(e.label("awaiting_supplement"), "Väntar på komplettering");
        assert_eq!(e.category("draft"), Some(StatusCategory::Draft));
        let desk = Workflow::service_desk();
        assert_eq!(desk.label("user_answered"), "Besvarat av användaren");
        assert_eq!(
            desk.category("waiting_for_user"),
            Some(StatusCategory::WaitingForRequester)
        );
    }

    #[test]
    fn category_ids_are_the_serde_spelling() {
        for category in StatusCategory::ALL {
            assert_eq!(
                serde_json::to_value(category).unwrap(),
                serde_json::Value::from(category.id())
            );
        }
    }

    #[test]
    fn only_the_service_desk_seed_has_approvals() {
        assert!(Workflow::service_desk().has_approvals());
        assert!(!Workflow::e_service().has_approvals());
    }

    #[test]
    fn loads_toml_and_json_alike() {
        let from_toml = Workflow::from_toml(MINIMAL).unwrap();
        let json = serde_json::to_string(&from_toml).unwrap();
        assert_eq!(Workflow::from_json(&json).unwrap(), from_toml);
        let deserialised: Workflow = serde_json::from_str(&json).unwrap();
        assert_eq!(deserialised, from_toml);
    }

    #[test]
    fn allowed_commands_show_the_buttons() {
        let e = Workflow::e_service();
        assert_eq!(
            e.allowed_commands("draft", Role::Requester),
            vec![
                CommandKind::SaveDraft,
                CommandKind::DeleteDraft,
                CommandKind::Submit
            ]
        );
        assert!(e.allowed_commands("draft", Role::Officer).is_empty());
        assert!(e
            .allowed_commands("awaiting_supplement", Role::Requester)
            .contains(&CommandKind::Supplement));
    }

    fn broken(find: &str, replace: &str) -> WorkflowError {
        let text = MINIMAL.replacen(find, replace, 1);
        Workflow::from_toml(&text).unwrap_err()
    }

    #[test]
    fn refuses_broken_definitions_naming_the_problem() {
        let cases = [
            (
                r#"to = "done""#,
                r#"to = "finished""#,
                WorkflowError::UnknownStatus {
                    command: "close".into(),
                    status: "finished".into(),
                },
            ),
            (
                r#"from = ["open"]"#,
                r#"from = ["opne"]"#,
                WorkflowError::UnknownStatus {
                    command: "close".into(),
                    status: "opne".into(),
                },
            ),
            (
                r#"from = ["new"]"#,
                r#"from = ["open"]"#,
                WorkflowError::NoStart,
            ),
            (
                r#"to = "done""#,
                r#"to = "open""#,
                WorkflowError::Unreachable("done".into()),
            ),
            (
                r#"id = "done""#,
                r#"id = "open""#,
                WorkflowError::DuplicateStatus("open".into()),
            ),
            (
                r#"id = "done""#,
                r#"id = "new""#,
                WorkflowError::InvalidStatusId("new".into()),
            ),
            (
                r#"roles = ["officer"]"#,
                r#"roles = []"#,
                WorkflowError::IncompleteTransition {
                    command: "close".into(),
                    missing: "roles",
                },
            ),
        ];
        for (find, replace, expected) in cases {
            assert_eq!(broken(find, replace), expected, "{find} -> {replace}");
        }
    }

    #[test]
    fn refuses_an_open_status_with_no_way_out() {
        let text = format!(
            "{MINIMAL}\n[[statuses]]\nid = \"stuck\"\nlabel = \"Fast\"\ncategory = \"waiting_for_others\"\n\
             [[transitions]]\ncommand = \"wait_for_third_party\"\nfrom = [\"open\"]\nto = \"stuck\"\nroles = [\"officer\"]\n"
        );
        let error = Workflow::from_toml(&text).unwrap_err();
        assert_eq!(error, WorkflowError::DeadEnd("stuck".into()));
        assert!(error.to_string().contains("stuck"));
    }

    #[test]
    fn refuses_ambiguous_transitions() {
        let text = format!(
            "{MINIMAL}\n[[transitions]]\ncommand = \"close\"\nfrom = [\"open\"]\nto = \"open\"\nroles = [\"officer\"]\n"
        );
        assert!(matches!(
            Workflow::from_toml(&text),
            Err(WorkflowError::Ambiguous { .. })
        ));
    }

    #[test]
    fn parse_errors_say_where() {
        let error = Workflow::from_toml("id = ").unwrap_err();
        assert!(matches!(error, WorkflowError::Parse { format: "TOML", .. }));
        let error = Workflow::from_json("{\"id\": \"x\", \"statuses\": 3}").unwrap_err();
        assert!(matches!(error, WorkflowError::Parse { format: "JSON", .. }));
        let error = Workflow::from_toml(
            "id = \"x\"\n[[transitions]]\ncommand = \"fly\"\nfrom = [\"new\"]\nroles = [\"officer\"]",
        )
        .unwrap_err();
        assert!(error.to_string().contains("fly"), "{error}");
        assert_eq!(
            Workflow::from_toml("id = \"x\"").unwrap_err(),
            WorkflowError::NoStatuses
        );
    }
}
