//! PutFunctionConcurrency, GetFunctionConcurrency, DeleteFunctionConcurrency: reserved
//! concurrency, enforced on Invoke (`TooManyRequestsException` with
//! `ReservedFunctionConcurrentInvocationLimitExceeded`).

use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{LambdaError, LambdaErrorCode};
use crate::runtime::{ACCOUNT_CONCURRENCY, MIN_UNRESERVED};
use crate::{Ctx, LambdaService};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct PutConcurrencyInput {
    reserved_concurrent_executions: Option<i64>,
}

impl LambdaService {
    /// PutFunctionConcurrency.
    pub async fn put_function_concurrency(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        body: &[u8],
    ) -> Result<Value, LambdaError> {
        let key = self.resolve(ctx, name, None)?;
        let input: PutConcurrencyInput = super::parse_body(body)?;
        let n = input.reserved_concurrent_executions.ok_or_else(|| {
            LambdaError::validation(
                "null",
                "reservedConcurrentExecutions",
                "Member must not be null",
            )
        })?;
        if n < 0 {
            return Err(LambdaError::validation(
                &n.to_string(),
                "reservedConcurrentExecutions",
                "Member must have value greater than or equal to 0",
            ));
        }
        self.function(&key)?;
        let others: i64 = self
            .store
            .list(&key.account, &key.region)
            .iter()
            .filter(|f| f.key != key)
            .filter_map(|f| f.reserved_concurrency)
            .map(i64::from)
            .sum();
        if i64::from(ACCOUNT_CONCURRENCY) - others - n < i64::from(MIN_UNRESERVED) {
            return Err(LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                format!(
                    "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}]."
                ),
            ));
        }
        self.store.update(&key, |rec| {
            rec.reserved_concurrency = Some(n as u32);
            Ok(())
        })?;
        Ok(json!({ "ReservedConcurrentExecutions": n }))
    }

    /// GetFunctionConcurrency.
    pub async fn get_function_concurrency(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
    ) -> Result<Value, LambdaError> {
        let key = self.resolve(ctx, name, None)?;
        let rec = self.function(&key)?;
        Ok(match rec.reserved_concurrency {
            Some(n) => json!({ "ReservedConcurrentExecutions": n }),
            None => json!({}),
        })
    }

    /// DeleteFunctionConcurrency.
    pub async fn delete_function_concurrency(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
    ) -> Result<(), LambdaError> {
        let key = self.resolve(ctx, name, None)?;
        self.store.update(&key, |rec| {
            rec.reserved_concurrency = None;
            Ok(())
        })?;
        Ok(())
    }
}
