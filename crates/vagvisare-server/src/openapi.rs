//! The OpenAPI 3.1 description served at `/openapi.json`. The error codes come from the one
//! error table ([`ErrorCode::TABLE`]).

use serde_json::{json, Map, Value};

use crate::config::{NAME_HEADER, ORGANISATION_HEADER, ROLE_HEADER, USER_HEADER};
use crate::error::ErrorCode;

/// Every path the description documents (the router serves each; a test checks).
pub const PATHS: &[&str] = &[
    "/",
    "/openapi.json",
    "/health",
    "/api/suggest",
    "/api/feedback",
    "/api/feedback/report",
    "/api/guides",
    "/api/guides/{id}",
    "/api/cases",
    "/api/cases/{id}",
    "/api/cases/{id}/submit",
    "/api/cases/{id}/messages",
    "/api/cases/{id}/request-supplement",
    "/api/cases/{id}/supplement",
    "/api/cases/{id}/commands",
    "/api/cases/{id}/attachments",
    "/api/cases/{id}/attachments/{seq}/{index}",
    "/api/services",
    "/metrics",
    "/static/vagvisare.js",
    "/admin",
    "/api/admin/guides",
    "/api/admin/guides/{id}/learned",
    "/api/admin/guides/{id}/learned/freeze",
    "/api/admin/report.svg",
];

fn error_response(codes: &[ErrorCode]) -> Value {
    let ids: Vec<&str> = codes.iter().map(|c| c.id()).collect();
    json!({
        "description": format!("Error ({})", ids.join(", ")),
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    })
}

fn ok(description: &str, schema: Value) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": schema } }
    })
}

fn json_body(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn case_operation(summary: &str, body: Option<Value>) -> Value {
    let mut op = json!({
        "summary": summary,
        "tags": ["cases"],
        "security": [{ "portalUser": [] }],
        "parameters": [{ "$ref": "#/components/parameters/CaseId" }, { "$ref": "#/components/parameters/IfMatch" }],
        "responses": {
            "200": ok("The case after the command (its version also as `ETag`)", reference("Case")),
            "400": error_response(&[ErrorCode::BadRequest, ErrorCode::InvalidJson]),
            "428": error_response(&[ErrorCode::VersionRequired]),
            "401": error_response(&[ErrorCode::Unauthenticated]),
            "403": error_response(&[ErrorCode::NoAccess, ErrorCode::NotAnApprover]),
            "404": error_response(&[ErrorCode::CaseNotFound]),
            "409": error_response(&[ErrorCode::VersionConflict, ErrorCode::TransitionNotAllowed, ErrorCode::ApprovalsPending, ErrorCode::AlreadyDecided, ErrorCode::AlreadyShared]),
            "422": error_response(&[ErrorCode::InvalidCommand, ErrorCode::EmptyMessage, ErrorCode::DateOutOfRange]),
        }
    });
    if let Some(body) = body {
        op["requestBody"] = json_body(body);
    }
    op
}

/// The OpenAPI document.
pub fn document() -> Value {
    let errors: Vec<Value> = ErrorCode::TABLE
        .iter()
        .map(|(_, id, status, meaning)| json!({ "code": id, "status": status, "meaning": meaning }))
        .collect();
    let admin = json!([{ "adminToken": [] }]);
    let version_field = json!({ "type": "integer", "minimum": 0, "description": "The case version the user saw (or send it as `If-Match`); a different current version is refused with version_conflict." });
    let mut paths = Map::new();
    paths.insert(
        "/".into(),
        json!({ "get": {
            "summary": "The demo portal page (Kontakta Användarstöd, Mina ärenden), in Swedish",
            "tags": ["demo"],
            "responses": { "200": { "description": "HTML", "content": { "text/html": {} } } }
        }}),
    );
    paths.insert(
        "/openapi.json".into(),
        json!({ "get": {
            "summary": "This description", "tags": ["meta"],
            "responses": { "200": ok("OpenAPI 3.1", json!({ "type": "object" })) }
        }}),
    );
    paths.insert(
        "/health".into(),
        json!({ "get": {
            "summary": "The store answers; how many guides are indexed", "tags": ["meta"],
            "responses": {
                "200": ok("Healthy", json!({ "type": "object", "properties": {
                    "status": { "const": "ok" }, "store": { "enum": ["sqlite", "postgresql"] },
                    "schema_version": { "type": "integer" }, "guides": { "type": "integer" } } })),
                "503": error_response(&[ErrorCode::StorageUnavailable]),
            }
        }}),
    );
    paths.insert(
        "/api/services".into(),
        json!({ "get": {
            "summary": "The services (forms) this portal offers, with their fields", "tags": ["cases"],
            "responses": { "200": ok("The services", json!({ "type": "object", "properties": {
                "services": { "type": "array", "items": { "type": "object", "properties": {
                    "name": { "type": "string" }, "organisation": { "type": "string" },
                    "workflow": { "type": "string" },
                    "form": { "type": "array", "items": { "type": "object", "properties": {
                        "label": { "type": "string" },
                        "kind": { "enum": ["description", "text", "textarea", "choice", "checkbox"] },
                        "required": { "type": "boolean" },
                        "options": { "type": "array", "items": { "type": "string" } } } } } } } } } })) }
        }}),
    );
    paths.insert(
        "/metrics".into(),
        json!({ "get": {
            "summary": "Prometheus metrics of this instance (OpenMetrics text); never typed text", "tags": ["meta"],
            "responses": { "200": { "description": "OpenMetrics text", "content": { "application/openmetrics-text": {} } } }
        }}),
    );
    paths.insert(
        "/static/vagvisare.js".into(),
        json!({ "get": {
            "summary": "The drop-in widget: Möjliga lösningar for a description field of any page", "tags": ["demo"],
            "responses": { "200": { "description": "JavaScript", "content": { "text/javascript": {} } } }
        }}),
    );
    paths.insert(
        "/admin".into(),
        json!({ "get": {
            "summary": "The editors' page (guides, what they learned, the report), in Swedish; its data needs the admin token", "tags": ["admin"],
            "responses": { "200": { "description": "HTML", "content": { "text/html": {} } } }
        }}),
    );
    let guide_id =
        json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }]);
    let learned = json!({ "type": "object", "properties": {
        "guide": { "type": "string" }, "frozen": { "type": "boolean" },
        "terms": { "type": "array", "items": { "type": "object", "properties": {
            "text": { "type": "string" }, "weight": { "type": "number" },
            "actors": { "type": "integer" }, "active": { "type": "boolean" } } } } } });
    let admin_errors = |extra: &[ErrorCode]| {
        let mut codes = vec![ErrorCode::AdminTokenRequired];
        codes.extend_from_slice(extra);
        error_response(&codes)
    };
    paths.insert(
        "/api/admin/guides".into(),
        json!({ "get": {
            "summary": "Stored guides whose id, title, category or text holds every word of q", "tags": ["admin"],
            "security": admin,
            "parameters": [{ "name": "q", "in": "query", "schema": { "type": "string" } }],
            "responses": {
                "200": ok("At most 500 guides by title", json!({ "type": "object", "properties": {
                    "total": { "type": "integer" },
                    "guides": { "type": "array", "items": { "type": "object", "properties": {
                        "id": { "type": "string" }, "title": { "type": "string" }, "category": { "type": "string" },
                        "learned": { "type": "integer" }, "frozen": { "type": "boolean" } } } } } })),
                "401": admin_errors(&[]),
                "403": error_response(&[ErrorCode::GuideEditingDisabled]),
            }
        }}),
    );
    paths.insert(
        "/api/admin/guides/{id}/learned".into(),
        json!({
            "parameters": guide_id,
            "get": {
                "summary": "What the guide learned from feedback", "tags": ["admin"], "security": admin,
                "responses": { "200": ok("Learned texts, heaviest first", learned.clone()),
                    "401": admin_errors(&[]), "404": error_response(&[ErrorCode::GuideNotFound]) }
            },
            "delete": {
                "summary": "Forget one learned text (this instance, until it restarts)", "tags": ["admin"], "security": admin,
                "parameters": [{ "name": "text", "in": "query", "required": true, "schema": { "type": "string" } }],
                "responses": { "200": ok("What it learned now", learned.clone()),
                    "400": error_response(&[ErrorCode::BadRequest]),
                    "401": admin_errors(&[]), "404": error_response(&[ErrorCode::GuideNotFound]) }
            }
        }),
    );
    paths.insert(
        "/api/admin/guides/{id}/learned/freeze".into(),
        json!({
            "parameters": guide_id,
            "post": {
                "summary": "Freeze (or thaw) what the guide learns (this instance, until it restarts)", "tags": ["admin"], "security": admin,
                "requestBody": json_body(json!({ "type": "object", "required": ["frozen"], "properties": { "frozen": { "type": "boolean" } } })),
                "responses": { "200": ok("What it learned now", learned),
                    "401": admin_errors(&[]), "404": error_response(&[ErrorCode::GuideNotFound]) }
            }
        }),
    );
    paths.insert(
        "/api/admin/report.svg".into(),
        json!({ "get": {
            "summary": "The weekly deflection rate as an SVG chart", "tags": ["admin"], "security": admin,
            "responses": { "200": { "description": "SVG", "content": { "image/svg+xml": {} } }, "401": admin_errors(&[]) }
        }}),
    );
    let suggest_parameters = json!([
        { "name": "q", "in": "query", "schema": { "type": "string" }, "description": "The text as typed so far. Any text is accepted; bytes beyond 2 048 are cut (at a character boundary) before analysis." },
        { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 20, "default": 5 } },
        { "name": "category", "in": "query", "schema": { "type": "array", "items": { "type": "string" } }, "style": "form", "explode": true, "description": "Only guides in these categories (or below them); repeatable." },
        { "name": "audience", "in": "query", "schema": { "type": "array", "items": { "type": "string" } }, "style": "form", "explode": true, "description": "Only guides for everyone or for these audiences; repeatable." }
    ]);
    paths.insert("/api/suggest".into(), json!({
        "get": {
            "summary": "Möjliga lösningar: guides for the text typed so far",
            "description": "Never an error because of the text: any q gives suggestions or an empty list.",
            "tags": ["suggest"],
            "parameters": suggest_parameters,
            "responses": {
                "200": ok("Suggestions, best first", reference("Suggestions")),
                "400": error_response(&[ErrorCode::BadRequest]),
            }
        },
        "post": {
            "summary": "The same, with the parameters as a JSON body (for long texts)",
            "tags": ["suggest"],
            "requestBody": json_body(json!({ "type": "object", "properties": {
                "q": { "type": "string" }, "limit": { "type": "integer" },
                "category": { "type": "array", "items": { "type": "string" } },
                "audience": { "type": "array", "items": { "type": "string" } } } })),
            "responses": {
                "200": ok("Suggestions, best first", reference("Suggestions")),
                "400": error_response(&[ErrorCode::InvalidJson]),
                "413": error_response(&[ErrorCode::PayloadTooLarge]),
            }
        }
    }));
    paths.insert("/api/feedback".into(), json!({ "post": {
        "summary": "Fick du hjälp av guiderna? — store the answer (the text is redacted before it is stored)",
        "tags": ["feedback"],
        "requestBody": json_body(json!({ "type": "object", "required": ["helped"], "properties": {
            "q": { "type": "string" }, "guide": { "type": ["string", "null"] },
            "helped": { "type": "boolean" }, "rank": { "type": ["integer", "null"], "minimum": 1 },
            "filed_anyway": { "type": "boolean" }, "case_number": { "type": ["string", "null"] },
            "shown": { "type": "array", "maxItems": 50, "description": "the ids of the guides the page showed, best first", "items": { "type": "string" } } } })),
        "responses": {
            "201": ok("Stored", json!({ "type": "object", "properties": { "id": { "type": "integer" } } })),
            "404": error_response(&[ErrorCode::GuideNotFound]),
            "400": error_response(&[ErrorCode::InvalidJson, ErrorCode::BadRequest]),
        }
    }}));
    paths.insert("/api/feedback/report".into(), json!({ "get": {
        "summary": "Deflection rate, per-guide figures and content gaps from the feedback learned so far",
        "tags": ["feedback"], "security": admin,
        "parameters": [{ "name": "gaps", "in": "query", "required": false,
            "schema": { "type": "integer", "minimum": 0, "maximum": 1000, "default": 20 } }],
        "responses": {
            "200": ok("The report (vagvisare::feedback::report::Report)", json!({ "type": "object", "properties": {
                "answers": { "type": "integer" }, "deflection_rate": { "type": "number" },
                "guides": { "type": "array" }, "gaps": { "type": "array" }, "weeks": { "type": "array" } } })),
            "400": error_response(&[ErrorCode::BadRequest]),
            "401": error_response(&[ErrorCode::AdminTokenRequired]),
            "403": error_response(&[ErrorCode::GuideEditingDisabled]),
        }
    }}));
    paths.insert("/api/guides".into(), json!({ "post": {
        "summary": "Add or replace many guides, all or nothing",
        "tags": ["guides"], "security": admin,
        "requestBody": json_body(json!({ "type": "array", "items": reference("Guide") })),
        "responses": {
            "200": ok("Stored; this instance's index is up to date, others follow within their poll interval",
                json!({ "type": "object", "properties": { "stored": { "type": "integer" }, "revision": { "type": "integer" } } })),
            "401": error_response(&[ErrorCode::AdminTokenRequired]),
            "403": error_response(&[ErrorCode::GuideEditingDisabled]),
            "422": error_response(&[ErrorCode::InvalidGuide]),
        }
    }}));
    let guide_id =
        json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }]);
    paths.insert("/api/guides/{id}".into(), json!({
        "parameters": guide_id,
        "get": { "summary": "One indexed guide", "tags": ["guides"],
            "responses": { "200": ok("The guide", reference("Guide")), "404": error_response(&[ErrorCode::GuideNotFound]) } },
        "put": { "summary": "Add or replace a guide", "tags": ["guides"], "security": admin,
            "requestBody": json_body(reference("Guide")),
            "responses": { "200": ok("Stored", json!({ "type": "object" })),
                "401": error_response(&[ErrorCode::AdminTokenRequired]),
                "403": error_response(&[ErrorCode::GuideEditingDisabled]),
                "422": error_response(&[ErrorCode::InvalidGuide]) } },
        "delete": { "summary": "Delete a guide", "tags": ["guides"], "security": admin,
            "responses": { "200": ok("Deleted", json!({ "type": "object" })),
                "401": error_response(&[ErrorCode::AdminTokenRequired]),
                "404": error_response(&[ErrorCode::GuideNotFound]) } }
    }));
    paths.insert("/api/cases".into(), json!({
        "get": {
            "summary": "Mina ärenden: the user's drafts, open and closed cases; officers may ask for their organisation's (scope=organisation)",
            "tags": ["cases"], "security": [{ "portalUser": [] }],
            "parameters": [{ "name": "scope", "in": "query", "schema": { "enum": ["mine", "organisation"], "default": "mine" } }],
            "responses": {
                "200": ok("Cases by section", json!({ "type": "object", "properties": {
                    "drafts": { "type": "array", "items": reference("CaseSummary") },
                    "open": { "type": "array", "items": reference("CaseSummary") },
                    "closed": { "type": "array", "items": reference("CaseSummary") } } })),
                "401": error_response(&[ErrorCode::Unauthenticated]),
                "403": error_response(&[ErrorCode::NoAccess]),
            }
        },
        "post": {
            "summary": "File a case through a service (or save a draft with draft: true)",
            "tags": ["cases"], "security": [{ "portalUser": [] }],
            "requestBody": json_body(json!({ "type": "object", "required": ["service"], "properties": {
                "service": { "type": "string", "examples": ["Kontakta Användarstöd", "Medborgarförslag"] },
                "description": { "type": "string" },
                "answers": { "type": "object", "additionalProperties": { "type": "string" } },
                "notify": { "type": "object", "properties": { "email": { "type": "boolean" }, "sms": { "type": "boolean" } } },
                "on_behalf_of": reference("Person"),
                "approvers": { "type": "array", "items": reference("Person") },
                "draft": { "type": "boolean", "default": false } } })),
            "responses": {
                "201": ok("The new case", reference("Case")),
                "401": error_response(&[ErrorCode::Unauthenticated]),
                "409": error_response(&[ErrorCode::TransitionNotAllowed]),
                "422": error_response(&[ErrorCode::UnknownService]),
            }
        }
    }));
    paths.insert("/api/cases/{id}".into(), json!({ "get": {
        "summary": "One case with its overview, history (Ärendehistorik), messages and the commands the user may run",
        "tags": ["cases"], "security": [{ "portalUser": [] }],
        "parameters": [{ "$ref": "#/components/parameters/CaseId" }],
        "responses": {
            "200": ok("The case", reference("Case")),
            "401": error_response(&[ErrorCode::Unauthenticated]),
            "404": error_response(&[ErrorCode::CaseNotFound]),
        }
    }}));
    paths.insert(
        "/api/cases/{id}/submit".into(),
        json!({ "post": case_operation(
        "Submit a draft (the service draws the case number)",
        Some(json!({ "type": "object", "properties": { "expected_version": version_field,
            "description": { "type": "string" }, "answers": { "type": "object" },
            "approvers": { "type": "array", "items": reference("Person") } } }))) }),
    );
    paths.insert("/api/cases/{id}/messages".into(), json!({ "post": case_operation(
        "Send a message on the case",
        Some(json!({ "type": "object", "required": ["text"], "properties": { "expected_version": version_field, "text": { "type": "string" } } }))) }));
    paths.insert("/api/cases/{id}/request-supplement".into(), json!({ "post": case_operation(
        "Ask the requester to supplement the case (officers)",
        Some(json!({ "type": "object", "properties": { "expected_version": version_field, "message": { "type": "string" } } }))) }));
    paths.insert("/api/cases/{id}/supplement".into(), json!({ "post": case_operation(
        "Supplement the case when asked (the requester)",
        Some(json!({ "type": "object", "required": ["answers"], "properties": { "expected_version": version_field, "answers": { "type": "object", "additionalProperties": { "type": "string" } } } }))) }));
    paths.insert("/api/cases/{id}/commands".into(), json!({ "post": case_operation(
        "Run any command of the case model: save_draft, delete_draft, submit, assign, start, request_supplement, supplement, send_message, approve, reject, wait_for_user, user_answered, wait_for_third_party, schedule, close, share",
        Some(json!({ "type": "object", "required": ["command"], "properties": {
            "command": { "type": "string" }, "expected_version": version_field },
            "additionalProperties": true,
            "examples": [{ "command": "assign", "officer": { "id": "julia", "name": "Julia Landsell" } }, { "command": "close", "resolution": "Löst" }] }))) }));
    let mut upload = case_operation(
        "Send a message with one file: the raw body, at most 50 MB",
        None,
    );
    upload["parameters"] = json!([
        { "$ref": "#/components/parameters/CaseId" },
        { "$ref": "#/components/parameters/IfMatch" },
        { "name": "name", "in": "query", "required": true, "schema": { "type": "string" } },
        { "name": "text", "in": "query", "schema": { "type": "string" } },
        { "name": "expected_version", "in": "query", "schema": { "type": "integer" } }
    ]);
    upload["requestBody"] = json!({ "required": true, "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } });
    upload["responses"]["413"] = error_response(&[ErrorCode::AttachmentTooLarge]);
    paths.insert(
        "/api/cases/{id}/attachments".into(),
        json!({ "post": upload }),
    );
    paths.insert("/api/cases/{id}/attachments/{seq}/{index}".into(), json!({ "get": {
        "summary": "Download an attachment", "tags": ["cases"], "security": [{ "portalUser": [] }],
        "parameters": [{ "$ref": "#/components/parameters/CaseId" },
            { "name": "seq", "in": "path", "required": true, "schema": { "type": "integer" } },
            { "name": "index", "in": "path", "required": true, "schema": { "type": "integer" } }],
        "responses": {
            "200": { "description": "The file", "content": { "application/octet-stream": {} } },
            "404": error_response(&[ErrorCode::CaseNotFound, ErrorCode::AttachmentNotFound]),
        }
    }}));

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Vägvisare",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "Swedish guide suggestions and cases (ärenden) for self-service portals. \
                 The acting user comes from headers set by the host portal's authentication proxy \
                 ({USER_HEADER}, {NAME_HEADER}, {ROLE_HEADER}, {ORGANISATION_HEADER}); the service \
                 must only be reachable through that proxy. Every error is a JSON body \
                 {{\"error\": {{\"code\", \"status\", \"message\"}}}} with a code from x-error-codes."
            ),
        },
        "paths": paths,
        "x-error-codes": errors,
        "components": {
            "securitySchemes": {
                "portalUser": { "type": "apiKey", "in": "header", "name": USER_HEADER,
                    "description": format!("Set by the host portal's authentication proxy, never by the browser. Optional: {NAME_HEADER} (percent-encoded UTF-8), {ROLE_HEADER} (requester, officer, approver, third_party), {ORGANISATION_HEADER} (percent-encoded UTF-8).") },
                "adminToken": { "type": "http", "scheme": "bearer", "description": "The admin token from the service's configuration (VAGVISARE_ADMIN_TOKEN)." }
            },
            "parameters": {
                "CaseId": { "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } },
                "IfMatch": { "name": "If-Match", "in": "header", "schema": { "type": "string", "pattern": "^\"[0-9]+\"$" },
                    "description": "The case version the command is based on, as the case's ETag (`\"4\"`): the alternative to `expected_version` (both given must agree). A different current version is version_conflict; with require_version, a command with neither is version_required (428)." }
            },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": {
                    "type": "object", "required": ["code", "status", "message"], "properties": {
                        "code": { "enum": ErrorCode::TABLE.iter().map(|(_, id, ..)| *id).collect::<Vec<_>>() },
                        "status": { "type": "integer" }, "message": { "type": "string" },
                        "current_version": { "type": "integer" },
                        "field": { "type": "string", "description": "the form field an `invalid_answer` is about (its label)" } } } } },
                "Person": { "type": "object", "required": ["id", "name"], "properties": { "id": { "type": "string" }, "name": { "type": "string" } } },
                "Guide": { "type": "object", "required": ["title"], "properties": {
                    "id": { "type": "string" }, "title": { "type": "string" }, "body": { "type": "string" },
                    "category": { "type": "string" }, "audiences": { "type": "array", "items": { "type": "string" } },
                    "keywords": { "type": "array", "items": { "type": "string" } }, "url": { "type": "string" } } },
                "Suggestions": { "type": "object", "properties": {
                    "query_truncated": { "type": "boolean" },
                    "suggestions": { "type": "array", "items": { "type": "object", "properties": {
                        "id": { "type": "string" }, "title": { "type": "string" }, "category": { "type": "string" },
                        "url": { "type": "string" },
                        "snippet": { "type": "object", "properties": { "text": { "type": "string" }, "html": { "type": "string" },
                            "highlights": { "type": "array", "description": "[start, end) of each matched word in text, in characters (Unicode scalar values)", "items": { "type": "array", "items": { "type": "integer" } } },
                            "highlights_utf16": { "type": "array", "description": "the same ranges in UTF-16 code units, for JavaScript's String.slice", "items": { "type": "array", "items": { "type": "integer" } } } } },
                        "matched": { "type": "array", "items": { "type": "object", "properties": {
                            "query": { "type": "string" }, "guide_word": { "type": "string" },
                            "kind": { "enum": ["exact", "stemmed", "folded", "compound_part", "synonym", "typo", "prefix", "learned"] } } } },
                        "score": { "type": "number" } } } } } },
                "CaseSummary": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "number": { "type": ["string", "null"] }, "service": { "type": "string" },
                    "organisation": { "type": "string" }, "status": { "type": "string" }, "status_id": { "type": "string" },
                    "category": { "type": "string" }, "last_event": { "type": ["string", "null"] } } },
                "Case": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "version": { "type": "integer" }, "workflow": { "type": "string" },
                    "number": { "type": ["string", "null"] }, "service": { "type": "string" }, "organisation": { "type": "string" },
                    "status": { "type": "string" }, "status_label": { "type": "string" }, "category": { "type": "string" },
                    "description": { "type": "string" }, "answers": { "type": "object" },
                    "requester": reference("Person"), "officer": { "type": ["object", "null"] },
                    "received_at": { "type": ["string", "null"] }, "due": { "type": ["object", "null"] },
                    "approvals": { "type": "array" }, "shared_with": { "type": "array" },
                    "overview": { "type": "object" },
                    "history": { "type": "array", "items": { "type": "object", "properties": {
                        "event": { "type": "string" }, "details": { "type": "string" }, "date": { "type": "string" },
                        "status": { "type": "string" }, "person": { "type": "string" } } } },
                    "messages": { "type": "array" },
                    "allowed_commands": { "type": "array", "items": { "type": "string" } },
                    "relations": { "type": "array", "items": { "type": "string" } } } }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_every_path_and_every_error_code() {
        let doc = document();
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(paths.len(), PATHS.len());
        for path in PATHS {
            assert!(paths.contains_key(*path), "{path}");
        }
        assert_eq!(
            doc["x-error-codes"].as_array().unwrap().len(),
            ErrorCode::TABLE.len()
        );
    }
}
