//! Shared helpers of the table-driven tests: rows of (policies, request, expected decision).

#![allow(dead_code)]

use nimbus_policy::{Decision, Policies, Policy, Principal, Request, evaluate};

/// The policies of one row, as JSON.
#[derive(Clone, Copy, Default)]
pub struct Pol {
    pub resource: Option<&'static str>,
    pub identity: &'static [&'static str],
    pub session: &'static [&'static str],
    pub boundary: Option<&'static str>,
}

/// A resource policy alone.
pub const fn res(p: &'static str) -> Pol {
    Pol {
        resource: Some(p),
        identity: &[],
        session: &[],
        boundary: None,
    }
}

/// Identity policies alone.
pub const fn id(p: &'static [&'static str]) -> Pol {
    Pol {
        resource: None,
        identity: p,
        session: &[],
        boundary: None,
    }
}

/// No policy at all.
pub const NONE: Pol = Pol {
    resource: None,
    identity: &[],
    session: &[],
    boundary: None,
};

impl Pol {
    pub const fn and_id(mut self, p: &'static [&'static str]) -> Pol {
        self.identity = p;
        self
    }
    pub const fn and_res(mut self, p: &'static str) -> Pol {
        self.resource = Some(p);
        self
    }
    pub const fn and_session(mut self, p: &'static [&'static str]) -> Pol {
        self.session = p;
        self
    }
    pub const fn and_boundary(mut self, p: &'static str) -> Pol {
        self.boundary = Some(p);
        self
    }
}

/// One row of a table.
pub struct Row {
    pub name: &'static str,
    pub pol: Pol,
    pub req: Request,
    pub expect: Decision,
}

pub fn row(name: &'static str, pol: Pol, req: Request, expect: Decision) -> Row {
    Row {
        name,
        pol,
        req,
        expect,
    }
}

pub fn root(account: &str) -> Principal {
    Principal::root(account)
}

pub fn user(account: &str, name: &str) -> Principal {
    Principal::user(&format!("arn:aws:iam::{account}:user/{name}"))
}

pub fn session(account: &str, role: &str, name: &str) -> Principal {
    Principal::assumed_role(
        &format!("arn:aws:sts::{account}:assumed-role/{role}/{name}"),
        &format!("arn:aws:iam::{account}:role/{role}"),
    )
}

pub fn anon() -> Principal {
    Principal::anonymous()
}

pub fn svc(name: &str) -> Principal {
    Principal::service(name)
}

/// A request with the keys AWS derives from the caller already in its context.
pub fn q(p: Principal, action: &str, resource: &str, owner: &str) -> Request {
    let ctx = nimbus_policy::Context::new().with_principal_keys(&p);
    Request::new(p, action, resource, owner).with_context(ctx)
}

/// Adding context keys to a request.
pub trait With {
    fn c(self, key: &str, value: &str) -> Request;
    fn cm(self, key: &str, values: &[&str]) -> Request;
    fn without(self, key: &str) -> Request;
}

impl With for Request {
    fn c(mut self, key: &str, value: &str) -> Request {
        self.context.insert(key, value);
        self
    }
    fn cm(mut self, key: &str, values: &[&str]) -> Request {
        self.context
            .insert_multi(key, values.iter().map(|v| (*v).to_owned()).collect());
        self
    }
    fn without(mut self, key: &str) -> Request {
        self.context.remove(key);
        self
    }
}

fn parse_all(
    kind: &str,
    docs: &[&str],
    parse: fn(&str) -> Result<Policy, nimbus_policy::PolicyError>,
) -> Vec<Policy> {
    docs.iter()
        .map(|d| parse(d).unwrap_or_else(|e| panic!("{kind} policy does not parse: {e}\n{d}")))
        .collect()
}

/// Evaluates a row's request under its policies.
pub fn decide(pol: &Pol, req: &Request) -> Decision {
    let identity = parse_all("identity", pol.identity, Policy::identity);
    let session = parse_all("session", pol.session, Policy::identity);
    let resource = pol
        .resource
        .map(|r| parse_all("resource", &[r], Policy::resource).remove(0));
    let boundary = pol
        .boundary
        .map(|b| parse_all("boundary", &[b], Policy::identity).remove(0));
    let policies = Policies {
        identity: &identity,
        resource: resource.as_ref(),
        session: &session,
        boundary: boundary.as_ref(),
    };
    let e = evaluate(req, &policies);
    // Every decision explains itself.
    assert!(!e.to_string().is_empty());
    e.decision
}

/// Runs a table, reporting every failing row at once.
pub fn run(rows: Vec<Row>) -> usize {
    let mut failures = Vec::new();
    for r in &rows {
        let got = decide(&r.pol, &r.req);
        if got != r.expect {
            failures.push(format!("{}: expected {:?}, got {got:?}", r.name, r.expect));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows fail:\n  {}",
        failures.len(),
        rows.len(),
        failures.join("\n  ")
    );
    rows.len()
}
