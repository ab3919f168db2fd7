//! The request context every service call takes: who is calling, where, and under which
//! correlation id. Identity and access fill in the policy; the shape is fixed now.

/// Credentials a caller presents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A bearer token.
    Bearer(String),
    /// The local operator on the host (the `roster` command line), named by the tool
    /// (`cli`): every permission, audited as `operator:<name>`. Only the host's typed calls
    /// produce it; the REST API never does.
    Operator(String),
}

/// Who is calling, in which account, under which correlation id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestContext {
    /// The caller's credentials, if any.
    pub credentials: Option<Credentials>,
    /// The account the call is scoped to, if any.
    pub account: Option<String>,
    /// Carried into logs and audit records.
    pub correlation_id: String,
}
