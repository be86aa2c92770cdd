//! Amazon SQS for nimbus. (Being built: see issue 3.)

use std::sync::Arc;

use async_trait::async_trait;
use nimbus_core::ServiceEnv;
use nimbus_wire::error::{ErrorStyle, render};
use nimbus_wire::{Request, Response, Service, ServiceError, ServiceId};

/// The SQS service as the gateway sees it.
pub struct SqsService {
    _env: ServiceEnv,
}

impl SqsService {
    /// Opens SQS's storage in `env` and starts its background work.
    pub fn open(
        env: &ServiceEnv,
    ) -> Result<Arc<SqsService>, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Arc::new(SqsService { _env: env.clone() }))
    }
}

#[async_trait]
impl Service for SqsService {
    fn id(&self) -> ServiceId {
        ServiceId::Sqs
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle {
            json_namespace: Some("com.amazonaws.sqs"),
            query_xmlns: Some("http://queue.amazonaws.com/doc/2012-11-05/"),
            json_capital_message: false,
        }
    }

    async fn handle(&self, req: Request) -> Response {
        let err = ServiceError::bad_request("InvalidAction", "SQS is not implemented yet")
            .with_query_code("AWS.SimpleQueueService.UnsupportedOperation");
        render(
            req.protocol,
            self.error_style(),
            &err,
            &req.ctx.request_id,
            false,
        )
    }
}
