//! Extractors that turn anything a client sends into either a typed value or the project's JSON error:
//! bodies (media type, size, syntax, types, unknown fields), path ids, query strings and idempotency keys.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use lanban_core::api::ErrorCode;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The `Idempotency-Key` of a mutation, with a hash of the request it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    /// The client's key (1–200 visible ASCII characters).
    pub key: String,
    /// SHA-256 over method, path and body: a retry must match it exactly.
    pub request_hash: [u8; 32],
}

/// Longest idempotency key accepted.
const MAX_IDEMPOTENCY_KEY: usize = 200;

impl IdempotencyKey {
    fn new(key: String, method: &Method, path: &str, body: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(method.as_str().as_bytes());
        hasher.update(b" ");
        hasher.update(path.as_bytes());
        hasher.update(b"\n");
        hasher.update(body);
        Self {
            key,
            request_hash: hasher.finalize().into(),
        }
    }
}

fn idempotency_header(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .filter(|k| {
            !k.is_empty()
                && k.len() <= MAX_IDEMPOTENCY_KEY
                && k.bytes().all(|b| b.is_ascii_graphic())
        })
        .map(|k| Some(k.to_owned()))
        .ok_or_else(|| {
            ApiError::invalid("Idempotency-Key", "must be 1–200 visible ASCII characters")
        })
}

/// A JSON body, checked and decoded, with the request's idempotency key if it has one.
pub struct JsonBody<T> {
    pub value: T,
    pub idempotency: Option<IdempotencyKey>,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "the body must be JSON, sent with Content-Type: application/json",
            ));
        }
        let key = idempotency_header(req.headers())?;
        let (method, path) = (req.method().clone(), req.uri().path().to_owned());
        let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
        let idempotency = key.map(|key| IdempotencyKey::new(key, &method, &path, &bytes));
        let value = decode(&bytes)?;
        Ok(JsonBody { value, idempotency })
    }
}

/// Decodes JSON, telling syntax (400) from shape (422, naming the field).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // serde would read a struct from an array too; every body of this API is an object.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) => Err(ApiError::invalid("body", "must be a JSON object")),
            Err(err) => Err(json_error("", &err)),
        };
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = match result {
        Ok(value) => value,
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            return Err(json_error(&path, &inner));
        }
    };
    de.end().map_err(|e| json_error("", &e))?;
    Ok(value)
}

fn json_error(path: &str, err: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match err.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::new(
            ErrorCode::MalformedJson,
            format!("the body is not valid JSON: {err}"),
        ),
        Category::Data => {
            let field = if path.is_empty() || path == "." {
                named_field(err).unwrap_or_else(|| "body".to_owned())
            } else {
                path.to_owned()
            };
            ApiError::invalid(field, strip_position(&err.to_string()))
        }
    }
}

/// serde names an unknown or missing field only in its message: "unknown field `x`, expected …",
/// "missing field `x`".
fn named_field(err: &serde_json::Error) -> Option<String> {
    let text = err.to_string();
    let rest = text
        .strip_prefix("unknown field `")
        .or_else(|| text.strip_prefix("missing field `"))?;
    Some(rest.split('`').next()?.to_owned())
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

fn body_error(rejection: BytesRejection) -> ApiError {
    if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "the body is larger than this route accepts ({} bytes; {} for a board package)",
                lanban_core::validate::MAX_BODY_BYTES,
                lanban_core::validate::MAX_PACKAGE_BYTES
            ),
        )
    } else {
        ApiError::new(
            ErrorCode::MalformedJson,
            format!("the body could not be read: {rejection}"),
        )
    }
}

/// The idempotency key of a mutation without a body (DELETE, rotate).
pub struct Idempotency(pub Option<IdempotencyKey>);

impl<S: Send + Sync> FromRequestParts<S> for Idempotency {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let key = idempotency_header(&parts.headers)?;
        Ok(Idempotency(key.map(|key| {
            IdempotencyKey::new(key, &parts.method, parts.uri.path(), b"")
        })))
    }
}

/// One id from the path; a malformed id names nothing, so it is a 404 like any unknown id.
pub struct PathId<T>(pub T);

impl<S: Send + Sync, T: std::str::FromStr + Send> FromRequestParts<S> for PathId<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::not_found("resource"))?;
        raw.parse()
            .map(PathId)
            .map_err(|_| ApiError::not_found("resource"))
    }
}

/// Two ids from the path, e.g. `/boards/{board}/members/{member}`.
pub struct PathIds<A, B>(pub A, pub B);

impl<S: Send + Sync, A: std::str::FromStr + Send, B: std::str::FromStr + Send> FromRequestParts<S>
    for PathIds<A, B>
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path((a, b)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::not_found("resource"))?;
        match (a.parse(), b.parse()) {
            (Ok(a), Ok(b)) => Ok(PathIds(a, b)),
            _ => Err(ApiError::not_found("resource")),
        }
    }
}

/// A query string decoded into `T`; a bad value is 422 naming the parameter.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        let result: Result<T, _> = serde_path_to_error::deserialize(de);
        result.map(QueryParams).map_err(|err| {
            let path = err.path().to_string();
            let field = if path.is_empty() || path == "." {
                "query".to_owned()
            } else {
                path
            };
            ApiError::invalid(field, err.into_inner().to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lanban_core::api::CreateCard;

    fn field_of(body: &str) -> (ErrorCode, Option<String>) {
        let err = decode::<CreateCard>(body.as_bytes()).err().unwrap();
        let body = err.body();
        (body.error.code, body.error.field)
    }

    #[test]
    fn bodies_fail_with_the_right_code_and_field() {
        assert_eq!(field_of("{"), (ErrorCode::MalformedJson, None));
        assert_eq!(
            field_of("{\"title\":\"a\"} x"),
            (ErrorCode::MalformedJson, None)
        );
        assert_eq!(
            field_of("[1]"),
            (ErrorCode::ValidationFailed, Some("body".into()))
        );
        assert_eq!(
            field_of("{}"),
            (ErrorCode::ValidationFailed, Some("title".into()))
        );
        assert_eq!(
            field_of(r#"{"title":1}"#),
            (ErrorCode::ValidationFailed, Some("title".into()))
        );
        assert_eq!(
            field_of(r#"{"title":"a","colour":"red"}"#),
            (ErrorCode::ValidationFailed, Some("colour".into()))
        );
        assert_eq!(
            field_of(r#"{"title":"a","labels":[{"name":"x","color":7}]}"#),
            (ErrorCode::ValidationFailed, Some("labels[0].color".into()))
        );
        assert_eq!(
            field_of(r#"{"title":"a","assignee_id":"nope"}"#),
            (ErrorCode::ValidationFailed, Some("assignee_id".into()))
        );
        assert!(decode::<CreateCard>(br#"{"title":"a"}"#).is_ok());
    }
}
