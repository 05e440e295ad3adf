//! Publishing to Apache Kafka with librdkafka (`rdkafka`): the topic is created when missing,
//! each order's events go to one partition chosen from its id by the Java client's partitioner
//! (murmur2), and a publish returns only once the broker has acknowledged every record.
//!
//! The producer is idempotent (`enable.idempotence`, so `acks=all`): librdkafka's own retries
//! neither duplicate nor reorder records within a partition, which is what keeps an order's
//! events in sequence. TLS, SASL (PLAIN, SCRAM, OAUTHBEARER) and compression are librdkafka
//! properties, passed through [`KafkaConfig::options`].

use std::time::Duration;

use orderly::OutboxEvent;
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer};

/// Why a publish failed; the relay backs off and tries again.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("kafka: {0}")]
    Kafka(#[from] KafkaError),
    #[error("topic {0} has no partitions")]
    NoPartitions(String),
    #[error("cannot encode event: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("the producer went away before acknowledging a record")]
    Cancelled,
}

impl PublishError {
    /// A stable machine-readable code for logs.
    pub fn code(&self) -> &'static str {
        match self {
            PublishError::Kafka(_) | PublishError::Cancelled => "kafka_unavailable",
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
    /// How long one broker call, or the delivery of one record, may take before it fails.
    pub call_deadline: Duration,
    /// Further librdkafka properties (`security.protocol`, `sasl.mechanism`,
    /// `sasl.username`, `ssl.ca.location`, `compression.type`, ...); they override the
    /// relay's defaults. Values are never logged.
    pub options: Vec<(String, String)>,
}

/// The client configuration shared by the relay and the email worker: bootstrap brokers, a
/// client id, then the user's options (which win).
pub(crate) fn client_config(
    brokers: &[String],
    client_id: &str,
    defaults: &[(&str, String)],
    options: &[(String, String)],
) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", brokers.join(","))
        .set("client.id", client_id);
    for (key, value) in defaults {
        config.set(*key, value);
    }
    for (key, value) in options {
        config.set(key, value);
    }
    config
}

/// A connected producer for one topic.
pub struct KafkaPublisher {
    topic: String,
    producer: FutureProducer,
}

impl std::fmt::Debug for KafkaPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaPublisher")
            .field("topic", &self.topic)
            .finish()
    }
}

impl KafkaPublisher {
    /// Connects, creating the topic if it does not exist.
    pub async fn connect(config: &KafkaConfig) -> Result<Self, PublishError> {
        let millis = config.call_deadline.as_millis().max(1).to_string();
        let defaults = [
            ("enable.idempotence", "true".to_owned()),
            ("acks", "all".to_owned()),
            // The Java client's partitioner: a key lands on the same partition as it would
            // from any JVM producer, so consumers can co-partition with other topics.
            ("partitioner", "murmur2_random".to_owned()),
            ("compression.type", "lz4".to_owned()),
            ("linger.ms", "2".to_owned()),
            // The relay creates the topic with its configured partitions; a metadata request
            // must not create it first with the broker's defaults.
            ("allow.auto.create.topics", "false".to_owned()),
            ("message.timeout.ms", millis.clone()),
            ("socket.timeout.ms", millis.clone()),
            ("socket.connection.setup.timeout.ms", millis),
        ];
        let client = client_config(&config.brokers, "orderly-relay", &defaults, &config.options);
        let producer: FutureProducer = client.create()?;
        ensure_topic(&producer, &client, config).await?;
        Ok(KafkaPublisher {
            topic: config.topic.clone(),
            producer,
        })
    }

    /// The topic it publishes to.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Publishes `events` (oldest first) and returns once the broker acknowledged all of them.
    /// Records are queued in their original order, so an order's events reach its partition
    /// in sequence.
    pub async fn publish(&self, events: &[OutboxEvent]) -> Result<(), PublishError> {
        let mut deliveries: Vec<DeliveryFuture> = Vec::with_capacity(events.len());
        let mut failure = None;
        for event in events {
            match self.enqueue(event) {
                Ok(delivery) => deliveries.push(delivery),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        // Wait for everything queued even after a failure, so no record is still in flight
        // when the caller retries the batch.
        for delivery in deliveries {
            let outcome = match delivery.await {
                Ok(Ok(_)) => None,
                Ok(Err((e, _))) => Some(PublishError::Kafka(e)),
                Err(_) => Some(PublishError::Cancelled),
            };
            if failure.is_none() {
                failure = outcome;
            }
        }
        failure.map_or(Ok(()), Err)
    }

    fn enqueue(&self, event: &OutboxEvent) -> Result<DeliveryFuture, PublishError> {
        let key = event.order_id.to_string();
        let value = orderly::envelope::encode(event)?;
        let event_id = event.event_id.to_string();
        let headers = OwnedHeaders::new_with_capacity(2)
            .insert(Header {
                key: "event-id",
                value: Some(event_id.as_str()),
            })
            .insert(Header {
                key: "event-type",
                value: Some(event.event_type.as_str()),
            });
        let record = FutureRecord::to(&self.topic)
            .key(&key)
            .payload(&value)
            .headers(headers)
            .timestamp(event.at.unix_millis());
        self.producer
            .send_result(record)
            .map_err(|(e, _)| PublishError::Kafka(e))
    }
}

/// Makes sure the topic exists, creating it with the configured partitions (and the
/// cluster's default replication factor) when it does not.
async fn ensure_topic(
    producer: &FutureProducer,
    client: &ClientConfig,
    config: &KafkaConfig,
) -> Result<(), PublishError> {
    if partition_count(producer, config).await? > 0 {
        return Ok(());
    }
    let admin: AdminClient<DefaultClientContext> = client.create()?;
    let topic = NewTopic::new(
        &config.topic,
        config.partitions.max(1),
        TopicReplication::Fixed(-1),
    );
    let options = AdminOptions::new().operation_timeout(Some(config.call_deadline));
    for result in admin.create_topics([&topic], &options).await? {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((_, code)) => return Err(PublishError::Kafka(KafkaError::AdminOp(code))),
        }
    }
    // The topic is created atomically with all its partitions; wait until the broker we
    // talk to knows it, so that no record waits on missing metadata.
    for _ in 0..50 {
        if partition_count(producer, config).await? > 0 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(PublishError::NoPartitions(config.topic.clone()))
}

/// The topic's partition count as the cluster reports it: 0 when the topic does not exist.
async fn partition_count(
    producer: &FutureProducer,
    config: &KafkaConfig,
) -> Result<usize, PublishError> {
    let producer = producer.clone();
    let (topic, deadline) = (config.topic.clone(), config.call_deadline);
    // librdkafka's metadata call blocks; keep it off the async workers.
    let metadata = tokio::task::spawn_blocking(move || {
        producer
            .client()
            .fetch_metadata(Some(&topic), deadline)
            .map(|m| {
                m.topics()
                    .first()
                    .map(|t| (t.error(), t.partitions().len()))
            })
    })
    .await
    .map_err(|_| PublishError::Cancelled)??;
    Ok(match metadata {
        Some((None, partitions)) => partitions,
        _ => 0,
    })
}
