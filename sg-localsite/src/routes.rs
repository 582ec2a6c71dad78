//! Where a request goes: the api3 endpoint (`api/`), a REST route (`api/rest.rs`) or a file route
//! (`api/files.rs`), the last two each with
//! its fault played at the one seam ([`crate::faults::play`]); anything else is 404 or 405.

use crate::faults;
use crate::http::{Request, Response};
use crate::Shared;
use sg_api3::routes::API3_PATH;
use std::io;
use std::net::TcpStream;

/// Answers `req`; `Ok(false)` when the connection was closed on purpose.
pub(crate) fn serve(stream: &mut TcpStream, shared: &Shared, req: &Request) -> io::Result<bool> {
    // The round trip of a link: on this connection's thread, so requests wait side by side.
    if !shared.latency.is_zero() {
        std::thread::sleep(shared.latency);
    }
    if let Some(answer) = crate::api::rest::serve(shared, req) {
        return answer.write(stream, req.close).map(|()| true);
    }
    // The query is ignored, so that a redirect to `/api3/json?moved` lands here again.
    if let Some(route) = crate::api::files::route_name(&req.path) {
        let fault = shared.next_fault(route);
        shared.record_route(req, route, fault.as_ref());
        return faults::play(stream, fault, req.close, "text/plain", || {
            shared.serve_file_route(req, route)
        });
    }
    if req.path.split('?').next() != Some(API3_PATH) {
        Response::text(404, "not found").write(stream, req.close)?;
        return Ok(true);
    }
    if req.method != "POST" {
        Response::text(405, "api3 takes POST").write(stream, req.close)?;
        return Ok(true);
    }
    // Read once: the method (for faults and the log), AUTH, then the params.
    let envelope = crate::api::Envelope::read(&req.body);
    let method = envelope
        .as_ref()
        .map(|e| e.method.clone())
        .unwrap_or_default();
    let fault = shared.next_fault(&method);
    shared.record(req, envelope.as_ref().ok(), fault.as_ref());
    faults::play(stream, fault, req.close, "application/json", || {
        Response::with(
            200,
            "application/json",
            shared.handle(envelope).into_bytes(),
        )
    })
}
