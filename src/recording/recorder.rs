//! The recorder of one call, in its own task: the track reader hands it each decoded packet
//! (never waiting: a full queue drops the packet and counts it), the call's actor tells it
//! where answers start and end. It streams the whole call to a spool file page by page and cuts
//! each answer out of its [`PacketWindow`] when the answer ends; each file is stored, then
//! indexed.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::RecordingStore;
use super::ogg_opus::{GRANULE_RATE, OggOpusWriter};
use super::window::{PacketWindow, TimedPacket};
use crate::clock::unix_ms;
use crate::ids::new_id;
use crate::interview::EventKind;
use crate::store::{Recording, RecordingIndex};

/// Packets and notes a recorder may have waiting: 10 s of 20 ms packets.
const QUEUE_MAX: usize = 512;
/// How long the end of a call waits for its recordings to be stored.
const FINISH_TIMEOUT: Duration = Duration::from_secs(10);
/// A gap in the packets longer than this is not filled with silence in the whole-call file
/// (the inbound path skips such gaps too).
const MAX_FILLED_GAP_TICKS: u64 = 2 * GRANULE_RATE;

/// Packets the recorders dropped because their queue was full (the disk was behind).
pub static PACKETS_DROPPED: AtomicU64 = AtomicU64::new(0);

/// What a recorder is told.
#[derive(Debug)]
enum Note {
    Packet(TimedPacket),
    AnswerStarted {
        item_id: String,
        start_ms: u64,
    },
    AnswerEnded {
        item_id: String,
        start_ms: u64,
        end_ms: u64,
    },
}

/// Makes a recorder per call: where files go and where they are indexed.
#[derive(Clone)]
pub struct Recorders {
    files: Arc<dyn RecordingStore>,
    index: Arc<dyn RecordingIndex>,
}

impl std::fmt::Debug for Recorders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorders").finish_non_exhaustive()
    }
}

/// The call a recorder records.
#[derive(Debug, Clone)]
struct CallInfo {
    call_id: String,
    org_id: String,
    interview_id: Option<String>,
}

impl Recorders {
    /// Recorders that store files in `files` and index them in `index`.
    pub fn new(files: Arc<dyn RecordingStore>, index: Arc<dyn RecordingIndex>) -> Self {
        Self { files, index }
    }

    /// Starts recording `call_id` of `org_id`.
    pub fn start(&self, call_id: &str, org_id: &str, interview_id: Option<&str>) -> CallRecorder {
        let (tx, rx) = mpsc::channel(QUEUE_MAX);
        let call = CallInfo {
            call_id: call_id.to_owned(),
            org_id: org_id.to_owned(),
            interview_id: interview_id.map(str::to_owned),
        };
        let task = tokio::spawn(record(call, rx, self.clone()));
        CallRecorder { tx, task }
    }
}

/// Hands a recorder the call's packets.
#[derive(Debug, Clone)]
pub struct PacketSender(mpsc::Sender<Note>);

impl PacketSender {
    /// Queues one packet without waiting; a full queue drops it (and counts it).
    pub fn send(&self, start_ticks: u64, duration_ticks: u32, payload: &[u8]) {
        let packet = TimedPacket {
            start_ticks,
            duration_ticks,
            payload: bytes::Bytes::copy_from_slice(payload),
        };
        if let Err(mpsc::error::TrySendError::Full(_)) = self.0.try_send(Note::Packet(packet)) {
            PACKETS_DROPPED.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// One call's recorder.
#[derive(Debug)]
pub struct CallRecorder {
    tx: mpsc::Sender<Note>,
    task: JoinHandle<()>,
}

impl CallRecorder {
    /// Where the track reader sends packets.
    pub fn packets(&self) -> PacketSender {
        PacketSender(self.tx.clone())
    }

    /// Takes note of a call event: answers starting and ending are cut into files.
    pub fn note(&self, event: &EventKind) {
        let note = match event {
            EventKind::AnswerStarted {
                item_id,
                audio_start_ms,
            } => Note::AnswerStarted {
                item_id: item_id.clone(),
                start_ms: *audio_start_ms,
            },
            EventKind::AnswerEnded {
                item_id,
                audio_start_ms,
                audio_end_ms,
            } => Note::AnswerEnded {
                item_id: item_id.clone(),
                start_ms: *audio_start_ms,
                end_ms: *audio_end_ms,
            },
            _ => return,
        };
        if self.tx.try_send(note).is_err() {
            tracing::warn!("recorder behind: an answer's boundary was dropped");
        }
    }

    /// Waits (bounded) until what was recorded is stored. Packets still in flight from the
    /// track reader are taken until the reader lets go.
    pub async fn finish(self) {
        let Self { tx, task } = self;
        drop(tx);
        if tokio::time::timeout(FINISH_TIMEOUT, task).await.is_err() {
            tracing::warn!("a call's recordings were still being stored at its end");
        }
    }
}

/// The whole call, streamed to a spool file.
struct WholeCall {
    id: String,
    path: PathBuf,
    file: Option<tokio::fs::File>,
    writer: OggOpusWriter,
    next_ticks: Option<u64>,
    bytes: u64,
    failed: bool,
}

impl WholeCall {
    fn new(spool: PathBuf) -> Self {
        let id = new_id("rec_");
        Self {
            path: spool.join(format!("{id}.ogg")),
            id,
            file: None,
            writer: OggOpusWriter::new(rand::random(), 0),
            next_ticks: None,
            bytes: 0,
            failed: false,
        }
    }

    async fn push(&mut self, packet: &TimedPacket) {
        if let Some(next) = self.next_ticks {
            let gap = packet.start_ticks.saturating_sub(next);
            if gap > 0 && gap <= MAX_FILLED_GAP_TICKS {
                self.writer.push_silence(gap);
            }
        }
        self.next_ticks = Some(packet.start_ticks + u64::from(packet.duration_ticks));
        self.writer.push(&packet.payload, packet.duration_ticks);
        let pages = self.writer.take_bytes();
        self.write(&pages).await;
    }

    async fn write(&mut self, bytes: &[u8]) {
        if bytes.is_empty() || self.failed {
            return;
        }
        if self.file.is_none() {
            let opened = match self.path.parent() {
                Some(dir) => tokio::fs::create_dir_all(dir).await,
                None => Ok(()),
            };
            match opened {
                Ok(()) => match tokio::fs::File::create(&self.path).await {
                    Ok(file) => self.file = Some(file),
                    Err(error) => return self.fail(&error),
                },
                Err(error) => return self.fail(&error),
            }
        }
        if let Some(file) = &mut self.file
            && let Err(error) = file.write_all(bytes).await
        {
            self.fail(&error);
        }
        self.bytes += bytes.len() as u64;
    }

    fn fail(&mut self, error: &std::io::Error) {
        tracing::warn!(path = %self.path.display(), %error, "could not write the call's recording");
        self.failed = true;
    }

    /// Ends the file; its duration in ms if there is one to keep.
    async fn finish(mut self) -> Option<(String, PathBuf, u64, u64)> {
        let duration_ticks = self.writer.duration_ticks();
        let rest = std::mem::replace(&mut self.writer, OggOpusWriter::new(0, 0)).finish();
        self.next_ticks?; // no audio at all: nothing to keep
        self.write(&rest).await;
        let mut file = self.file.take()?;
        if let Err(error) = file.flush().await {
            self.fail(&error);
        }
        if self.failed {
            let _ = tokio::fs::remove_file(&self.path).await;
            return None;
        }
        Some((
            self.id,
            self.path,
            duration_ticks * 1000 / GRANULE_RATE,
            self.bytes,
        ))
    }
}

/// The recorder's task.
async fn record(call: CallInfo, mut notes: mpsc::Receiver<Note>, recorders: Recorders) {
    let mut window = PacketWindow::default();
    let mut whole = WholeCall::new(recorders.files.spool_dir().to_owned());
    while let Some(note) = notes.recv().await {
        match note {
            Note::Packet(packet) => {
                whole.push(&packet).await;
                window.push(packet);
            }
            Note::AnswerStarted { item_id, start_ms } => window.answer_started(&item_id, start_ms),
            Note::AnswerEnded {
                item_id,
                start_ms,
                end_ms,
            } => {
                let Some(cut) = window.cut(&item_id, start_ms, end_ms, rand::random()) else {
                    tracing::debug!(call_id = %call.call_id, %item_id, "no audio kept for the answer");
                    continue;
                };
                if cut.truncated {
                    tracing::info!(call_id = %call.call_id, %item_id, "answer longer than the recorder keeps: its start is not in the recording");
                }
                let id = new_id("rec_");
                let bytes = cut.ogg.len() as u64;
                let key = key_of(&call, &id);
                if let Err(error) = recorders.files.put(&key, cut.ogg).await {
                    tracing::warn!(call_id = %call.call_id, %error, "could not store an answer's recording");
                    continue;
                }
                index(
                    &recorders,
                    &call,
                    id,
                    Some(item_id),
                    key,
                    cut.duration_ms,
                    bytes,
                )
                .await;
            }
        }
    }
    if let Some((id, path, duration_ms, bytes)) = whole.finish().await {
        let key = key_of(&call, &id);
        match recorders.files.put_file(&key, &path).await {
            Ok(()) => index(&recorders, &call, id, None, key, duration_ms, bytes).await,
            Err(error) => {
                tracing::warn!(call_id = %call.call_id, %error, "could not store the call's recording")
            }
        }
    }
}

fn key_of(call: &CallInfo, id: &str) -> String {
    format!("{}/{}/{id}.ogg", call.org_id, call.call_id)
}

async fn index(
    recorders: &Recorders,
    call: &CallInfo,
    id: String,
    item_id: Option<String>,
    key: String,
    duration_ms: u64,
    bytes: u64,
) {
    let recording = Recording {
        id,
        org_id: call.org_id.clone(),
        call_id: call.call_id.clone(),
        interview_id: call.interview_id.clone(),
        item_id,
        key,
        duration_ms,
        bytes,
        created_at_ms: unix_ms(),
    };
    if let Err(error) = recorders.index.add_recording(&recording).await {
        tracing::warn!(call_id = %call.call_id, %error, "could not index a recording");
    }
}
