//! IAM and STS for nimbus. (Being built.)

use std::sync::Arc;

use async_trait::async_trait;
use nimbus_core::ServiceEnv;
use nimbus_wire::error::{ErrorStyle, render};
use nimbus_wire::{Request, Response, Service, ServiceError, ServiceId};

/// IAM as the gateway sees it.
pub struct IamService {
    _env: ServiceEnv,
}

impl IamService {
    /// Opens IAM's storage in `env`.
    pub fn open(
        env: &ServiceEnv,
    ) -> Result<Arc<IamService>, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Arc::new(IamService { _env: env.clone() }))
    }
}

#[async_trait]
impl Service for IamService {
    fn id(&self) -> ServiceId {
        ServiceId::Iam
    }

    async fn handle(&self, req: Request) -> Response {
        let err = ServiceError::bad_request("InvalidAction", "IAM is not implemented yet");
        render(
            req.protocol,
            ErrorStyle::default(),
            &err,
            &req.ctx.request_id,
            false,
        )
    }
}

/// STS as the gateway sees it.
pub struct StsService {
    _env: ServiceEnv,
}

impl StsService {
    /// STS keeps no state.
    pub fn open(
        env: &ServiceEnv,
    ) -> Result<Arc<StsService>, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Arc::new(StsService { _env: env.clone() }))
    }
}

#[async_trait]
impl Service for StsService {
    fn id(&self) -> ServiceId {
        ServiceId::Sts
    }

    async fn handle(&self, req: Request) -> Response {
        let err = ServiceError::bad_request("InvalidAction", "STS is not implemented yet");
        render(
            req.protocol,
            ErrorStyle::default(),
            &err,
            &req.ctx.request_id,
            false,
        )
    }
}
