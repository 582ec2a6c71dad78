//! `info`, and the site-wide methods: work schedules, preferences, subscriptions, navigation,
//! page export.

use crate::client::Client;
use crate::error::Result;
use serde_json::Value;

impl Client {
    /// `info`: the server's version and capabilities. Sent without credentials.
    pub fn info(&self) -> Result<Value> {
        self.call("info", None)
    }
}
