//! A local api3 server.
