//! Outgoing mail: the message the component queues through `roster:iam/outbox`, its RFC 5322
//! form, and the [`Relay`] that delivers queued messages after their transaction commits.
//!
//! Delivery is at least once. A message leaves the outbox only after it was written to
//! `<data-dir>/outbox/<id>.eml` and synced, or accepted by the SMTP server; a crash in between
//! delivers it again (the file is rewritten with the same bytes; an SMTP server gets it a
//! second time under the same `Message-ID`). Bodies carry reset tokens and recipients are
//! personal data, so nothing here logs more of a message than its id and its recipient's
//! domain.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, SinglePart};
use lettre::transport::smtp;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinError, JoinHandle};

use crate::config::{ConfigError, MailConfig};
use crate::metrics::MailMetrics;
use crate::storage::{OutboxId, Queued, Storage, StorageError};

/// The folder, inside the data directory, where messages are written as `<id>.eml` files when
/// no SMTP server is configured. Ids sort in the order the messages were queued.
pub const OUTBOX_DIR: &str = "outbox";

/// The folder, inside [`OUTBOX_DIR`], that keeps messages that can never be delivered: those
/// the SMTP server refused for good (`<id>.eml`) and those that cannot be decoded (`<id>.json`).
pub const FAILED_DIR: &str = "failed";

/// `<data_dir>/outbox`: where [`Relay`] writes `.eml` files for a server on `data_dir`.
pub fn outbox_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(OUTBOX_DIR)
}

/// The SMTP port when the URL names none.
const SMTP_PORT: u16 = 25;

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Messages read from the outbox at a time.
const BATCH: usize = 32;

/// How long [`Relay::stop`] waits for the message in hand before abandoning it (it is
/// delivered again at the next start).
const STOP_PATIENCE: Duration = Duration::from_secs(10);

/// Why a message cannot be queued, decoded or formatted. The text never quotes the message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// The recipient is not an address a mail server takes.
    #[error("the recipient is not a valid address: {0}")]
    Recipient(#[source] lettre::address::AddressError),
    /// The subject holds a control character, such as a line break.
    #[error("the subject contains a control character")]
    Subject,
    /// The stored bytes are not a [`QueuedMessage`].
    #[error("the stored message cannot be decoded: {0}")]
    Decode(#[source] serde_json::Error),
    /// lettre refused to build the message.
    #[error("the message cannot be built: {0}")]
    Build(#[source] lettre::error::Error),
}

/// A message as it waits in the outbox: what the component asked to send, and when.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedMessage {
    /// The recipient's address.
    pub to: String,
    /// The subject, one line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// When it was queued, in milliseconds since the Unix epoch: its `Date`.
    pub queued_at_ms: u64,
}

/// Only the recipient's domain: the rest may be secret or personal.
impl fmt::Debug for QueuedMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueuedMessage").field("to_domain", &self.recipient_domain()).finish_non_exhaustive()
    }
}

impl QueuedMessage {
    /// A message queued at `queued_at`, if it can be delivered: the recipient must be an
    /// address and the subject a single line.
    pub fn new(to: String, subject: String, body: String, queued_at: SystemTime) -> Result<Self, MessageError> {
        to.parse::<Address>().map_err(MessageError::Recipient)?;
        if subject.chars().any(char::is_control) {
            return Err(MessageError::Subject);
        }
        let since_epoch = queued_at.duration_since(UNIX_EPOCH).unwrap_or_default();
        let queued_at_ms = u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX);
        Ok(QueuedMessage { to, subject, body, queued_at_ms })
    }

    /// The bytes the outbox stores.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a struct of strings and a number always serializes")
    }

    /// The message from the bytes [`QueuedMessage::encode`] made.
    pub fn decode(bytes: &[u8]) -> Result<Self, MessageError> {
        serde_json::from_slice(bytes).map_err(MessageError::Decode)
    }

    /// The part of the recipient's address after the `@`: all that logs show of it.
    pub fn recipient_domain(&self) -> &str {
        self.to.rsplit_once('@').map_or("", |(_, domain)| domain)
    }

    /// The RFC 5322 message from `from`, with a `Message-ID` made of `id` so that a message
    /// delivered twice can be recognised. The body is `8bit` UTF-8 text with CRLF line ends;
    /// a body that 8bit cannot carry (a line over 998 bytes) gets the encoding lettre picks.
    pub fn to_email(&self, from: &Mailbox, id: OutboxId) -> Result<Message, MessageError> {
        let to: Address = self.to.parse().map_err(MessageError::Recipient)?;
        let body = Body::new_with_encoding(self.body.clone(), ContentTransferEncoding::EightBit)
            .unwrap_or_else(|_| Body::new(self.body.clone()));
        Message::builder()
            .from(from.clone())
            .to(Mailbox::new(None, to))
            .subject(self.subject.clone())
            .date(UNIX_EPOCH + Duration::from_millis(self.queued_at_ms))
            .message_id(Some(format!("<{id}@{}>", from.email.domain())))
            .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(body))
            .map_err(MessageError::Build)
    }
}

/// The `From` mailbox in `from`: an address, optionally with a display name.
pub fn parse_from(from: &str) -> Result<Mailbox, String> {
    from.parse().map_err(|error| format!("{from:?} is not a mail address: {error}"))
}

/// A transport for the SMTP server at `url`, `smtp://HOST[:PORT]` (port 25 by default).
/// Plain SMTP only: this build has no TLS, so it takes no credentials either, which would
/// cross the network in the clear.
pub fn smtp_transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    const PLAIN: &str = "must be a plain smtp://HOST[:PORT] URL, without credentials (this build has no TLS)";
    let uri: hyper::Uri = url.parse().map_err(|_| PLAIN)?;
    let authority = uri.authority().filter(|authority| !authority.as_str().contains('@')).ok_or(PLAIN)?;
    if uri.scheme_str() != Some("smtp") || !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        return Err(PLAIN.into());
    }
    let host = authority.host().trim_start_matches('[').trim_end_matches(']');
    let port = authority.port_u16().unwrap_or(SMTP_PORT);
    Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(port).timeout(Some(SMTP_TIMEOUT)).build())
}

/// Where queued mail goes, and as whom: built from the configuration, run by a [`Relay`].
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
    outbox_dir: PathBuf,
    metrics: MailMetrics,
}

enum Transport {
    /// `<outbox_dir>/<id>.eml`.
    Files,
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let transport = match self.transport {
            Transport::Files => "files",
            Transport::Smtp(_) => "smtp",
        };
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .field("transport", &transport)
            .field("outbox_dir", &self.outbox_dir)
            .finish()
    }
}

impl Mailer {
    /// The mailer `config` describes, for a server on `data_dir`.
    pub fn new(config: &MailConfig, data_dir: &Path) -> Result<Mailer, ConfigError> {
        let from = parse_from(&config.from).map_err(|reason| ConfigError::new("mail_from", reason))?;
        let transport = match &config.smtp_url {
            None => Transport::Files,
            Some(url) => Transport::Smtp(smtp_transport(url).map_err(|reason| ConfigError::new("smtp_url", reason))?),
        };
        Ok(Mailer { from, transport, outbox_dir: outbox_dir(data_dir), metrics: MailMetrics::default() })
    }

    /// The relay's instrument: delivery attempts by outcome.
    pub fn metrics(&self) -> &MailMetrics {
        &self.metrics
    }

    fn failed_dir(&self) -> PathBuf {
        self.outbox_dir.join(FAILED_DIR)
    }
}

/// Why a delivery has to be retried. The text never quotes the message or its recipient.
#[derive(Debug, thiserror::Error)]
enum DeliveryError {
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("sending message {id} to a recipient at {domain} failed: {reason}")]
    Smtp { id: OutboxId, domain: String, reason: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("a blocking task failed: {0}")]
    Join(#[from] JoinError),
}

/// How long the relay waits before retrying a failed delivery: `first`, doubling up to `max`.
#[derive(Debug, Clone, Copy)]
struct Backoff {
    first: Duration,
    max: Duration,
}

impl Backoff {
    const DEFAULT: Backoff = Backoff { first: Duration::from_secs(1), max: Duration::from_secs(300) };
}

/// The task that delivers the outbox, oldest message first, one at a time. It drains what
/// is left at start, then sleeps until a commit queues more. A failed delivery is retried,
/// with backoff, before any later message: the order is kept and nothing is skipped.
#[derive(Debug)]
pub struct Relay {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Relay {
    /// Start delivering `storage`'s outbox with `mailer`. Needs a tokio runtime.
    pub fn start(storage: Storage, mailer: Mailer) -> Relay {
        Relay::start_with(storage, mailer, Backoff::DEFAULT)
    }

    fn start_with(storage: Storage, mailer: Mailer, backoff: Backoff) -> Relay {
        let (stop, stopped) = watch::channel(false);
        let worker = Worker { signal: storage.outbox_signal(), storage, mailer, stop: stopped, backoff };
        Relay { stop, task: tokio::spawn(worker.run()) }
    }

    /// Stop after the message in hand, waiting for it at most [`STOP_PATIENCE`]. What is left
    /// in the outbox is delivered at the next start.
    pub async fn stop(self) {
        let Relay { stop, mut task } = self;
        stop.send_replace(true);
        match tokio::time::timeout(STOP_PATIENCE, &mut task).await {
            Ok(Ok(())) => tracing::debug!("mail relay stopped"),
            Ok(Err(error)) => tracing::error!(%error, "the mail relay failed"),
            Err(_elapsed) => {
                tracing::warn!(
                    "the mail relay did not stop in {STOP_PATIENCE:?}; its message goes out at the next start"
                );
                task.abort();
            }
        }
    }
}

struct Worker {
    storage: Storage,
    mailer: Mailer,
    signal: Arc<Notify>,
    stop: watch::Receiver<bool>,
    backoff: Backoff,
}

impl Worker {
    async fn run(mut self) {
        let mut retry_in = self.backoff.first;
        loop {
            let failed = match self.drain().await {
                Ok(()) => {
                    retry_in = self.backoff.first;
                    false
                }
                Err(error) => {
                    self.mailer.metrics.count("deferred");
                    tracing::warn!(%error, ?retry_in, "mail delivery failed; retrying");
                    true
                }
            };
            tokio::select! {
                _ = self.stop.wait_for(|stop| *stop) => return,
                () = self.signal.notified(), if !failed => {}
                () = tokio::time::sleep(retry_in), if failed => retry_in = (retry_in * 2).min(self.backoff.max),
            }
        }
    }

    /// Deliver until the outbox is empty or a stop is asked for.
    async fn drain(&mut self) -> Result<(), DeliveryError> {
        loop {
            let storage = self.storage.clone();
            let batch = tokio::task::spawn_blocking(move || storage.outbox_oldest(BATCH)).await??;
            // Mail goes out only once the commit that queued it is durable.
            self.storage.wait_durable(self.storage.horizon()).await?;
            if batch.is_empty() {
                return Ok(());
            }
            for queued in batch {
                if *self.stop.borrow() {
                    return Ok(());
                }
                self.deliver(queued).await?;
            }
        }
    }

    /// Deliver one message and remove it from the outbox; a message that can never be
    /// delivered moves to the failed folder instead of blocking the queue.
    async fn deliver(&self, queued: Queued) -> Result<(), DeliveryError> {
        let id = queued.id;
        let built = QueuedMessage::decode(&queued.message).and_then(|message| {
            let email = message.to_email(&self.mailer.from, id)?;
            Ok((message.recipient_domain().to_owned(), email))
        });
        let (domain, email) = match built {
            Ok(built) => built,
            Err(error) => {
                tracing::error!(%id, %error, "a queued message cannot be delivered; it moves to the failed folder");
                write_durably(self.mailer.failed_dir(), format!("{id}.json"), queued.message).await?;
                self.remove(id).await?;
                self.mailer.metrics.count("undeliverable");
                return Ok(());
            }
        };
        let bytes = email.formatted();
        let outcome = match &self.mailer.transport {
            Transport::Files => {
                write_durably(self.mailer.outbox_dir.clone(), format!("{id}.eml"), bytes).await?;
                "written"
            }
            Transport::Smtp(transport) => match transport.send_raw(email.envelope(), &bytes).await {
                Ok(_) => "sent",
                Err(error) if error.is_permanent() => {
                    tracing::warn!(
                        %id, %domain, reason = %describe(&error),
                        "the SMTP server refused the message for good; it moves to the failed folder"
                    );
                    write_durably(self.mailer.failed_dir(), format!("{id}.eml"), bytes).await?;
                    "refused"
                }
                Err(error) => return Err(DeliveryError::Smtp { id, domain, reason: describe(&error) }),
            },
        };
        self.remove(id).await?;
        self.mailer.metrics.count(outcome);
        tracing::info!(%id, %domain, outcome, "mail left the outbox");
        Ok(())
    }

    async fn remove(&self, id: OutboxId) -> Result<(), DeliveryError> {
        let storage = self.storage.clone();
        tokio::task::spawn_blocking(move || storage.outbox_remove(id)).await??;
        Ok(())
    }
}

/// What went wrong in an SMTP conversation, without the server's text, which can quote the
/// recipient's address.
fn describe(error: &smtp::Error) -> String {
    match error.status() {
        Some(code) => format!("the server replied {code}"),
        None if error.is_response() => "the server's reply could not be read".into(),
        None if error.is_timeout() => "timed out".into(),
        None => error.to_string(),
    }
}

/// Write `bytes` to `dir/name` so that the file is complete or absent, even after a crash:
/// a temporary file, synced, then renamed, then the directory synced. On the blocking pool.
async fn write_durably(dir: PathBuf, name: String, bytes: Vec<u8>) -> Result<(), DeliveryError> {
    let path = dir.join(&name);
    let written = tokio::task::spawn_blocking(move || {
        fs::create_dir_all(&dir)?;
        // A dot name that does not end in `.eml`, so that readers of the folder skip it.
        let temporary = dir.join(format!(".{name}.tmp"));
        let mut file = File::create(&temporary)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temporary, dir.join(&name))?;
        #[cfg(unix)]
        File::open(&dir)?.sync_all()?;
        Ok(())
    })
    .await?;
    written.map_err(|source| DeliveryError::Write { path, source })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    use super::*;

    /// 2023-11-14T22:13:20Z.
    const QUEUED_AT_MS: u64 = 1_700_000_000_000;

    fn message(to: &str, subject: &str, body: &str) -> QueuedMessage {
        QueuedMessage::new(to.into(), subject.into(), body.into(), UNIX_EPOCH + Duration::from_millis(QUEUED_AT_MS))
            .expect("a valid message")
    }

    fn formatted(message: &QueuedMessage) -> String {
        let from = parse_from("Roster <roster@example.org>").expect("valid from");
        let id = OutboxId::from_uuid(uuid::Uuid::now_v7());
        String::from_utf8(message.to_email(&from, id).expect("builds").formatted()).expect("UTF-8")
    }

    fn headers(email: &str) -> &str {
        email.split_once("\r\n\r\n").expect("a blank line ends the headers").0
    }

    fn open_temp() -> (tempfile::TempDir, Storage) {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage::open(dir.path()).expect("open storage");
        (dir, storage)
    }

    fn queue_one(storage: &Storage, message: &QueuedMessage) -> OutboxId {
        let mut txn = storage.begin_write().expect("begin write");
        let id = txn.enqueue(&message.encode()).expect("enqueue");
        txn.commit().expect("commit");
        id
    }

    fn mailer(data_dir: &Path, smtp_url: Option<String>) -> Mailer {
        let config = MailConfig { from: "roster@localhost".into(), smtp_url };
        Mailer::new(&config, data_dir).expect("a valid mail configuration")
    }

    fn start(storage: &Storage, mailer: Mailer) -> Relay {
        let fast = Backoff { first: Duration::from_millis(10), max: Duration::from_millis(50) };
        Relay::start_with(storage.clone(), mailer, fast)
    }

    /// Poll `condition` until it holds, for at most ten seconds.
    async fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !condition() {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn outbox_is_empty(storage: &Storage) -> bool {
        storage.outbox_oldest(1).expect("read the outbox").is_empty()
    }

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = match fs::read_dir(dir) {
            Ok(entries) => {
                entries.map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned()).collect()
            }
            Err(_) => Vec::new(),
        };
        names.sort();
        names
    }

    #[test]
    fn formatted_message_has_every_header_and_crlf_line_ends() {
        let email = formatted(&message("jane@example.com", "Reset your password", "Hello Jane,\nline two\n"));
        let headers = headers(&email);
        for expected in [
            "From: Roster <roster@example.org>",
            "To: jane@example.com",
            "Subject: Reset your password",
            "Date: Tue, 14 Nov 2023 22:13:20 +0000",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ] {
            assert!(headers.lines().any(|line| line.trim_end() == expected), "{expected:?} missing from:\n{headers}");
        }
        let message_id = headers.lines().find(|line| line.starts_with("Message-ID: <")).expect("a Message-ID");
        assert!(message_id.trim_end().ends_with("@example.org>"), "{message_id}");
        assert!(!email.replace("\r\n", "").contains(['\r', '\n']), "a bare CR or LF in:\n{email:?}");
        // lettre ends the body with a line break of its own.
        assert!(email.ends_with("\r\n\r\nHello Jane,\r\nline two\r\n\r\n"), "{email:?}");
    }

    #[test]
    fn utf8_body_is_sent_as_8bit_text() {
        let email = formatted(&message("jane@example.com", "Hi", "Grüße, Jörg ✉"));
        assert!(email.ends_with("\r\n\r\nGrüße, Jörg ✉\r\n"), "{email:?}");
    }

    #[test]
    fn non_ascii_subject_is_rfc_2047_encoded() {
        let email = formatted(&message("jane@example.com", "Réinitialisez votre mot de passe", "x"));
        let headers = headers(&email);
        assert!(headers.is_ascii(), "{headers}");
        let subject = headers.split("Subject: ").nth(1).expect("a Subject").to_ascii_lowercase();
        assert!(subject.starts_with("=?utf-8?b?"), "{subject}");
    }

    #[test]
    fn message_id_repeats_the_outbox_id() {
        let (_dir, storage) = open_temp();
        let message = message("jane@example.com", "Hi", "x");
        let id = queue_one(&storage, &message);
        let from = parse_from("roster@localhost").expect("valid from");
        let email = message.to_email(&from, id).expect("builds");
        let text = String::from_utf8(email.formatted()).expect("UTF-8");
        assert!(text.contains(&format!("Message-ID: <{id}@localhost>")), "{text}");
    }

    #[test]
    fn recipient_that_is_not_an_address_is_refused() {
        for to in ["", "jane", "jane@", "jane doe@example.com", "<jane@example.com"] {
            let result = QueuedMessage::new(to.into(), "Hi".into(), "x".into(), SystemTime::now());
            assert!(matches!(result, Err(MessageError::Recipient(_))), "{to:?} gave {result:?}");
        }
    }

    #[test]
    fn subject_with_a_line_break_is_refused() {
        let result = QueuedMessage::new(
            "jane@example.com".into(),
            "Hi\r\nBcc: x@example.com".into(),
            "x".into(),
            SystemTime::now(),
        );
        assert!(matches!(result, Err(MessageError::Subject)), "{result:?}");
    }

    #[test]
    fn smtp_url_must_be_plain_smtp_with_a_host() {
        for good in ["smtp://127.0.0.1:2525", "smtp://mail.example.com", "smtp://[::1]:25/"] {
            smtp_transport(good).unwrap_or_else(|reason| panic!("{good}: {reason}"));
        }
        for bad in [
            "smtps://mail.example.com",
            "http://127.0.0.1",
            "smtp://",
            "127.0.0.1:25",
            "smtp://h/x",
            "smtp://h?tls=required",
        ] {
            assert!(smtp_transport(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn smtp_url_with_credentials_is_refused_without_quoting_them() {
        let reason = smtp_transport("smtp://user:pa55word@mail.example.com").expect_err("credentials");
        assert!(!reason.contains("pa55word"), "{reason}");
    }

    #[test]
    fn encoded_message_decodes_to_itself() {
        let message = message("jane@example.com", "Hi", "body");
        assert_eq!(QueuedMessage::decode(&message.encode()).expect("decodes"), message);
    }

    #[test]
    fn debug_output_shows_neither_body_nor_recipient() {
        let shown = format!("{:?}", message("jane@example.com", "Your token", "token=s3cr3t"));
        assert!(!shown.contains("s3cr3t") && !shown.contains("jane") && !shown.contains("token"), "{shown}");
        assert!(shown.contains("example.com"), "{shown}");
    }

    #[tokio::test]
    async fn relay_writes_each_message_to_an_eml_file_in_order_and_empties_the_outbox() {
        let (dir, storage) = open_temp();
        // One left over from before the start, one queued while running.
        let first = queue_one(&storage, &message("a@example.com", "first", "1"));
        let relay = start(&storage, mailer(dir.path(), None));
        wait_until("the leftover is delivered", || outbox_is_empty(&storage)).await;
        let second = queue_one(&storage, &message("b@example.com", "second", "2"));
        let outbox = outbox_dir(dir.path());
        wait_until("the new message is delivered", || files(&outbox).len() == 2 && outbox_is_empty(&storage)).await;
        relay.stop().await;

        assert_eq!(files(&outbox), vec![format!("{first}.eml"), format!("{second}.eml")]);
        let text = fs::read_to_string(outbox.join(format!("{second}.eml"))).expect("read the file");
        assert!(text.contains("\r\nSubject: second\r\n") && text.ends_with("\r\n\r\n2\r\n"), "{text:?}");
    }

    #[tokio::test]
    async fn undecodable_message_moves_to_the_failed_folder_and_the_queue_goes_on() {
        let (dir, storage) = open_temp();
        let mut txn = storage.begin_write().expect("begin write");
        let broken = txn.enqueue(b"not a message").expect("enqueue");
        txn.commit().expect("commit");
        let good = queue_one(&storage, &message("a@example.com", "after", "x"));
        let relay = start(&storage, mailer(dir.path(), None));
        let outbox = outbox_dir(dir.path());
        wait_until("the queue is empty", || outbox_is_empty(&storage) && !files(&outbox).is_empty()).await;
        relay.stop().await;
        assert_eq!(files(&outbox.join(FAILED_DIR)), vec![format!("{broken}.json")]);
        assert!(files(&outbox).contains(&format!("{good}.eml")));
    }

    #[tokio::test]
    async fn each_delivery_is_counted_by_its_outcome() {
        let (dir, storage) = open_temp();
        let mut txn = storage.begin_write().expect("begin write");
        txn.enqueue(b"not a message").expect("enqueue");
        txn.commit().expect("commit");
        queue_one(&storage, &message("a@example.com", "after", "x"));
        let mailer = mailer(dir.path(), None);
        let metrics = mailer.metrics().clone();
        let relay = start(&storage, mailer);
        wait_until("both are counted", || metrics.delivered("undeliverable") + metrics.delivered("written") == 2).await;
        relay.stop().await;
        assert_eq!((metrics.delivered("undeliverable"), metrics.delivered("written")), (1, 1));
    }

    #[tokio::test]
    async fn stop_returns_promptly_while_the_outbox_is_idle() {
        let (dir, storage) = open_temp();
        let relay = start(&storage, mailer(dir.path(), None));
        tokio::time::timeout(Duration::from_secs(5), relay.stop()).await.expect("stopped in time");
    }

    /// A scripted SMTP server on 127.0.0.1 that serves at most `replies_after_data.len()`
    /// connections, answering each one's DATA with the next reply (and every RCPT with
    /// `rcpt_reply`), and records the messages it accepted.
    struct FakeSmtp {
        url: String,
        connections: Arc<AtomicUsize>,
        accepted: Arc<Mutex<Vec<String>>>,
    }

    impl FakeSmtp {
        async fn start(rcpt_reply: &'static str, replies_after_data: Vec<&'static str>) -> FakeSmtp {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the fake SMTP server");
            let url = format!("smtp://{}", listener.local_addr().expect("address"));
            let connections = Arc::new(AtomicUsize::new(0));
            let accepted = Arc::new(Mutex::new(Vec::new()));
            let (count, store) = (connections.clone(), accepted.clone());
            tokio::spawn(async move {
                for data_reply in replies_after_data {
                    let Ok((stream, _)) = listener.accept().await else { return };
                    count.fetch_add(1, Ordering::SeqCst);
                    let session = serve_smtp(stream, rcpt_reply, data_reply, store.clone());
                    let _ = tokio::time::timeout(Duration::from_secs(10), session).await;
                }
            });
            FakeSmtp { url, connections, accepted }
        }
    }

    async fn serve_smtp(
        stream: tokio::net::TcpStream,
        rcpt_reply: &str,
        data_reply: &str,
        accepted: Arc<Mutex<Vec<String>>>,
    ) -> io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 fake ESMTP\r\n").await?;
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
            let reply = match verb.as_str() {
                "EHLO" | "HELO" | "MAIL" | "RSET" | "NOOP" => "250 ok",
                "RCPT" => rcpt_reply,
                "DATA" => {
                    write.write_all(b"354 go ahead\r\n").await?;
                    let mut data = String::new();
                    loop {
                        line.clear();
                        if lines.read_line(&mut line).await? == 0 {
                            return Ok(());
                        }
                        if line == ".\r\n" {
                            break;
                        }
                        data.push_str(&line);
                    }
                    if data_reply.starts_with('2') {
                        accepted.lock().expect("lock").push(data);
                    }
                    data_reply
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await?;
                    return Ok(());
                }
                _ => "500 unknown command",
            };
            write.write_all(format!("{reply}\r\n").as_bytes()).await?;
        }
    }

    #[tokio::test]
    async fn relay_sends_by_smtp_and_keeps_the_message_until_the_server_accepts_it() {
        let server = FakeSmtp::start("250 ok", vec!["451 try again later", "250 queued"]).await;
        let (dir, storage) = open_temp();
        queue_one(&storage, &message("jane@example.com", "Reset", "token=abc"));
        let relay = start(&storage, mailer(dir.path(), Some(server.url.clone())));
        wait_until("the server accepts the message", || !server.accepted.lock().expect("lock").is_empty()).await;
        wait_until("the outbox is empty", || outbox_is_empty(&storage)).await;
        relay.stop().await;

        assert_eq!(server.connections.load(Ordering::SeqCst), 2, "one refusal, then one success");
        let accepted = server.accepted.lock().expect("lock");
        assert_eq!(accepted.len(), 1);
        assert!(accepted[0].contains("Subject: Reset\r\n") && accepted[0].contains("token=abc"), "{}", accepted[0]);
        assert!(files(&outbox_dir(dir.path())).iter().all(|name| !name.ends_with(".eml")), "no file in SMTP mode");
    }

    #[tokio::test]
    async fn smtp_refusal_for_good_moves_the_message_to_the_failed_folder() {
        let server = FakeSmtp::start("550 no such user", vec!["250 queued"]).await;
        let (dir, storage) = open_temp();
        let id = queue_one(&storage, &message("nobody@example.com", "Reset", "x"));
        let relay = start(&storage, mailer(dir.path(), Some(server.url.clone())));
        wait_until("the outbox is empty", || outbox_is_empty(&storage)).await;
        relay.stop().await;
        assert_eq!(files(&outbox_dir(dir.path()).join(FAILED_DIR)), vec![format!("{id}.eml")]);
        assert!(server.accepted.lock().expect("lock").is_empty());
    }

    #[tokio::test]
    async fn failing_smtp_server_keeps_the_message_queued_and_stop_still_returns() {
        let server = FakeSmtp::start("250 ok", vec!["421 closing"; 3]).await;
        let (dir, storage) = open_temp();
        queue_one(&storage, &message("jane@example.com", "Reset", "x"));
        let relay = start(&storage, mailer(dir.path(), Some(server.url.clone())));
        wait_until("the relay retried", || server.connections.load(Ordering::SeqCst) >= 2).await;
        tokio::time::timeout(Duration::from_secs(5), relay.stop()).await.expect("stopped in time");
        assert!(!outbox_is_empty(&storage), "the message was lost");
    }
}
