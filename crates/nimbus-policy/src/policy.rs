//! A policy document, parsed and validated once (`Version`, `Id`, `Statement` as an object
//! or an array) into the compiled form every evaluation reuses.

use serde_json::Value;

use crate::error::{PolicyError, PolicyErrorKind as K, err};
use crate::keyset::KeySet;
use crate::request::RequestView;
use crate::statement::{Effect, PolicyKind, Statement};

/// The policy language version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
    /// `2008-10-17`, and the default when `Version` is absent: `${…}` is literal text.
    V2008_10_17,
}

/// A compiled policy document.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    version: Version,
    id: Option<String>,
    kind: PolicyKind,
    pub(crate) statements: Vec<Statement>,
    /// The context keys the statements read, collected at parse time.
    reads: KeySet,
    /// The context keys the `Deny` statements read.
    deny_reads: KeySet,
    /// Whether some statement is a `Deny`.
    has_deny: bool,
    /// [`Policy::is_public`], decided at parse time.
    public: bool,
}

impl Policy {
    /// Parses and validates `json` as a policy of `kind`, as AWS would on `PutBucketPolicy`,
    /// `SetQueueAttributes`, `PutRolePolicy`…
    pub fn parse(json: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        if !json.trim_start().starts_with('{') {
            return err(K::InvalidJson);
        }
        let doc: Value =
            serde_json::from_str(json).map_err(|_| PolicyError::new(K::InvalidJson))?;
        let Value::Object(top) = doc else {
            return err(K::InvalidJson);
        };
        if let Some(k) = top
            .keys()
            .find(|k| !matches!(k.as_str(), "Version" | "Id" | "Statement"))
        {
            return err(K::UnknownField(k.clone()));
        }
        let version = match top.get("Version") {
            None => Version::V2008_10_17,
            Some(Value::String(v)) if v == "2012-10-17" => Version::V2012_10_17,
            Some(Value::String(v)) if v == "2008-10-17" => Version::V2008_10_17,
            Some(_) => return err(K::InvalidVersion),
        };
        let id = match top.get("Id") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return err(K::InvalidJson),
        };
        let items: Vec<&serde_json::Map<String, Value>> = match top.get("Statement") {
            None => return err(K::MissingStatement),
            Some(Value::Object(m)) => vec![m],
            Some(Value::Array(a)) if a.is_empty() => return err(K::EmptyStatement),
            Some(Value::Array(a)) => {
                let mut out = Vec::with_capacity(a.len());
                for s in a {
                    match s {
                        Value::Object(m) => out.push(m),
                        _ => return err(K::InvalidJson),
                    }
                }
                out
            }
            Some(_) => return err(K::InvalidJson),
        };
        let variables = version == Version::V2012_10_17;
        let mut statements = Vec::with_capacity(items.len());
        for m in items {
            let s = Statement::parse(m, kind, variables)?;
            // IAM requires unique Sids; in resource policies (SQS, SNS, S3) a Sid is only a
            // sub-id of the document (reference_policies_elements_sid.html).
            if kind == PolicyKind::Identity
                && let Some(sid) = &s.sid
                && statements
                    .iter()
                    .any(|o: &Statement| o.sid.as_ref() == Some(sid))
            {
                return err(K::DuplicateSid);
            }
            statements.push(s);
        }
        let (mut reads, mut deny_reads) = (KeySet::default(), KeySet::default());
        for s in &statements {
            s.read_keys(&mut reads);
            if s.effect == Effect::Deny {
                s.read_keys(&mut deny_reads);
            }
        }
        Ok(Policy {
            version,
            id,
            kind,
            has_deny: statements.iter().any(|s| s.effect == Effect::Deny),
            public: statements.iter().any(Statement::is_public),
            statements,
            reads,
            deny_reads,
        })
    }

    /// [`Policy::parse`] for an identity, session or boundary policy.
    pub fn identity(json: &str) -> Result<Policy, PolicyError> {
        Policy::parse(json, PolicyKind::Identity)
    }

    /// [`Policy::parse`] for a resource policy (bucket, queue, function, trust policy).
    pub fn resource(json: &str) -> Result<Policy, PolicyError> {
        Policy::parse(json, PolicyKind::Resource)
    }

    /// The language version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The `Id`, if any.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The kind the policy was parsed as.
    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    /// The number of statements.
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    /// Whether the policy has no statement (never true of a parsed policy).
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// The `Sid` of statement `index`.
    pub fn sid(&self, index: usize) -> Option<&str> {
        self.statements.get(index).and_then(|s| s.sid.as_deref())
    }

    /// The `Effect` of statement `index`.
    pub fn effect(&self, index: usize) -> Option<Effect> {
        self.statements.get(index).map(|s| s.effect)
    }

    /// Whether any statement is a `Deny`: a policy without one can only grant, so it cannot
    /// change the answer for a caller already allowed (the owner's root user).
    pub fn has_deny(&self) -> bool {
        self.has_deny
    }

    /// The condition keys the policy reads (condition keys and policy variables,
    /// lower-cased), known since parsing: a key outside this set cannot change a decision.
    pub fn reads(&self) -> &KeySet {
        &self.reads
    }

    /// The condition keys the `Deny` statements read: all that [`Policy::applicable_deny`]
    /// needs.
    pub fn deny_reads(&self) -> &KeySet {
        &self.deny_reads
    }

    /// The index of the first `Deny` statement that applies to `req`, looking at no `Allow`
    /// statement. For a caller whose own side allows everything in the resource's account
    /// (the owner's root, or an unrestricted principal of that account), this alone decides:
    /// a deny here is [`evaluate`](crate::evaluate)'s `ExplicitDeny`, none its `Allow`.
    pub fn applicable_deny(&self, req: &RequestView<'_>) -> Option<usize> {
        if !self.has_deny {
            return None;
        }
        self.statements
            .iter()
            .position(|s| s.effect == Effect::Deny && s.applies(req).is_some())
    }

    /// Whether the policy reads `key` (any case): in a condition, or as a policy variable.
    pub fn reads_key(&self, key: &str) -> bool {
        self.reads.contains(key)
    }

    /// Whether the policy reads any condition key at all: when not, its decisions need no
    /// context.
    pub fn reads_any_condition_key(&self) -> bool {
        !self.reads.is_empty()
    }

    /// Whether some `Allow` statement names everyone (`Principal: "*"` or a `NotPrincipal`)
    /// without a condition: the coarse test behind S3's `PolicyStatus.IsPublic` (AWS also
    /// counts conditions that leave the grant open; the service refines this).
    pub fn grants_everyone_unconditionally(&self) -> bool {
        self.statements
            .iter()
            .any(|s| s.effect == Effect::Allow && s.names_everyone() && !s.has_condition())
    }

    /// Whether the policy is public in S3's sense ("The meaning of public" in the S3 User
    /// Guide; `PolicyStatus.IsPublic`, Block Public Access): some `Allow` statement names
    /// everyone (`"*"` or through `NotPrincipal`) without a condition that limits it to fixed
    /// values of `aws:SourceArn`, `aws:SourceVpc(e)`, `aws:SourceOwner`, `aws:SourceAccount`,
    /// `aws:PrincipalAccount`, `aws:PrincipalOrgID`, `aws:userid`,
    /// `s3:x-amz-server-side-encryption-aws-kms-key-id`, or to `aws:SourceIp` blocks no wider
    /// than /8 (IPv4) or /32 (IPv6).
    pub fn is_public(&self) -> bool {
        self.public
    }
}
