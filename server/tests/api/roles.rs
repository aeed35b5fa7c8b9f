//! The role matrix over every supervisor and admin endpoint: an agent is refused all of them, a
//! supervisor reaches the supervisors' and is refused the admins'.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

/// (method, path, body) of every endpoint that needs the supervisor role.
fn supervisor_endpoints(team_reply: &str) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/v1/agent/floor".into(), None),
        (Method::GET, "/v1/agent/gaps".into(), None),
        (Method::GET, "/v1/agent/gaps/export".into(), None),
        (Method::PUT, "/v1/agent/gaps/no-such-gap".into(), Some(json!({"topic": "late_fee"}))),
        (Method::POST, "/v1/agent/canned".into(), Some(json!({"scope": "team", "locale": "en", "shortcut": "x-team", "title": "X", "body": "Hello"}))),
        (Method::PUT, format!("/v1/agent/canned/{team_reply}"), Some(json!({"locale": "en", "shortcut": "x-edit", "title": "X", "body": "Hello"}))),
        (Method::DELETE, format!("/v1/agent/canned/{team_reply}"), None),
    ]
}

/// Every endpoint that needs the admin role.
fn admin_endpoints() -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/v1/admin/merchants".into(), None),
        (Method::POST, "/v1/admin/merchants".into(), Some(json!({"id": "x-shop", "name": "X", "allowed_origins": ["https://x.example"]}))),
        (Method::PATCH, "/v1/admin/merchants/nordic-outdoor".into(), Some(json!({"name": "Y"}))),
        (Method::DELETE, "/v1/admin/merchants/nordic-outdoor".into(), None),
        (Method::GET, "/v1/admin/agents".into(), None),
        (Method::POST, "/v1/admin/agents".into(), Some(json!({"email": "x@example.com", "display_name": "X", "password": "a long enough password"}))),
        (Method::PUT, "/v1/admin/agents/sam@fjordpay.example/role".into(), Some(json!({"role": "agent"}))),
        (Method::PUT, "/v1/admin/agents/sam@fjordpay.example/languages".into(), Some(json!({"languages": ["en"]}))),
        (Method::POST, "/v1/admin/agents/sam@fjordpay.example/disable".into(), None),
        (Method::POST, "/v1/admin/agents/sam@fjordpay.example/enable".into(), None),
        (Method::GET, "/v1/admin/shoppers/alex".into(), None),
        (Method::DELETE, "/v1/admin/shoppers/alex".into(), None),
    ]
}

async fn call(app: &TestApp, agent: &Agent, (method, path, body): &(Method, String, Option<Value>)) -> StatusCode {
    let mut req = app.agent_req(agent, method.clone(), path).header("origin", app.base.clone());
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.unwrap().status()
}

#[tokio::test]
async fn every_supervisor_and_admin_endpoint_checks_the_role() {
    let app = spawn_app().await;
    let sam = app.agent_login(0).await; // admin
    let kim = app.agent_login(1).await; // agent
    let canned: Value = app.agent_req(&sam, Method::GET, "/v1/agent/canned").send().await.unwrap().json().await.unwrap();
    let team_reply = canned.as_array().unwrap().iter().find(|c| c["scope"] == "team").expect("the demo has team replies")["id"].as_str().unwrap().to_string();

    for endpoint in supervisor_endpoints(&team_reply).iter().chain(admin_endpoints().iter()) {
        assert_eq!(call(&app, &kim, endpoint).await, StatusCode::FORBIDDEN, "an agent reached {} {}", endpoint.0, endpoint.1);
    }
    // Nothing changed: the team reply and the merchant are still there, Sam still an admin.
    let canned: Value = app.agent_req(&kim, Method::GET, "/v1/agent/canned").send().await.unwrap().json().await.unwrap();
    assert!(canned.as_array().unwrap().iter().any(|c| c["id"] == team_reply.as_str()));
    assert_eq!(app.agent_req(&sam, Method::GET, "/v1/agent/me").send().await.unwrap().json::<Value>().await.unwrap()["role"], "admin");

    // Kim becomes a supervisor: the supervisors' endpoints answer (whatever else they say), the
    // admins' still refuse.
    let res = app.agent_req(&sam, Method::PUT, "/v1/admin/agents/kim@fjordpay.example/role").header("origin", app.base.clone()).json(&json!({"role": "supervisor"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for endpoint in supervisor_endpoints(&team_reply) {
        let status = call(&app, &kim, &endpoint).await;
        assert_ne!(status, StatusCode::FORBIDDEN, "a supervisor was refused {} {}", endpoint.0, endpoint.1);
        assert!(status != StatusCode::UNAUTHORIZED && !status.is_server_error(), "{} {}: {status}", endpoint.0, endpoint.1);
    }
    for endpoint in admin_endpoints() {
        assert_eq!(call(&app, &kim, &endpoint).await, StatusCode::FORBIDDEN, "a supervisor reached {} {}", endpoint.0, endpoint.1);
    }
}
