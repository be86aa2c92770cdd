//! S3's documented limits.

/// Largest object a single PutObject (or UploadPart) may carry: 5 GiB.
pub const MAX_PUT_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// Largest object a multipart upload may assemble: 5 TiB (48.8 TiB since 2025; the classic
/// limit is kept).
pub const MAX_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * 1024 * 1024;
/// Smallest part other than the last: 5 MiB.
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// Highest part number.
pub const MAX_PART_NUMBER: u32 = 10_000;
/// Longest key, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;
/// Most keys a list page returns.
pub const MAX_KEYS: usize = 1000;
/// Most keys one DeleteObjects request may name.
pub const MAX_DELETE_KEYS: usize = 1000;
/// Most tags on an object.
pub const MAX_OBJECT_TAGS: usize = 10;
/// Most tags on a bucket.
pub const MAX_BUCKET_TAGS: usize = 50;
/// Largest user metadata (`x-amz-meta-*` names and values), in bytes.
pub const MAX_USER_METADATA: usize = 2 * 1024;
/// Largest XML configuration document accepted (tagging, CORS, notifications, policy…).
pub const MAX_CONFIG_BODY: usize = 1024 * 1024;
/// Largest bucket policy: 20 KB.
pub const MAX_POLICY_BYTES: usize = 20 * 1024;
/// Most CORS rules.
pub const MAX_CORS_RULES: usize = 100;
/// Buckets per account (AWS's default quota is now 10,000).
pub const MAX_BUCKETS: usize = 10_000;
