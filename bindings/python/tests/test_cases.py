"""Cases: workflows, commands as methods, history and events, views, due dates, access, JSON."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import vagvisare
from vagvisare import Actor, Attachment, Case, CaseRules, Form, Person, Workflow
from conftest import CET, at

JENNY = Actor("jenny", "Jenny Testersson", "requester")
JULIA = Actor("julia", "Julia Landsell", "officer", organisation="Skellefteå kommun")
OUTSIDER = Actor("olle", "Olle Annan", "officer", organisation="Umeå kommun")


def e_service(**rules: Any) -> CaseRules:
    return CaseRules(Workflow.e_service(), **rules)


def submitted(rules: CaseRules | None = None) -> Case:
    case = Case(rules or e_service())
    form = Form("Medborgarförslag", "Skellefteå kommun", "Fler parkbänkar", answers={"plats": "Torget"})
    case.submit(JENNY, form, "113", at=at("2018-02-19T09:14:00+01:00"))
    return case


def test_the_handbook_flow() -> None:
    case = submitted()
    assert case.exists and case.number == "113" and case.status == "submitted"
    assert case.requester == JENNY.person
    assert case.received_at == at("2018-02-19T09:14:00+01:00")
    case.start(JULIA, at=at("2018-02-19T13:21:00+01:00"))
    assert case.status == "in_progress" and case.status_label == "Under behandling"
    events = case.request_supplement(JULIA, "Ange plats", at=at("2018-02-19T13:25:00+01:00"))
    assert [e.kind for e in events] == ["message_sent", "status_changed"]
    assert events[-1].status == case.status
    assert case.status_label == "Väntar på komplettering"
    assert case.messages[0].text == "Ange plats"
    assert case.messages[0].direction == "to_requester"
    assert case.messages[0].sender == JULIA.person

    case.supplement(JENNY, {"plats": "Stadsparken"}, at=at("2018-02-20T08:00:00+01:00"))
    assert case.answers == {"plats": "Stadsparken"}
    stamp = case.last_supplemented
    assert stamp is not None and stamp.by.name == "Jenny Testersson"
    assert stamp.at == at("2018-02-20T08:00:00+01:00")
    case.start(JULIA, at=at("2018-02-20T09:00:00+01:00"))
    case.close(JULIA, "Beviljat", at=at("2018-02-21T10:00:00+01:00"))
    assert case.status_label == "Avslutat"

    rows = case.history_rows()
    assert rows[0].cells() == ("Inskickat", "-", "2018-02-19 09:14", "Inskickat", "Jenny Testersson")
    assert rows[1].cells() == (
        "Status ändrad", "-", "2018-02-19 13:21", "Under behandling", "Julia Landsell"
    )
    assert rows[-1].details == "Beviljat"
    assert [e.seq for e in case.history] == list(range(1, len(case.history) + 1))

    overview = case.overview()
    assert overview.title == "Medborgarförslag (Avslutat)"
    labels = dict(overview.fields)
    assert labels["Ärendenummer"] == "113"
    assert "Jenny Testersson" in labels["Senast kompletterat"]


def test_a_refused_command_changes_nothing() -> None:
    case = submitted()
    before = case.copy()
    with pytest.raises(vagvisare.TransitionNotAllowedError) as caught:
        case.close(JENNY, at=at("2018-02-19T10:00:00+01:00"))
    error = caught.value
    assert (error.command, error.status, error.role, error.code) == (
        "close", "submitted", "requester", "transition_not_allowed"
    )
    assert isinstance(error, vagvisare.CommandRefusedError)
    assert isinstance(error, ValueError) and isinstance(error, vagvisare.Error)
    assert "close" in str(error) and "submitted" in str(error)
    assert case == before

    with pytest.raises(vagvisare.CommandRefusedError) as empty:
        case.send_message(JENNY, "   ", at=at("2018-02-19T10:00:00+01:00"))
    assert empty.value.code == "empty_message"
    with pytest.raises(vagvisare.CommandRefusedError, match="limit") as big:
        case.send_message(
            JENNY, "Bilaga", [Attachment("film.mp4", 60 * 1024 * 1024)], at=at("2018-02-19T10:00:00+01:00")
        )
    assert big.value.code == "attachment_too_large"
    assert case == before and copy.deepcopy(case) == case and copy.copy(case) == case


def test_access() -> None:
    case = submitted()
    assert case.can_view(JENNY) and case.can_view(JULIA)
    assert not case.can_view(OUTSIDER)
    assert case.relations(JENNY) == ["requester"]
    assert case.relations(JULIA) == ["organisation_officer"]
    assert case.relations(OUTSIDER) == []
    with pytest.raises(vagvisare.NoAccessError) as caught:
        case.start(OUTSIDER, at=at("2018-02-19T10:00:00+01:00"))
    assert caught.value.actor == "olle" and caught.value.command == "start"
    assert "start" in case.allowed_commands(JULIA)
    assert case.allowed_commands(OUTSIDER) == []
    assert "close" not in case.allowed_commands(JENNY)
    assert "send_message" in case.allowed_commands(JENNY)

    # A draft is seen by its requester only.
    draft = Case(e_service())
    draft.save_draft(JENNY, Form("Medborgarförslag", "Skellefteå kommun", "Utkast"), at=at("2018-02-19T09:00:00+01:00"))
    assert draft.status == "draft" and draft.received_at is None
    assert draft.can_view(JENNY) and not draft.can_view(JULIA)
    draft.delete_draft(JENNY, at=at("2018-02-19T09:05:00+01:00"))
    assert not draft.exists and len(draft.history) == 2


def test_sharing_and_my_cases() -> None:
    mine = submitted()
    anna = Person("anna", "Anna Andersson")
    mine.share(JENNY, anna, at=at("2018-02-19T10:00:00+01:00"))
    assert mine.shared_with == [anna]
    with pytest.raises(vagvisare.CommandRefusedError) as again:
        mine.share(JENNY, anna, at=at("2018-02-19T10:01:00+01:00"))
    assert again.value.code == "already_shared"

    draft = Case(e_service())
    draft.save_draft(JENNY, Form("Bygglov", "Skellefteå kommun", "Altan"), at=at("2018-02-18T09:00:00+01:00"))
    closed = submitted()
    closed.start(JULIA, at=at("2018-02-19T11:00:00+01:00"))
    closed.close(JULIA, at=at("2018-02-19T12:00:00+01:00"))
    other = Case(e_service())
    other.submit(
        Actor("karl", "Karl", "requester"),
        Form("Medborgarförslag", "Skellefteå kommun", "Annat"),
        "114",
        at=at("2018-02-19T09:00:00+01:00"),
    )

    view = vagvisare.my_cases([mine, draft, closed, other], JENNY)
    assert [s.service for s in view.drafts] == ["Bygglov"]
    assert [s.number for s in view.open] == ["113"]
    assert [s.status for s in view.closed] == ["Avslutat"]
    assert view.drafts[0].number is None
    anna_sees = vagvisare.my_cases([mine, draft, closed, other], Actor("anna", "Anna Andersson", "requester"))
    assert [s.number for s in anna_sees.open] == ["113"] and not anna_sees.drafts
    assert "open=1" in repr(view)


def test_json_round_trip_and_replay() -> None:
    case = submitted(e_service(due_in_working_days=14))
    case.start(JULIA, at=at("2018-02-19T13:21:00+01:00"))
    case.send_message(JENNY, "Tack!", [Attachment("karta.pdf", 1000)], at=at("2018-02-19T14:00:00+01:00"))
    text = case.to_json()
    record = json.loads(text)
    assert record["format_version"] == 1 and len(record["events"]) == 3
    again = Case.from_json(text, case.rules)
    assert again == case
    assert again.history_rows() == case.history_rows()
    assert json.loads(case.to_json(pretty=True)) == record

    # Event by event, as a host's append-only store would keep them.
    lines = [e.to_json() for e in case.history]
    replayed = Case.replay([vagvisare.Event.from_json(l) for l in lines], case.rules)
    assert replayed == case
    first = vagvisare.Event.from_json(lines[0])
    assert first.kind == "submitted" and first.details["number"] == "113"
    assert first.details["form"]["answers"] == {"plats": "Torget"}
    assert first.to_dict()["event"] == "submitted"
    assert first.actor == JENNY and first.at.utcoffset() == timedelta(hours=1)

    with pytest.raises(vagvisare.CommandRefusedError) as gap:
        Case.replay([vagvisare.Event.from_json(lines[1])], case.rules)
    assert gap.value.code == "event_out_of_order"
    with pytest.raises(vagvisare.RecordError, match="format_version"):
        Case.from_json('{"format_version": 99, "events": []}', case.rules)
    with pytest.raises(vagvisare.RecordError):
        Case.from_json("not json", case.rules)
    with pytest.raises(vagvisare.RecordError):
        vagvisare.Event.from_json('{"seq": 1}')


def test_due_dates_in_swedish_working_days() -> None:
    rules = e_service(due_in_working_days=14)
    case = Case(rules)
    form = Form("Medborgarförslag", "Skellefteå kommun", "Bänkar")
    # Friday 27 January 2023 + 14 working days = Thursday 16 February 2023.
    case.submit(JENNY, form, "200", at=at("2023-01-27T15:00:00+01:00"))
    due = case.due
    assert due is not None and due.date == date(2023, 2, 16) and not due.paused
    case.start(JULIA, at=at("2023-01-30T09:00:00+01:00"))
    # Waiting on the requester stops the clock ...
    case.request_supplement(JULIA, "Var?", at=at("2023-02-01T09:00:00+01:00"))
    paused = case.due
    assert paused is not None and paused.paused_since == date(2023, 2, 1) and paused.paused
    # ... and the working days that were left count again from the day it resumes.
    case.supplement(JENNY, {"plats": "Torget"}, at=at("2023-02-06T09:00:00+01:00"))
    resumed = case.due
    assert resumed is not None and resumed.paused_since is None
    assert resumed.date == rules.calendar.add_working_days(
        date(2023, 2, 6), rules.calendar.working_days_between(date(2023, 2, 1), date(2023, 2, 16))
    )
    assert resumed.date > date(2023, 2, 16)

    per_service = CaseRules(Workflow.e_service(), due_by_service={"Bygglov": 2}, due_in_working_days=10)
    assert per_service.due_days("Bygglov") == 2 and per_service.due_days("Annat") == 10
    fast = Case(per_service)
    # Thursday 22 June 2023 + 2 = Tuesday 27 June 2023 (midsommarafton and -dagen are closed).
    fast.submit(JENNY, Form("Bygglov", "Skellefteå kommun", "Altan"), "201", at=at("2023-06-22T10:00:00+02:00"))
    assert fast.due is not None and fast.due.date == date(2023, 6, 27)


def test_calendar_and_holidays() -> None:
    calendar = vagvisare.Calendar(closed_days=[date(2023, 5, 19)])
    assert calendar.closed_days == [date(2023, 5, 19)]
    assert not calendar.is_working_day(date(2023, 6, 23))  # midsommarafton
    assert not calendar.is_working_day(date(2023, 5, 19))  # the portal's klämdag
    assert calendar.is_working_day(date(2023, 5, 17))
    assert calendar.add_working_days(date(2023, 1, 27), 14) == date(2023, 2, 16)
    assert calendar.add_working_days(datetime(2023, 1, 27, 12, tzinfo=CET), 0) == date(2023, 1, 27)
    assert calendar.working_days_between(date(2023, 2, 1), date(2023, 2, 1)) == 0
    assert vagvisare.holiday(date(2023, 6, 23)) == "Midsommarafton"
    assert vagvisare.holiday(date(2023, 6, 21)) is None
    year = vagvisare.holidays(2024)
    assert (date(2024, 3, 29), "Långfredag") in year
    assert len(year) == 17 and year == sorted(year)
    rules = CaseRules(Workflow.e_service(), closed_days=[date(2023, 5, 19)])
    assert rules.closed_days == [date(2023, 5, 19)] and rules.calendar == calendar
    with pytest.raises(vagvisare.InputError):
        calendar.add_working_days(date(9999, 12, 30), 10**6)
    with pytest.raises(vagvisare.InputError):
        vagvisare.holidays(10_000)
    with pytest.raises(TypeError):
        calendar.is_working_day("2023-06-23")


def test_service_desk_approvals_and_waiting() -> None:
    rules = CaseRules(Workflow.service_desk(), due_in_working_days=2)
    anna = Actor("anna", "Anna Chef", "approver")
    user = Actor("jeseks", "Ragnar, Jessica (jeseks)", "requester")
    desk = Actor("desk", "Servicedesk", "officer", organisation="Användarstöd")
    case = Case(rules)
    form = Form("Behörighetsansökan Treserva utförare", "Användarstöd", "Behörighet", notify_email=True)
    ulla = Actor("ulla", "Ulla Användare", "requester")
    # Nobody approves their own request (issue 20.2): the requester cannot be named.
    with pytest.raises(vagvisare.CommandRefusedError) as own:
        case.submit(user, form, "C2304625", approvers=[user.person, anna.person], at=at("2023-01-27T13:05:00+01:00"))
    assert own.value.code == "requester_as_approver" and not case.exists
    case.submit(user, form, "C2304625", approvers=[ulla.person, anna.person], at=at("2023-01-27T13:05:00+01:00"))
    assert case.missing_approvals == ["Ulla Användare", "Anna Chef"]
    assert "approve" in case.allowed_commands(anna) and "approve" not in case.allowed_commands(user)
    with pytest.raises(vagvisare.CommandRefusedError) as pending:
        case.start(desk, at=at("2023-01-27T14:00:00+01:00"))
    assert pending.value.code == "approvals_pending"
    assert pending.value.missing == ["Ulla Användare", "Anna Chef"]
    case.approve(ulla, at=at("2023-01-27T13:10:00+01:00"))
    case.approve(anna, at=at("2023-01-27T15:00:00+01:00"))
    # Once decided, the decision is no longer offered.
    assert "approve" not in case.allowed_commands(anna) and "reject" not in case.allowed_commands(anna)
    assert [a.decision for a in case.approvals] == ["approved", "approved"]
    assert all(a.approved and a.decided_at is not None for a in case.approvals)
    with pytest.raises(vagvisare.CommandRefusedError) as twice:
        case.approve(anna, at=at("2023-01-27T15:01:00+01:00"))
    assert twice.value.code == "already_decided"
    case.assign(desk, Person("desk", "Servicedesk"), at=at("2023-01-30T08:00:00+01:00"))
    assert case.officer == Person("desk", "Servicedesk")
    case.start(desk, at=at("2023-01-30T08:05:00+01:00"))
    case.wait_for_third_party(desk, "LKDATA", at=at("2023-01-30T09:00:00+01:00"))
    assert case.waiting_on == "LKDATA"
    case.start(desk, at=at("2023-01-30T10:00:00+01:00"))
    case.schedule(desk, date(2023, 2, 3), at=at("2023-01-30T10:05:00+01:00"))
    assert case.scheduled_for == date(2023, 2, 3)
    case.start(desk, at=at("2023-01-31T10:00:00+01:00"))
    case.wait_for_user(desk, "Godkänn villkoren med BankID", at=at("2023-01-31T10:05:00+01:00"))
    case.user_answered(user, at=at("2023-01-31T11:00:00+01:00"))
    events = case.close(desk, "Klart", at=at("2023-01-31T12:00:00+01:00"))
    told = case.notifications(events[0])
    assert told and told[0]["recipient"]["to"] == "requester"
    assert "email" in told[0]["channels"] and "mina_sidor" in told[0]["channels"]

    rejected = Case(rules)
    rejected.submit(user, form, "C2304626", approvers=[anna.person], at=at("2023-01-27T13:05:00+01:00"))
    rejected.reject(anna, "Saknar underlag", at=at("2023-01-27T14:00:00+01:00"))
    assert rejected.approvals[0].decision == "rejected"
    assert rejected.approvals[0].reason == "Saknar underlag"


def test_workflows_load_and_refuse() -> None:
    toml = """
id = "mini"
name = "Minimal"

[[statuses]]
id = "open"
label = "Öppen"
category = "open"

[[statuses]]
id = "done"
label = "Avslutat"
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
"""
    mini = Workflow.from_toml(toml)
    assert (mini.id, mini.name) == ("mini", "Minimal")
    assert [s["label"] for s in mini.statuses] == ["Öppen", "Avslutat"]
    assert mini.label("done") == "Avslutat" and mini.category("done") == "closed"
    assert mini.category("new") is None
    assert mini.allowed_commands("open", "officer") == ["close"]
    assert Workflow.from_json(mini.to_json()) == mini
    assert len(mini.transitions) == 2
    with pytest.raises(vagvisare.WorkflowError, match="unreachable|never be reached"):
        Workflow.from_toml(toml + '\n[[statuses]]\nid = "lost"\nlabel = "Borta"\ncategory = "open"\n')
    with pytest.raises(vagvisare.WorkflowError):
        Workflow.from_json("{")
    with pytest.raises(vagvisare.InputError, match="role"):
        mini.allowed_commands("open", "boss")
    assert Workflow.e_service() != Workflow.service_desk()


def test_time_zone_aware_datetimes_in_and_out() -> None:
    case = Case(e_service())
    stockholm = datetime(2018, 2, 19, 9, 14, tzinfo=ZoneInfo("Europe/Stockholm"))
    case.submit(JENNY, Form("Medborgarförslag", "Skellefteå kommun", "Bänkar"), "113", at=stockholm)
    received = case.received_at
    assert received is not None and received.tzinfo is not None
    assert received == stockholm and received.utcoffset() == timedelta(hours=1)
    assert case.history_rows()[0].date == "2018-02-19 09:14"  # shown in the time given
    # Summer time keeps its own offset; UTC works too.
    case.start(JULIA, at=datetime(2018, 7, 2, 8, 0, tzinfo=ZoneInfo("Europe/Stockholm")))
    assert case.history[-1].at.utcoffset() == timedelta(hours=2)
    case.send_message(JULIA, "Hej", at=datetime(2018, 7, 2, 6, 30, 15, 123456, tzinfo=timezone.utc))
    assert case.history[-1].at == datetime(2018, 7, 2, 6, 30, 15, 123456, tzinfo=timezone.utc)

    with pytest.raises(vagvisare.InputError, match="naive") as naive:
        case.send_message(JULIA, "Hej", at=datetime(2018, 7, 2, 9, 0))
    assert isinstance(naive.value, ValueError)
    assert "time-zone-aware" in str(naive.value)
    for wrong in ["2018-07-02T09:00:00+02:00", date(2018, 7, 2), 1530514800, None]:
        with pytest.raises(TypeError):
            case.send_message(JULIA, "Hej", at=wrong)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        case.send_message(JULIA, "Hej")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.start("julia", at=at("2018-02-19T13:21:00+01:00")),
        lambda c: c.assign(JULIA, "julia", at=at("2018-02-19T13:21:00+01:00")),
        lambda c: c.supplement(JENNY, ["plats"], at=at("2018-02-19T13:21:00+01:00")),
        lambda c: c.supplement(JENNY, {"plats": 5}, at=at("2018-02-19T13:21:00+01:00")),
        lambda c: c.send_message(JENNY, "Hej", ["fil.pdf"], at=at("2018-02-19T13:21:00+01:00")),
        lambda c: c.schedule(JULIA, "2018-03-01", at=at("2018-02-19T13:21:00+01:00")),
        lambda c: c.can_view(None),
        lambda c: c.apply({"seq": 2}),
        lambda c: Case.replay(5, c.rules),
        lambda c: Case("rules"),
        lambda c: Form("a", "b", "c", answers=["x"]),
        lambda c: Form("a", "b", "c", attachments=[("x", 1)]),
        lambda c: CaseRules(Workflow.e_service(), closed_days=["2023-05-19"]),
        lambda c: Actor("a", "A", 5),
        lambda c: vagvisare.my_cases([5], JENNY),
    ],
)
def test_wrong_argument_types_are_type_errors(call: Any) -> None:
    with pytest.raises(TypeError):
        call(submitted())


def test_bad_values_are_input_errors() -> None:
    with pytest.raises(vagvisare.InputError, match="role"):
        Actor("a", "A", "boss")
    case = Case(e_service())
    with pytest.raises(vagvisare.CaseNumberError):
        case.submit(JENNY, Form("a", "b", "c"), "not a number", at=at("2018-02-19T09:14:00+01:00"))
    assert not case.exists


def test_case_number_series() -> None:
    series = vagvisare.CaseNumberSeries("C", 2304625)
    assert series.last_issued is None
    assert [series.next_number() for _ in range(2)] == ["C2304625", "C2304626"]
    restored = vagvisare.CaseNumberSeries.from_json(series.to_json())
    assert restored.next_number() == "C2304627" and restored.last_issued == "C2304627"
    assert vagvisare.CaseNumberSeries("", 42, width=7).next_number() == "0000042"
    end = vagvisare.CaseNumberSeries("X", 2**64 - 1)
    end.next_number()
    with pytest.raises(vagvisare.CaseNumberError):
        end.next_number()
    with pytest.raises(vagvisare.CaseNumberError):
        vagvisare.CaseNumberSeries("C1", 5)


def test_deflection_records_are_redacted() -> None:
    record = vagvisare.DeflectionRecord(
        "Patient 19810105-2382 kan inte logga in, ring 070-123 45 67", at=at("2023-01-27T13:05:00+01:00")
    )
    assert "2382" not in record.description and "[personnummer]" in record.description
    assert "[telefon]" in record.description
    record.show(["passwordkiosk-sms", "eduroam"])
    record.show("vpn")
    assert record.shown == [("passwordkiosk-sms", 1), ("eduroam", 2), ("vpn", 3)]
    record.answer(True, "eduroam")
    assert record.helped is True and record.helpful_guide == "eduroam" and record.helpful_rank == 2
    assert record.deflected
    record.filed("C2304625")
    assert record.case_filed == "C2304625" and not record.deflected
    text = record.to_json()
    assert "2382" not in text and "123 45 67" not in text
    assert vagvisare.DeflectionRecord.from_json(text) == record
    assert record.at == at("2023-01-27T13:05:00+01:00")
    with pytest.raises(vagvisare.InputError):
        vagvisare.DeflectionRecord.from_json("{}")
    with pytest.raises(vagvisare.InputError, match="naive"):
        vagvisare.DeflectionRecord("x", at=datetime(2023, 1, 27, 13, 5))
    assert vagvisare.redact("mejla jessica.ragnar@linkoping.se") == "mejla [e-post]"
    assert vagvisare.contains_personal_data("19810105-2382")
    assert not vagvisare.contains_personal_data("glömt lösenord")


def test_redaction_takes_any_str_as_suggest_does() -> None:
    # Python allows lone surrogates in a str; UTF-8 cannot hold them. They are replaced (as
    # GuideIndex.suggest replaces them), and the personal data beside them is still found.
    text = "\ud800 19121212-1212 \udfff"
    assert vagvisare.contains_personal_data(text)
    redacted = vagvisare.redact(text)
    assert " [personnummer] " in redacted and "1212" not in redacted
    assert set(redacted.replace(" [personnummer] ", "")) == {"\ufffd"}
    # The same conversion as suggest's: the rest of the text is kept as it was.
    assert vagvisare.redact("\ud800 hej").endswith(" hej")
    assert not vagvisare.contains_personal_data("\ud800 glömt lösenord")
    with pytest.raises(TypeError, match="text must be a str"):
        vagvisare.redact(19121212)  # type: ignore[arg-type]


def test_reprs_are_informative() -> None:
    case = submitted()
    assert repr(case) == "Case(number='113', status='submitted', service='Medborgarförslag')"
    assert repr(JULIA) == "Actor('julia', 'Julia Landsell', 'officer', organisation='Skellefteå kommun')"
    assert repr(Person("a", "A")) == "Person('a', 'A')"
    assert repr(case.history[0]).startswith("Event(seq=1, kind='submitted', at=2018-02-19T09:14:00+01:00")
    assert "e_service" in repr(Workflow.e_service())
    assert repr(Attachment("a.pdf", 3)) == "Attachment('a.pdf', 3)"
    assert {JENNY, JENNY.person, Person("jenny", "Jenny Testersson")} == {JENNY, JENNY.person}
