//! Publishing to Kafka (any Kafka-API broker) with rskafka: the topic is created when missing,
//! each order's events go to one partition chosen from its id, and a publish returns only once
//! the broker has acknowledged every record.

use std::collections::BTreeMap;
use std::time::Duration;

use orderly::OutboxEvent;
use rskafka::BackoffConfig;
use rskafka::chrono::{TimeZone, Utc};
use rskafka::client::partition::{Compression, PartitionClient, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder};
use rskafka::record::Record;

use super::envelope::Envelope;

/// Why a publish failed; the relay backs off and tries again.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("kafka: {0}")]
    Kafka(#[from] rskafka::client::error::Error),
    #[error("topic {0} has no partitions")]
    NoPartitions(String),
    #[error("cannot encode event: {0}")]
    Encode(#[from] serde_json::Error),
}

impl PublishError {
    /// A stable machine-readable code for logs.
    pub fn code(&self) -> &'static str {
        match self {
            PublishError::Kafka(_) => "kafka_unavailable",
            PublishError::NoPartitions(_) => "kafka_topic_unusable",
            PublishError::Encode(_) => "event_unencodable",
        }
    }
}

/// Where and how to publish.
#[derive(Debug, Clone)]
pub struct KafkaConfig {
    /// Bootstrap brokers, `host:port`.
    pub brokers: Vec<String>,
    pub topic: String,
    /// Partitions of the topic when this relay creates it.
    pub partitions: i32,
    /// How long one broker call may keep retrying inside the client before it fails.
    pub call_deadline: Duration,
}

/// A connected producer for one topic.
pub struct KafkaPublisher {
    topic: String,
    partitions: Vec<PartitionClient>,
}

impl std::fmt::Debug for KafkaPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaPublisher")
            .field("topic", &self.topic)
            .field("partitions", &self.partitions.len())
            .finish()
    }
}

impl KafkaPublisher {
    /// Connects, creates the topic if it does not exist and opens a client per partition.
    pub async fn connect(config: &KafkaConfig) -> Result<Self, PublishError> {
        let backoff = BackoffConfig {
            init_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(1),
            base: 2.0,
            deadline: Some(config.call_deadline),
        };
        let client = ClientBuilder::new(config.brokers.clone())
            .client_id("orderly-relay")
            .backoff_config(backoff)
            .build()
            .await?;
        let ids = ensure_topic(&client, config).await?;
        let mut partitions = Vec::with_capacity(ids.len());
        for id in ids {
            partitions.push(
                client
                    .partition_client(config.topic.clone(), id, UnknownTopicHandling::Retry)
                    .await?,
            );
        }
        Ok(KafkaPublisher {
            topic: config.topic.clone(),
            partitions,
        })
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Publishes `events` (oldest first) and returns once the broker acknowledged all of them.
    /// Each partition gets its events in one produce request, in their original order.
    pub async fn publish(&self, events: &[OutboxEvent]) -> Result<(), PublishError> {
        let count = self.partitions.len();
        if count == 0 {
            return Err(PublishError::NoPartitions(self.topic.clone()));
        }
        let mut batches: BTreeMap<usize, Vec<Record>> = BTreeMap::new();
        for event in events {
            let key = event.order_id.to_string();
            let index = partition_for(key.as_bytes(), count);
            batches.entry(index).or_default().push(record(event, key)?);
        }
        for (index, records) in batches {
            let Some(client) = self.partitions.get(index) else {
                return Err(PublishError::NoPartitions(self.topic.clone()));
            };
            client.produce(records, Compression::NoCompression).await?;
        }
        Ok(())
    }
}

fn record(event: &OutboxEvent, key: String) -> Result<Record, PublishError> {
    let value = serde_json::to_vec(&Envelope::from(event))?;
    let headers = BTreeMap::from([
        (
            "event-id".to_owned(),
            event.event_id.to_string().into_bytes(),
        ),
        (
            "event-type".to_owned(),
            event.event_type.as_str().as_bytes().to_vec(),
        ),
    ]);
    let timestamp = Utc
        .timestamp_millis_opt(event.at.unix_millis())
        .single()
        .unwrap_or_default();
    Ok(Record {
        key: Some(key.into_bytes()),
        value: Some(value),
        headers,
        timestamp,
    })
}

/// FNV-1a of the key: stable across processes and releases, so an order's events always land
/// on the same partition while the partition count stays the same.
pub fn partition_for(key: &[u8], partitions: usize) -> usize {
    let hash = key.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    usize::try_from(hash % partitions.max(1) as u64).unwrap_or(0)
}

/// The topic's partition ids, creating the topic first if it is missing.
async fn ensure_topic(client: &Client, config: &KafkaConfig) -> Result<Vec<i32>, PublishError> {
    if let Some(ids) = partitions_of(client, &config.topic).await? {
        return Ok(ids);
    }
    let controller = client.controller_client()?;
    let timeout = i32::try_from(config.call_deadline.as_millis()).unwrap_or(i32::MAX);
    if let Err(e) = controller
        .create_topic(config.topic.clone(), config.partitions.max(1), 1, timeout)
        .await
    {
        // Another relay may have created it meanwhile; the listing below decides.
        tracing::debug!(error = %e, topic = %config.topic, "create topic");
    }
    for _ in 0..20 {
        if let Some(ids) = partitions_of(client, &config.topic).await? {
            return Ok(ids);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(PublishError::NoPartitions(config.topic.clone()))
}

async fn partitions_of(client: &Client, topic: &str) -> Result<Option<Vec<i32>>, PublishError> {
    let topics = client.list_topics().await?;
    Ok(topics
        .into_iter()
        .find(|t| t.name == topic)
        .map(|t| t.partitions.into_iter().collect::<Vec<_>>())
        .filter(|ids| !ids.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_stable_and_in_range() {
        let key = b"0190f3a4-0000-7000-8000-000000000001";
        assert_eq!(partition_for(key, 6), partition_for(key, 6));
        assert_eq!(partition_for(key, 1), 0);
        let spread: std::collections::BTreeSet<_> = (0..100)
            .map(|i| partition_for(format!("order-{i}").as_bytes(), 4))
            .collect();
        assert_eq!(spread.len(), 4);
    }
}
