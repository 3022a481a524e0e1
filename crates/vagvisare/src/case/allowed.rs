//! What an actor may do with a case now, who has a part in it, and who may be named its
//! approver: the rules every host (the service's case view, the Python `Case`, a portal of its
//! own) asks instead of working them out again.
//!
//! - [`Case::check_command`]: whether a command of a kind may run now, before its data is
//!   looked at: the workflow's transition for the actor's role in the case's status, the
//!   actor's part in the case ([`access::check`]), and for `approve` and `reject` the actor's
//!   own approval, still undecided and not on a case they asked for themselves.
//!   [`Case::execute`] runs exactly this check first.
//! - [`Case::allowed_commands`]: the kinds that pass it (the buttons to show).
//! - [`Case::participants`]: the people with a personal part in the case.
//! - [`Case::check_approvers`]: approvers are named by whoever submits the case, only in a
//!   workflow that has approvals, and never the requester: nobody approves their own request.

use super::{access, Actor, Case, CaseError, CaseRules, CommandKind, Person, Transition};

impl Case {
    /// Whether `actor` may run a command of kind `kind` on the case now, judged before the
    /// command's data: the transition the workflow gives their role in the case's status, their
    /// part in the case, and for `approve`/`reject` their own undecided approval. Returns the
    /// transition, or the reason the command would be refused. A command that passes may still
    /// be refused for its data (an empty message, an attachment too large) or because work
    /// waits for approvals.
    pub fn check_command<'r>(
        &self,
        rules: &'r CaseRules,
        actor: &Actor,
        kind: CommandKind,
    ) -> Result<&'r Transition, CaseError> {
        let current = self.status();
        let transition = rules
            .workflow
            .transition(kind, current, actor.role)
            .ok_or_else(|| CaseError::TransitionNotAllowed {
                command: kind,
                status: current.to_string(),
                role: actor.role,
            })?;
        access::check(self, actor, kind)?;
        if matches!(kind, CommandKind::Approve | CommandKind::Reject) {
            self.undecided_approval(actor)?;
        }
        Ok(transition)
    }

    /// The commands `actor` may run on the case now, in [`CommandKind`] order: those the
    /// workflow allows their role in the case's status, that their part in the case lets them
    /// run, and, for an approver, `approve` and `reject` only while their decision is still to
    /// be given (see [`Case::check_command`]). These are the buttons to show.
    pub fn allowed_commands(&self, rules: &CaseRules, actor: &Actor) -> Vec<CommandKind> {
        CommandKind::ALL
            .into_iter()
            .filter(|&kind| self.check_command(rules, actor, kind).is_ok())
            .collect()
    }

    /// The people with a personal part in the case: its requester, assigned officer, approvers
    /// and the people it is shared with, each once, ordered by id. (The officers of the case's
    /// organisation have a part too, through their organisation, not by name.) These are the
    /// people [`access::relations`] finds a part for; a host indexes a case under their ids
    /// for "Mina ärenden".
    pub fn participants(&self) -> Vec<&Person> {
        let mut people: Vec<&Person> = self
            .requester()
            .into_iter()
            .chain(self.officer())
            .chain(self.approvals().iter().map(|a| &a.approver))
            .chain(self.shared_with())
            .collect();
        people.sort_by(|a, b| a.id.cmp(&b.id));
        people.dedup_by(|a, b| a.id == b.id);
        people
    }

    /// Whether `actor`, submitting the case, may name `approvers`: only in a workflow that has
    /// approvals ([`CaseError::NoApprovalsInWorkflow`]), and never the requester, neither the
    /// one submitting nor the one who saved the draft ([`CaseError::RequesterAsApprover`]).
    /// Anyone else may be named, by whoever the workflow lets submit.
    pub fn check_approvers(
        &self,
        rules: &CaseRules,
        actor: &Actor,
        approvers: &[Person],
    ) -> Result<(), CaseError> {
        if approvers.is_empty() {
            return Ok(());
        }
        if !rules.workflow.has_approvals() {
            return Err(CaseError::NoApprovalsInWorkflow {
                workflow: rules.workflow.id().to_string(),
            });
        }
        match approvers
            .iter()
            .find(|p| p.id == actor.id || self.is_requester(&p.id))
        {
            Some(person) => Err(CaseError::RequesterAsApprover {
                person: person.id.clone(),
            }),
            None => Ok(()),
        }
    }

    /// The approval `actor` is still to give: refused when they are not an approver, when they
    /// are the requester (a record from before the rule named them), or when they decided.
    pub(super) fn undecided_approval(&self, actor: &Actor) -> Result<(), CaseError> {
        match self.approval_of(&actor.id) {
            None => Err(CaseError::NotAnApprover {
                approver: actor.id.clone(),
            }),
            Some(_) if self.is_requester(&actor.id) => Err(CaseError::RequesterAsApprover {
                person: actor.id.clone(),
            }),
            Some(approval) if approval.decision.is_some() => Err(CaseError::AlreadyDecided {
                approver: actor.id.clone(),
            }),
            Some(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::case::event::{Event, EventKind};
    use crate::case::{Command, Form, Role, Timestamp, Workflow};

    fn at(text: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    fn jessica() -> Actor {
        Actor::new("jeseks", "Ragnar, Jessica", Role::Requester)
    }

    fn chef() -> Actor {
        Actor::new("chef", "Chef, Anna", Role::Approver)
    }

    fn julia() -> Actor {
        Actor::new("julia", "Landsell, Julia", Role::Officer).in_organisation("Användarstöd")
    }

    fn submit(approvers: Vec<Person>) -> Command {
        Command::Submit {
            number: "C2304625".parse().unwrap(),
            form: Form::new("Behörighetsansökan", "Användarstöd", "Treserva"),
            approvers,
        }
    }

    fn ids(kinds: &[CommandKind]) -> Vec<&'static str> {
        kinds.iter().map(|k| k.id()).collect()
    }

    /// The service desk's access request with the manager as approver.
    fn desk_case(rules: &CaseRules) -> Case {
        let mut case = Case::new();
        case.execute(
            rules,
            &jessica(),
            submit(vec![chef().person()]),
            at("2023-01-27T13:10:00+01:00"),
        )
        .unwrap();
        case
    }

    #[test]
    fn an_approver_is_offered_a_decision_only_until_they_give_it() {
        let rules = CaseRules::new(Workflow::service_desk());
        let mut case = desk_case(&rules);
        assert_eq!(
            ids(&case.allowed_commands(&rules, &chef())),
            ["send_message", "approve", "reject"]
        );
        case.execute(
            &rules,
            &chef(),
            Command::Approve,
            at("2023-01-27T14:00:00+01:00"),
        )
        .unwrap();
        assert_eq!(
            ids(&case.allowed_commands(&rules, &chef())),
            ["send_message"]
        );
        assert_eq!(
            case.check_command(&rules, &chef(), CommandKind::Approve),
            Err(CaseError::AlreadyDecided {
                approver: "chef".into()
            })
        );
        // The requester is no approver: no decision is offered, and none is taken.
        assert!(!case
            .allowed_commands(&rules, &jessica())
            .contains(&CommandKind::Approve));
        assert_eq!(
            case.check_command(&rules, &jessica(), CommandKind::Approve),
            Err(CaseError::NotAnApprover {
                approver: "jeseks".into()
            })
        );
    }

    #[test]
    fn allowed_commands_are_the_workflow_s_narrowed_by_access() {
        for rules in [
            CaseRules::new(Workflow::service_desk()),
            CaseRules::new(Workflow::e_service()),
        ] {
            let mut case = Case::new();
            let form = Form::new("Tjänst", "Användarstöd", "x");
            let number = "C1".parse().unwrap();
            let command = Command::Submit {
                number,
                form,
                approvers: vec![],
            };
            case.execute(&rules, &jessica(), command, at("2023-01-27T13:10:00+01:00"))
                .unwrap();
            let outsider = Actor::new("olle", "Olle", Role::Officer).in_organisation("Annat");
            assert!(case.allowed_commands(&rules, &outsider).is_empty());
            // The officer: all the workflow gives. The requester: all but a decision, which
            // is an approver's.
            let by_workflow = |actor: &Actor| {
                let mut kinds = rules.workflow.allowed_commands(case.status(), actor.role);
                kinds.retain(|k| !matches!(k, CommandKind::Approve | CommandKind::Reject));
                kinds
            };
            assert_eq!(
                case.allowed_commands(&rules, &julia()),
                by_workflow(&julia())
            );
            assert!(!by_workflow(&julia()).is_empty());
            assert_eq!(
                case.allowed_commands(&rules, &jessica()),
                by_workflow(&jessica())
            );
            // Every command allowed passes the same check `execute` runs first.
            for kind in case.allowed_commands(&rules, &julia()) {
                assert!(case.check_command(&rules, &julia(), kind).is_ok());
            }
        }
    }

    #[test]
    fn the_requester_is_never_an_approver_on_either_seed() {
        let desk = CaseRules::new(Workflow::service_desk());
        let now = at("2023-01-27T13:10:00+01:00");
        let mut case = Case::new();
        let refused = case.execute(
            &desk,
            &jessica(),
            submit(vec![chef().person(), jessica().person()]),
            now,
        );
        assert_eq!(
            refused,
            Err(CaseError::RequesterAsApprover {
                person: "jeseks".into()
            })
        );
        assert_eq!(case, Case::new(), "a refused submission changes nothing");
        // Someone else, the user the order concerns, may be named.
        let ulla = Person::new("ulla", "Ulla Användare");
        case.execute(&desk, &jessica(), submit(vec![ulla, chef().person()]), now)
            .unwrap();
        assert_eq!(case.approvals().len(), 2);

        // The e-service has no approvals: naming anyone is refused, naming nobody is fine.
        let e = CaseRules::new(Workflow::e_service());
        let mut case = Case::new();
        assert_eq!(
            case.execute(&e, &jessica(), submit(vec![chef().person()]), now),
            Err(CaseError::NoApprovalsInWorkflow {
                workflow: "e_service".into()
            })
        );
        assert_eq!(
            case.execute(&e, &jessica(), submit(vec![jessica().person()]), now),
            Err(CaseError::NoApprovalsInWorkflow {
                workflow: "e_service".into()
            })
        );
        case.execute(&e, &jessica(), submit(vec![]), now).unwrap();
    }

    #[test]
    fn a_draft_s_requester_cannot_be_named_when_someone_else_submits() {
        let desk = CaseRules::new(Workflow::service_desk());
        let mut case = Case::new();
        // A draft saved by Jessica (the service desk has no drafts; replay one as stored).
        let draft = Event {
            seq: 1,
            at: at("2023-01-27T13:00:00+01:00"),
            actor: jessica(),
            kind: EventKind::DraftSaved {
                form: Form::new("Tjänst", "Användarstöd", "x"),
            },
            status: Some("draft".into()),
            due: None,
        };
        case.apply(&draft).unwrap();
        let other = Actor::new("bob", "Bob", Role::Requester);
        assert_eq!(
            case.check_approvers(&desk, &other, &[jessica().person()]),
            Err(CaseError::RequesterAsApprover {
                person: "jeseks".into()
            })
        );
        assert_eq!(
            case.check_approvers(&desk, &other, &[chef().person()]),
            Ok(())
        );
    }

    #[test]
    fn a_stored_case_naming_its_requester_gets_no_decision_from_them() {
        // Written before the rule: the requester among the approvers.
        let desk = CaseRules::new(Workflow::service_desk());
        let submitted = Event {
            seq: 1,
            at: at("2023-01-27T13:10:00+01:00"),
            actor: jessica(),
            kind: EventKind::Submitted {
                number: "C2304625".parse().unwrap(),
                form: Form::new("Tjänst", "Användarstöd", "x"),
                approvers: vec![jessica().person(), chef().person()],
            },
            status: Some("registered".into()),
            due: None,
        };
        let mut case = Case::replay([&submitted]).unwrap();
        assert!(!case
            .allowed_commands(&desk, &jessica())
            .contains(&CommandKind::Approve));
        let before = case.clone();
        assert_eq!(
            case.execute(
                &desk,
                &jessica(),
                Command::Approve,
                at("2023-01-27T13:11:00+01:00")
            ),
            Err(CaseError::RequesterAsApprover {
                person: "jeseks".into()
            })
        );
        assert_eq!(case, before);
    }

    #[test]
    fn participants_are_everyone_access_finds_a_personal_part_for() {
        let rules = CaseRules::new(Workflow::service_desk());
        let mut case = desk_case(&rules);
        let now = at("2023-01-27T14:00:00+01:00");
        case.execute(&rules, &chef(), Command::Approve, now)
            .unwrap();
        let officer = Person::new("julia", "Landsell, Julia");
        case.execute(&rules, &julia(), Command::Assign { officer }, now)
            .unwrap();
        let bob = Person::new("bob", "Bob");
        case.execute(&rules, &jessica(), Command::Share { person: bob }, now)
            .unwrap();
        let ids: Vec<&str> = case.participants().iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["bob", "chef", "jeseks", "julia"]);
        for person in case.participants() {
            let as_requester = Actor::new(person.id.clone(), person.name.clone(), Role::Requester);
            let as_officer = Actor::new(person.id.clone(), person.name.clone(), Role::Officer);
            assert!(
                access::can_view(&case, &as_requester) || access::can_view(&case, &as_officer),
                "{} has no part",
                person.id
            );
        }
        let stranger = Actor::new("eve", "Eve", Role::Requester);
        assert!(!access::can_view(&case, &stranger));
        assert!(Case::new().participants().is_empty());
    }
}
