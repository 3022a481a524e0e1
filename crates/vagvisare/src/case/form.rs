//! A service's form: the fields a requester fills in, and the check of a filled-in [`Form`]
//! against them ([`check_form`]): required fields answered, choices among their options, one
//! line where one line is asked for, and no answer to a field the form does not have.
//!
//! The short description ([`FieldKind::Description`]) is the form's [`Form::description`]; every
//! other field's answer is in [`Form::answers`] under the field's label.
//!
//! ```
//! use vagvisare::case::{check_form, service_desk_form, Form, FormError, FormStage};
//!
//! let fields = service_desk_form();
//! let form = Form::new("Kontakta Användarstöd", "Användarstöd", "Skrivaren skriver inte ut")
//!     .answer("Gäller beställningen en annan användare?", "Nej");
//! assert_eq!(check_form(&fields, &form, FormStage::Submitted), Ok(()));
//!
//! let wrong = form.clone().answer("Gäller beställningen en annan användare?", "Kanske");
//! assert!(matches!(
//!     check_form(&fields, &wrong, FormStage::Submitted),
//!     Err(FormError::NotAnOption { .. })
//! ));
//! ```

use serde::{Deserialize, Serialize};

use super::{Form, FormError};

/// The answer a [`FieldKind::Checkbox`] has when ticked.
pub const CHECKED: &str = "Ja";
/// The answer a [`FieldKind::Checkbox`] has when not ticked.
pub const UNCHECKED: &str = "Nej";

/// What kind of answer a form field takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// The short description of the case, where "Möjliga lösningar" attach (one per form); its
    /// answer is [`Form::description`].
    Description,
    /// One line of text.
    Text,
    /// Several lines of text.
    Textarea,
    /// One of the field's options, written exactly as listed.
    Choice,
    /// Yes or no: [`CHECKED`] (`"Ja"`) or [`UNCHECKED`] (`"Nej"`). A required checkbox must be
    /// ticked (a box of terms to accept).
    Checkbox,
}

/// One field of a service's form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// The question as the requester reads it; also the key of its answer.
    pub label: String,
    /// What kind of answer it takes.
    pub kind: FieldKind,
    /// Whether it must be answered.
    pub required: bool,
    /// The choices of a `choice` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

impl FormField {
    /// A field labelled `label`, of `kind`, required or not, with `options` (for a choice).
    pub fn new(label: &str, kind: FieldKind, required: bool, options: &[&str]) -> Self {
        FormField {
            label: label.to_string(),
            kind,
            required,
            options: options.iter().map(|o| o.to_string()).collect(),
        }
    }
}

/// How complete a form must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormStage {
    /// Saved as a draft: required fields may still be empty (everything else is checked).
    Draft,
    /// Submitted: every required field answered.
    Submitted,
}

/// The form of the service desk seed ("Kontakta Användarstöd"): the short description, more
/// details, whether the order concerns another user (required), and e-mail notification.
pub fn service_desk_form() -> Vec<FormField> {
    vec![
        FormField::new(
            "Kort beskrivning av ditt ärende",
            FieldKind::Description,
            true,
            &[],
        ),
        FormField::new(
            "Beskriv ditt ärende mer utförligt",
            FieldKind::Textarea,
            false,
            &[],
        ),
        FormField::new(
            "Gäller beställningen en annan användare?",
            FieldKind::Choice,
            true,
            &["Nej", "Ja"],
        ),
        FormField::new(
            "Jag vill bli notifierad via e-post",
            FieldKind::Checkbox,
            false,
            &[],
        ),
    ]
}

/// The form of the e-service seed ("Medborgarförslag"): a heading (the short description), the
/// proposal (required) and a place.
pub fn e_service_form() -> Vec<FormField> {
    vec![
        FormField::new("Rubrik", FieldKind::Description, true, &[]),
        FormField::new("Beskriv ditt förslag", FieldKind::Textarea, true, &[]),
        FormField::new("Plats", FieldKind::Text, false, &[]),
    ]
}

/// Checks a filled-in form against the service's `fields`: no answer to a field the form does
/// not have (nor to the short description, which is [`Form::description`]), a choice among its
/// options, one line for a text field, a checkbox `"Ja"` or `"Nej"`, and, once
/// [`FormStage::Submitted`], every required field answered (not blank; a required checkbox
/// ticked). The first problem is returned, naming its field; unknown answers are checked first,
/// then the fields in the form's order. Messages never repeat what was typed.
pub fn check_form(fields: &[FormField], form: &Form, stage: FormStage) -> Result<(), FormError> {
    for label in form.answers.keys() {
        match fields.iter().find(|f| &f.label == label) {
            Some(field) if field.kind == FieldKind::Description => {
                return Err(FormError::DescriptionAsAnswer {
                    field: label.clone(),
                })
            }
            Some(_) => {}
            None => {
                return Err(FormError::UnknownField {
                    field: label.clone(),
                    known: fields
                        .iter()
                        .filter(|f| f.kind != FieldKind::Description)
                        .map(|f| f.label.clone())
                        .collect(),
                })
            }
        }
    }
    let complete = stage == FormStage::Submitted;
    for field in fields {
        let answer = match field.kind {
            FieldKind::Description => Some(form.description.as_str()),
            _ => form.answers.get(&field.label).map(String::as_str),
        };
        let blank = answer.is_none_or(|a| a.trim().is_empty());
        let field_name = || field.label.clone();
        match (field.kind, answer) {
            (FieldKind::Choice, Some(value)) if !field.options.iter().any(|o| o == value) => {
                return Err(FormError::NotAnOption {
                    field: field_name(),
                    options: field.options.clone(),
                })
            }
            (FieldKind::Checkbox, Some(value)) if value != CHECKED && value != UNCHECKED => {
                return Err(FormError::NotYesOrNo {
                    field: field_name(),
                })
            }
            (FieldKind::Text, Some(value)) if value.contains(['\n', '\r']) => {
                return Err(FormError::NotOneLine {
                    field: field_name(),
                })
            }
            _ => {}
        }
        if complete && field.required {
            if blank {
                return Err(FormError::Missing {
                    field: field_name(),
                });
            }
            if field.kind == FieldKind::Checkbox && answer != Some(CHECKED) {
                return Err(FormError::NotChecked {
                    field: field_name(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desk(description: &str) -> Form {
        Form::new("Kontakta Användarstöd", "Användarstöd", description)
    }

    fn proposal(description: &str) -> Form {
        Form::new("Medborgarförslag", "Skellefteå kommun", description)
    }

    const OTHER_USER: &str = "Gäller beställningen en annan användare?";

    #[test]
    fn the_service_desk_form_takes_its_answers_and_refuses_others() {
        let fields = service_desk_form();
        let check = |form: &Form| check_form(&fields, form, FormStage::Submitted);
        let full = desk("Skrivaren skriver inte ut")
            .answer(OTHER_USER, "Ja")
            .answer("Beskriv ditt ärende mer utförligt", "Rad ett\nRad två")
            .answer("Jag vill bli notifierad via e-post", "Nej");
        assert_eq!(check(&full), Ok(()));
        assert_eq!(
            check(&desk("Skrivaren").answer(OTHER_USER, "Nej")),
            Ok(()),
            "optional fields may be left out"
        );
        assert_eq!(
            check(&desk("Skrivaren")),
            Err(FormError::Missing {
                field: OTHER_USER.into()
            })
        );
        assert_eq!(
            check(&desk("  ").answer(OTHER_USER, "Nej")),
            Err(FormError::Missing {
                field: "Kort beskrivning av ditt ärende".into()
            })
        );
        assert_eq!(
            check(&desk("Skrivaren").answer(OTHER_USER, "nej")),
            Err(FormError::NotAnOption {
                field: OTHER_USER.into(),
                options: vec!["Nej".into(), "Ja".into()]
            }),
            "options are written exactly"
        );
        assert_eq!(
            check(
                &desk("Skrivaren")
                    .answer(OTHER_USER, "Nej")
                    .answer("Jag vill bli notifierad via e-post", "true")
            ),
            Err(FormError::NotYesOrNo {
                field: "Jag vill bli notifierad via e-post".into()
            })
        );
        match check(
            &desk("Skrivaren")
                .answer(OTHER_USER, "Nej")
                .answer("Beskrivning", "mer"),
        ) {
            Err(FormError::UnknownField { field, known }) => {
                assert_eq!(field, "Beskrivning");
                assert_eq!(known.len(), 3, "{known:?}");
                assert!(!known.contains(&"Kort beskrivning av ditt ärende".to_string()));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            check(
                &desk("Skrivaren")
                    .answer(OTHER_USER, "Nej")
                    .answer("Kort beskrivning av ditt ärende", "x")
            ),
            Err(FormError::DescriptionAsAnswer {
                field: "Kort beskrivning av ditt ärende".into()
            })
        );
    }

    #[test]
    fn the_e_service_form_needs_its_proposal_and_one_line_of_place() {
        let fields = e_service_form();
        let check = |form: &Form, stage| check_form(&fields, form, stage);
        let draft = proposal("Fler parkbänkar");
        assert_eq!(
            check(&draft, FormStage::Draft),
            Ok(()),
            "a draft may lack required answers"
        );
        assert_eq!(
            check(&draft, FormStage::Submitted),
            Err(FormError::Missing {
                field: "Beskriv ditt förslag".into()
            })
        );
        let full = draft
            .clone()
            .answer("Beskriv ditt förslag", "Vid ån.\nGärna fem.")
            .answer("Plats", "Nordanå");
        assert_eq!(check(&full, FormStage::Submitted), Ok(()));
        let two_lines = full.clone().answer("Plats", "Nordanå\nvid ån");
        for stage in [FormStage::Draft, FormStage::Submitted] {
            assert_eq!(
                check(&two_lines, stage),
                Err(FormError::NotOneLine {
                    field: "Plats".into()
                })
            );
            assert!(
                matches!(
                    check(&draft.clone().answer("Kommun", "Skellefteå"), stage),
                    Err(FormError::UnknownField { .. })
                ),
                "an unknown field is refused in a draft too"
            );
        }
    }

    #[test]
    fn a_required_checkbox_must_be_ticked() {
        let fields = vec![
            FormField::new("Rubrik", FieldKind::Description, true, &[]),
            FormField::new("Jag godkänner villkoren", FieldKind::Checkbox, true, &[]),
        ];
        let form = proposal("Bänkar");
        let check = |form: &Form| check_form(&fields, form, FormStage::Submitted);
        assert_eq!(
            check(&form.clone().answer("Jag godkänner villkoren", "Nej")),
            Err(FormError::NotChecked {
                field: "Jag godkänner villkoren".into()
            })
        );
        assert_eq!(
            check(&form.clone().answer("Jag godkänner villkoren", CHECKED)),
            Ok(())
        );
    }

    #[test]
    fn messages_name_the_field_but_never_the_answer() {
        let fields = service_desk_form();
        let secret = "19811228-9874";
        let form = desk("x").answer(OTHER_USER, secret);
        let error = check_form(&fields, &form, FormStage::Submitted).unwrap_err();
        let message = error.to_string();
        assert!(message.contains(OTHER_USER), "{message}");
        assert!(!message.contains(secret), "{message}");
        assert_eq!(error.field(), OTHER_USER);
    }
}
