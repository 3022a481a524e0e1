"""The actions a `Case` offers are the core's rules: at every step of both seed walkthroughs,
for every actor, a command is offered exactly when the core, running it, does not refuse it for
the workflow, the actor's part in the case or the approver's own decision."""

from __future__ import annotations

import copy
from datetime import date
from typing import Callable, Dict, List, Tuple

import vagvisare
from vagvisare import Actor, Case, CaseRules, Form, Person, Workflow
from conftest import at

NOW = at("2023-01-27T13:10:00+01:00")
# The refusals `Case.allowed_commands` answers for; the others are about a command's data or
# about pending approvals.
CHECKED = {"transition_not_allowed", "no_access", "not_an_approver", "already_decided", "requester_as_approver"}

JESSICA = Actor("jeseks", "Ragnar, Jessica", "requester")
BOB = Actor("bob", "Bob Andersson", "requester")
ULLA = Actor("ulla", "Ulla Användare", "requester")
CHEF = Actor("chef", "Chef Chefsson", "approver")
DESK = Actor("julia", "Landsell, Julia", "officer", organisation="Användarstöd")
HANNA = Actor("hanna", "Hanna Handläggare", "officer", organisation="Skellefteå kommun")
OLLE = Actor("olle", "Olle Löneman", "officer", organisation="Lönekontoret")
VENDOR = Actor("lkdata", "LKDATA", "third_party")
CAST = [JESSICA, BOB, ULLA, CHEF, DESK, HANNA, OLLE, VENDOR]

Run = Callable[[Case, Actor], object]
ATTEMPTS: Dict[str, Run] = {
    "save_draft": lambda c, a: c.save_draft(a, Form("Tjänst", "Användarstöd", "x"), at=NOW),
    "delete_draft": lambda c, a: c.delete_draft(a, at=NOW),
    "submit": lambda c, a: c.submit(a, Form("Tjänst", "Användarstöd", "x"), "C1", at=NOW),
    "assign": lambda c, a: c.assign(a, Person("julia", "Landsell, Julia"), at=NOW),
    "start": lambda c, a: c.start(a, at=NOW),
    "request_supplement": lambda c, a: c.request_supplement(a, "Mer?", at=NOW),
    "supplement": lambda c, a: c.supplement(a, {"Enhet": "Syd"}, at=NOW),
    "send_message": lambda c, a: c.send_message(a, "Hej", at=NOW),
    "approve": lambda c, a: c.approve(a, at=NOW),
    "reject": lambda c, a: c.reject(a, at=NOW),
    "wait_for_user": lambda c, a: c.wait_for_user(a, at=NOW),
    "user_answered": lambda c, a: c.user_answered(a, at=NOW),
    "wait_for_third_party": lambda c, a: c.wait_for_third_party(a, "LKDATA", at=NOW),
    "schedule": lambda c, a: c.schedule(a, date(2023, 2, 3), at=NOW),
    "close": lambda c, a: c.close(a, at=NOW),
    "share": lambda c, a: c.share(a, Person("nyperson", "Ny Person"), at=NOW),
}


def accepted_by_the_core(case: Case, actor: Actor) -> List[str]:
    accepted = []
    for command, attempt in ATTEMPTS.items():
        try:
            attempt(copy.copy(case), actor)
        except vagvisare.CommandRefusedError as refused:
            if refused.code in CHECKED:
                continue
        accepted.append(command)
    return accepted


def check_every_actor(case: Case, step: str) -> None:
    for actor in CAST:
        offered = case.allowed_commands(actor)
        assert sorted(offered) == sorted(accepted_by_the_core(case, actor)), f"{step}: {actor.id}"


Step = Tuple[str, Run]


def walk(case: Case, steps: List[Step]) -> None:
    check_every_actor(case, "submitted")
    for name, run in steps:
        run(case, None)  # type: ignore[arg-type]
        check_every_actor(case, name)


def test_service_desk_walkthrough_offers_what_the_core_allows() -> None:
    case = Case(CaseRules(Workflow.service_desk(), due_in_working_days=2))
    form = Form("Kontakta Användarstöd", "Användarstöd", "Behörighet Treserva")
    case.submit(JESSICA, form, "C2304625", approvers=[ULLA.person, CHEF.person], at=NOW)
    walk(
        case,
        [
            ("ulla approves", lambda c, _: c.approve(ULLA, at=NOW)),
            ("chef approves", lambda c, _: c.approve(CHEF, at=NOW)),
            ("assign", lambda c, _: c.assign(DESK, DESK.person, at=NOW)),
            ("wait for the user", lambda c, _: c.wait_for_user(DESK, "BankID", at=NOW)),
            ("supplement", lambda c, _: c.supplement(JESSICA, {"Enhet": "Norr"}, at=NOW)),
            ("share", lambda c, _: c.share(JESSICA, BOB.person, at=NOW)),
            ("third party", lambda c, _: c.wait_for_third_party(DESK, "LKDATA", at=NOW)),
            ("close", lambda c, _: c.close(DESK, "Löst", at=NOW)),
        ],
    )
    assert case.status == "closed"


def test_e_service_walkthrough_offers_what_the_core_allows() -> None:
    case = Case(CaseRules(Workflow.e_service()))
    form = Form("Medborgarförslag", "Skellefteå kommun", "Fler parkbänkar")
    case.save_draft(JESSICA, form, at=NOW)
    walk(
        case,
        [
            ("submit", lambda c, _: c.submit(JESSICA, form, "113", at=NOW)),
            ("start", lambda c, _: c.start(HANNA, at=NOW)),
            ("request supplement", lambda c, _: c.request_supplement(HANNA, "Var?", at=NOW)),
            ("supplement", lambda c, _: c.supplement(JESSICA, {"Plats": "Nordanå"}, at=NOW)),
            ("share", lambda c, _: c.share(JESSICA, BOB.person, at=NOW)),
            ("close", lambda c, _: c.close(HANNA, at=NOW)),
        ],
    )
    assert case.status == "closed"


def test_the_e_service_takes_no_approvers_and_nobody_approves_their_own_case() -> None:
    form = Form("Medborgarförslag", "Skellefteå kommun", "Fler parkbänkar")
    case = Case(CaseRules(Workflow.e_service()))
    try:
        case.submit(JESSICA, form, "113", approvers=[CHEF.person], at=NOW)
    except vagvisare.CommandRefusedError as refused:
        assert refused.code == "no_approvals_in_workflow"
    else:
        raise AssertionError("the e-service took an approver")
    assert not case.exists
