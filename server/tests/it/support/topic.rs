//! Reading a Kafka topic back in tests: a fresh consumer (rdkafka, no group membership, nothing
//! committed) assigned every partition from its beginning, reading until each partition
//! reported its end. Shared by the relay tests.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use orderly_server::Envelope;
use orderly_tests::kafka::Broker;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

/// The deadline of every wait: generous, since a loaded machine is slow, never wrong.
pub const PATIENCE: Duration = Duration::from_secs(180);

/// Checks that nothing accepts connections at the broker's address any more: a broker that
/// was only thought to be down would make what follows meaningless.
pub fn assert_down(broker: &Broker) {
    let address = broker.address();
    assert!(
        std::net::TcpStream::connect(&address).is_err(),
        "the broker at {address} still accepts connections"
    );
}

/// One record read back from the topic.
#[derive(Debug, Clone)]
pub struct Record {
    pub partition: i32,
    pub offset: i64,
    pub key: String,
    /// The `event-id` and `event-type` headers.
    pub headers: (String, String),
    pub envelope: Envelope,
}

/// Every record on `topic`, read from its beginning by a fresh consumer.
pub async fn read_topic(broker: &Broker, topic: &str) -> Vec<Record> {
    let (address, topic) = (broker.address(), topic.to_owned());
    tokio::task::spawn_blocking(move || read_all(&address, &topic))
        .await
        .unwrap()
}

/// Reads `topic` with a consumer assigned every partition from its beginning (no group
/// membership, nothing committed) until each partition reported its end; sorted by partition,
/// then offset.
fn read_all(address: &str, topic: &str) -> Vec<Record> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", address)
        .set("group.id", format!("orderly-test-{}", uuid::Uuid::now_v7()))
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "true")
        .create()
        .expect("a Kafka consumer");
    let partitions = partitions_of(&consumer, topic);
    let mut assignment = TopicPartitionList::new();
    for partition in &partitions {
        assignment
            .add_partition_offset(topic, *partition, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&assignment).unwrap();
    let mut unfinished: BTreeSet<i32> = partitions.into_iter().collect();
    let mut records = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    while !unfinished.is_empty() {
        assert!(
            Instant::now() < deadline,
            "partitions {unfinished:?} of {topic} not read to their end"
        );
        match consumer.poll(Duration::from_millis(200)) {
            None => {}
            Some(Ok(message)) => records.push(record(&message)),
            Some(Err(KafkaError::PartitionEOF(partition))) => {
                unfinished.remove(&partition);
            }
            // Transient (a connection being set up, say): the client retries by itself.
            Some(Err(e)) => eprintln!("reading {topic}: {e}"),
        }
    }
    records.sort_by_key(|r| (r.partition, r.offset));
    records
}

fn partitions_of(consumer: &BaseConsumer, topic: &str) -> Vec<i32> {
    let metadata = consumer
        .fetch_metadata(Some(topic), PATIENCE)
        .expect("topic metadata");
    let listed = metadata
        .topics()
        .iter()
        .find(|t| t.name() == topic)
        .expect("the topic is listed");
    assert!(listed.error().is_none(), "{topic}: {:?}", listed.error());
    listed.partitions().iter().map(|p| p.id()).collect()
}

fn record(message: &BorrowedMessage<'_>) -> Record {
    let text =
        |bytes: Option<&[u8]>| String::from_utf8(bytes.unwrap_or_default().to_vec()).unwrap();
    let header = |name: &str| {
        message
            .headers()
            .and_then(|headers| headers.iter().find(|h| h.key == name))
            .map(|h| text(h.value))
            .unwrap_or_default()
    };
    Record {
        partition: message.partition(),
        offset: message.offset(),
        key: text(message.key()),
        headers: (header("event-id"), header("event-type")),
        envelope: serde_json::from_slice(message.payload().unwrap_or_default())
            .expect("the value is an Envelope"),
    }
}
