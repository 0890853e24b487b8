//! `pa.models()`.

use crate::common::*;
use httpmock::MockServer;

#[test]
fn models_list() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/models");
        ok(
            then,
            r#"{"object":"list","data":[{"id":"ep_contract_kie","owned_by":"pareta","created":1767225600},{"id":"ep_2","owned_by":"pareta","created":null}]}"#,
        );
    });
    let list = client(&server.base_url()).models().list().block().unwrap();
    m.assert();
    assert_eq!(list.len(), 2);
    assert_eq!(list.data[0].id, "ep_contract_kie");
    assert_eq!(list.data[0].owned_by.as_deref(), Some("pareta"));
    assert_eq!(list.data[0].created, Some(1_767_225_600));
    assert_eq!(list.data[1].created, None);
    assert_eq!(list.meta().request_id(), Some("req_1"));
}
