//! GetAccountSettings.

use serde_json::{Value, json};

use crate::code::{MAX_UNZIPPED_BYTES, MAX_ZIPPED_BYTES};
use crate::error::LambdaError;
use crate::runtime::ACCOUNT_CONCURRENCY;
use crate::{Ctx, LambdaService};

/// AWS's default total code storage per account (75 GB).
pub const TOTAL_CODE_SIZE: u64 = 80_530_636_800;

impl LambdaService {
    /// GetAccountSettings.
    pub async fn get_account_settings(&self, ctx: &Ctx<'_>) -> Result<Value, LambdaError> {
        let functions = self.store.list(ctx.account, ctx.region);
        let reserved: u32 = functions
            .iter()
            .filter_map(|f| f.reserved_concurrency)
            .sum();
        let code: u64 = functions.iter().map(|f| f.code_size).sum();
        Ok(json!({
            "AccountLimit": {
                "TotalCodeSize": TOTAL_CODE_SIZE,
                "CodeSizeUnzipped": MAX_UNZIPPED_BYTES,
                "CodeSizeZipped": MAX_ZIPPED_BYTES,
                "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
                "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENCY.saturating_sub(reserved),
            },
            "AccountUsage": {
                "TotalCodeSize": code,
                "FunctionCount": functions.len(),
            },
        }))
    }
}
