//! The routes a site serves besides `/api3/json`: the upload forms and an attachment's
//! download. The client posts to them (sg-runtime's `api/files.rs`), the local site serves them
//! (sg-localsite's `api/files.rs`), and whether a failed post may be repeated is said here once.

/// The api3 endpoint.
pub const API3_PATH: &str = "/api3/json";

/// An upload route: a form posted to `/upload/{name}` (the official client's `_send_form`,
/// `_upload_to_sg` and `_upload_to_storage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadRoute {
    /// The route's name, the last part of its path.
    pub name: &'static str,
    /// Whether a post whose fate is unknown may be repeated: asking for links and completing a
    /// multipart upload change nothing a repeat would double; the routes that make the
    /// Attachment (or change a thumbnail) are never repeated blind.
    pub repeatable: bool,
}

impl UploadRoute {
    /// The direct route: a file, as multipart/form-data, made an Attachment.
    pub const UPLOAD_FILE: UploadRoute = UploadRoute {
        name: "upload_file",
        repeatable: false,
    };
    /// The direct route for a thumbnail (or a filmstrip).
    pub const PUBLISH_THUMBNAIL: UploadRoute = UploadRoute {
        name: "publish_thumbnail",
        repeatable: false,
    };
    /// One thumbnail shared by several records.
    pub const SHARE_THUMBNAIL: UploadRoute = UploadRoute {
        name: "share_thumbnail",
        repeatable: false,
    };
    /// The cloud route: a link to upload to.
    pub const UPLOAD_LINK_INFO: UploadRoute = UploadRoute {
        name: "api_get_upload_link_info",
        repeatable: true,
    };
    /// The cloud route: a link for one part of a multipart upload.
    pub const UPLOAD_LINK_FOR_PART: UploadRoute = UploadRoute {
        name: "api_get_upload_link_for_part",
        repeatable: true,
    };
    /// The cloud route: the parts of a multipart upload put together.
    pub const COMPLETE_MULTIPART_UPLOAD: UploadRoute = UploadRoute {
        name: "api_complete_multipart_upload",
        repeatable: true,
    };
    /// The cloud route: the uploaded file made an Attachment (or a thumbnail).
    pub const LINK_FILE: UploadRoute = UploadRoute {
        name: "api_link_file",
        repeatable: false,
    };

    /// Every upload route.
    pub const ALL: &'static [UploadRoute] = &[
        UploadRoute::UPLOAD_FILE,
        UploadRoute::PUBLISH_THUMBNAIL,
        UploadRoute::SHARE_THUMBNAIL,
        UploadRoute::UPLOAD_LINK_INFO,
        UploadRoute::UPLOAD_LINK_FOR_PART,
        UploadRoute::COMPLETE_MULTIPART_UPLOAD,
        UploadRoute::LINK_FILE,
    ];

    /// The route's path: `/upload/{name}`.
    pub fn path(self) -> String {
        format!("/upload/{}", self.name)
    }

    /// The route a request path (its query aside) names.
    pub fn of_path(path: &str) -> Option<UploadRoute> {
        let name = path.split('?').next()?.strip_prefix("/upload/")?;
        UploadRoute::ALL.iter().copied().find(|r| r.name == name)
    }
}

/// Where an attachment's bytes are downloaded from, on the site.
pub const DOWNLOAD_PREFIX: &str = "/file_serve/attachment/";

/// The download path of attachment `id`.
pub fn download_path(id: i64) -> String {
    format!("{DOWNLOAD_PREFIX}{id}")
}

/// The REST API's token route (`/api/v1/auth/access_token`): a form POST with
/// `grant_type=client_credentials`, `client_id` (the script name) and `client_secret` (its key),
/// or `grant_type=password` with `username` and `password`; answered
/// `{"token_type": "Bearer", "access_token": ..., "expires_in": seconds, "refresh_token": ...}`.
pub const REST_ACCESS_TOKEN_PATH: &str = "/api/v1/auth/access_token";

/// The longest acknowledgement a webhook delivery takes, in bytes.
pub const MAX_ACKNOWLEDGEMENT_BYTES: usize = 4096;

/// Where a webhook delivery is acknowledged (REST): a `PUT` of
/// `{"acknowledgement": text}` with a bearer token.
pub fn webhook_delivery_path(delivery_id: &str) -> String {
    format!("/api/v1/webhook/deliveries/{delivery_id}")
}

/// The delivery id a [`webhook_delivery_path`] names.
pub fn webhook_delivery_of_path(path: &str) -> Option<&str> {
    path.split('?')
        .next()?
        .strip_prefix("/api/v1/webhook/deliveries/")
        .filter(|id| !id.is_empty() && !id.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_reads_back_from_its_path() {
        for r in UploadRoute::ALL {
            assert_eq!(UploadRoute::of_path(&r.path()), Some(*r));
            assert_eq!(UploadRoute::of_path(&format!("{}?x=1", r.path())), Some(*r));
        }
        assert_eq!(UploadRoute::of_path("/upload/nothing"), None);
        assert_eq!(UploadRoute::of_path(API3_PATH), None);
    }
}
