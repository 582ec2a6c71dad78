//! Pipeline programs built on sg-runtime (coming with the typed API): each runs against the local
//! api3 server by default, or a real site when `SG_SITE` and credentials are set.
