//! The AWS SDK configuration every client shares: the standard environment (credentials,
//! profile), with the region and a per-service endpoint override for local stand-ins.

/// The shared configuration, with `endpoint_url` (an emulator) when given.
pub async fn sdk_config(region: Option<&str>, endpoint_url: Option<&str>) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region.to_owned()));
    }
    if let Some(endpoint) = endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}
