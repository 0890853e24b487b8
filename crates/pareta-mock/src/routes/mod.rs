//! The API listener's router: every `/v1` route, the `/__mock` control
//! routes, and the middleware stack (log, auth, faults, idempotency).

mod chat;
mod endpoints;
mod eval_runs;
mod eval_sets;
mod models;
mod tasks;
mod uploads;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::Response;
use axum::routing::{get, post};

use crate::http::{detail_response, method_not_allowed, not_found_route};
use crate::log::{API_BODY_LIMIT, api_layer, clear_requests, list_requests};
use crate::state::AppState;
use crate::{faults, idempotency, limits, quirks};

/// The API app.
pub(crate) fn api_router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/models", get(models::list))
        .route("/v1/chat/completions", post(chat::create))
        .route("/v1/endpoints", get(endpoints::list).post(endpoints::deploy))
        .route("/v1/endpoints/{id}", get(endpoints::retrieve).delete(endpoints::delete))
        .route("/v1/endpoints/{id}/start", post(endpoints::start))
        .route("/v1/endpoints/{id}/stop", post(endpoints::stop))
        .route("/v1/endpoints/{id}/infer", post(chat::infer))
        .route("/v1/endpoints/{id}/performance", get(endpoints::performance))
        .route("/v1/endpoints/{id}/uptime", get(endpoints::uptime))
        .route("/v1/endpoints/{id}/cost", get(endpoints::cost))
        .route("/v1/endpoints/{id}/quality", get(endpoints::quality))
        .route("/v1/endpoints/{id}/activity", get(endpoints::activity))
        .route("/v1/tasks", get(tasks::list))
        .route("/v1/tasks/match", post(tasks::match_tasks))
        .route("/v1/tasks/{id}", get(tasks::retrieve))
        .route("/v1/tasks/{id}/leaderboard", get(tasks::leaderboard))
        .route("/v1/eval/frontier-models", get(tasks::frontier_models))
        .route("/v1/eval-sets", get(eval_sets::list).post(eval_sets::create))
        .route("/v1/eval-sets/{id}", get(eval_sets::retrieve).delete(eval_sets::delete))
        .route("/v1/eval-sets/{id}/attach-blob", post(uploads::attach_blob))
        .route("/v1/eval-sets/{id}/blob-upload-url", post(uploads::upload_url))
        .route("/v1/eval-sets/{id}/blob-upload-complete", post(uploads::upload_complete))
        .route("/v1/eval-runs", post(eval_runs::create))
        .route("/v1/eval-runs/{id}", get(eval_runs::retrieve))
        .route("/__mock/requests", get(list_requests).delete(clear_requests))
        .fallback(not_found_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(API_BODY_LIMIT))
        .layer(from_fn_with_state(state.clone(), quirks::layer))
        .layer(from_fn_with_state(state.clone(), idempotency::layer))
        .layer(from_fn_with_state(state.clone(), faults::layer))
        .layer(from_fn_with_state(state.clone(), limits::layer))
        .layer(from_fn(auth))
        .layer(from_fn_with_state(state.clone(), api_layer))
        .with_state(state)
}

/// Bearer-key check for every `/v1` route.
async fn auth(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/v1") {
        return next.run(req).await;
    }
    let problem = match req.headers().get(header::AUTHORIZATION) {
        None => Some("Not authenticated: missing Authorization header"),
        Some(value) => {
            let value = value.to_str().unwrap_or_default();
            let key = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).map(str::trim);
            match key.and_then(|k| k.strip_prefix("pareta_sk_")) {
                Some(rest) if !rest.is_empty() => None,
                _ => Some("Invalid API key: expected 'Authorization: Bearer pareta_sk_...'"),
            }
        }
    };
    match problem {
        None => next.run(req).await,
        Some(detail) => {
            let mut resp = detail_response(StatusCode::UNAUTHORIZED, detail);
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            resp
        }
    }
}
