//! The errors S3 gives about ACLs, Object Ownership and Block Public Access, with AWS's
//! codes, statuses and messages.

use http::StatusCode;

use crate::error::S3Error;

/// 400 `AccessControlListNotSupported`: the bucket has ACLs disabled.
pub fn acl_not_supported() -> S3Error {
    S3Error::Other {
        status: StatusCode::BAD_REQUEST,
        code: "AccessControlListNotSupported",
        message: "The bucket does not allow ACLs".into(),
    }
}

/// 400 `InvalidBucketAclWithObjectOwnership`: ACLs granting to others on a bucket with
/// (or about to get) `BucketOwnerEnforced`.
pub fn invalid_acl_with_ownership() -> S3Error {
    S3Error::Other {
        status: StatusCode::BAD_REQUEST,
        code: "InvalidBucketAclWithObjectOwnership",
        message: "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"
            .into(),
    }
}

/// 400 `InvalidBucketAclWithBlockPublicAccessError`: a public ACL on a new bucket, whose
/// Block Public Access settings are all on.
pub fn invalid_acl_with_block_public_access() -> S3Error {
    S3Error::Other {
        status: StatusCode::BAD_REQUEST,
        code: "InvalidBucketAclWithBlockPublicAccessError",
        message: "Bucket cannot have public ACLs set with BlockPublicAccess enabled".into(),
    }
}

/// 404 `OwnershipControlsNotFoundError`.
pub fn ownership_controls_not_found() -> S3Error {
    S3Error::Other {
        status: StatusCode::NOT_FOUND,
        code: "OwnershipControlsNotFoundError",
        message: "The bucket ownership controls were not found".into(),
    }
}

/// 404 `NoSuchPublicAccessBlockConfiguration`.
pub fn no_public_access_block() -> S3Error {
    S3Error::Other {
        status: StatusCode::NOT_FOUND,
        code: "NoSuchPublicAccessBlockConfiguration",
        message: "The public access block configuration was not found".into(),
    }
}

/// 403 `AccessDenied`, as Block Public Access refuses.
pub fn access_denied() -> S3Error {
    S3Error::Other {
        status: StatusCode::FORBIDDEN,
        code: "AccessDenied",
        message: "Access Denied".into(),
    }
}
