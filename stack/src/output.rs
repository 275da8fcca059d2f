//! Child output: forwarding with a name prefix, the last lines kept for error
//! reports, and the readiness log-line match.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The last lines a service wrote, oldest first, with ANSI codes removed.
#[derive(Debug, Clone)]
pub(crate) struct Tail {
    lines: Arc<Mutex<VecDeque<String>>>,
    capacity: usize,
}

impl Tail {
    pub(crate) fn new(capacity: usize) -> Self {
        Tail {
            lines: Arc::new(Mutex::new(VecDeque::with_capacity(capacity))),
            capacity,
        }
    }

    fn push(&self, line: String) {
        // A panic while holding this lock cannot leave the deque invalid.
        let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        if self.capacity == 0 {
            return;
        }
        if lines.len() == self.capacity {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// Copies the kept lines, oldest first.
    pub(crate) fn snapshot(&self) -> Vec<String> {
        let lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        lines.iter().cloned().collect()
    }
}

/// Destinations of each line a reader reads: stdout, the tail and the
/// readiness flag.
#[derive(Debug, Clone)]
pub(crate) struct LineSink {
    /// Printed before each forwarded line, for example `session-hook | `;
    /// `None` forwards nothing.
    pub(crate) prefix: Option<String>,
    pub(crate) tail: Tail,
    /// Text that marks the service ready, and the flag set when it appears.
    pub(crate) ready_line: Option<(String, Arc<watch::Sender<bool>>)>,
}

/// Reads `stream` line by line until end of file, feeding `sink`.
pub(crate) fn spawn_reader<R>(stream: R, sink: LineSink) -> JoinHandle<()>
where
    R: AsyncRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut reader = BufReader::new(stream);
        let mut buffer = Vec::new();

        loop {
            buffer.clear();
            match reader.read_until(b'\n', &mut buffer).await {
                Ok(0) => break,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "reading child output failed");
                    break;
                }
            }

            // Lossy: a service that writes invalid UTF-8 still gets its
            // lines forwarded.
            let raw = String::from_utf8_lossy(&buffer);
            let raw = raw.trim_end_matches(['\n', '\r']);
            handle_line(raw, &sink);
        }
    })
}

fn handle_line(raw: &str, sink: &LineSink) {
    if let Some(prefix) = &sink.prefix {
        // One locked write per line keeps lines of different services whole.
        // A closed stdout is not a reason to stop the service.
        let _ = writeln!(std::io::stdout().lock(), "{prefix}{raw}");
    }

    let clean = strip_ansi(raw);
    if let Some((text, ready)) = &sink.ready_line
        && clean.contains(text.as_str())
    {
        ready.send_replace(true);
    }
    sink.tail.push(clean);
}

/// Removes ANSI escape sequences (colours and cursor control) from `line`.
pub(crate) fn strip_ansi(line: &str) -> String {
    let mut clean = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();

    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            clean.push(c);
            continue;
        }
        // CSI sequence: ESC [ parameters, ending with a byte in '@'..='~'.
        if chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            // Two-character escape such as ESC c.
            chars.next();
        }
    }
    clean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_ansi_colours() {
        let line = "\u{1b}[2m2026-01-01\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m ready";

        assert_eq!(strip_ansi(line), "2026-01-01  INFO ready");
    }

    #[test]
    fn strip_ansi_plain() {
        assert_eq!(strip_ansi("plain | text"), "plain | text");
    }

    #[test]
    fn tail_keeps_last() {
        let tail = Tail::new(2);
        for line in ["one", "two", "three"] {
            tail.push(line.to_owned());
        }

        assert_eq!(tail.snapshot(), ["two", "three"]);
    }

    #[tokio::test]
    async fn reader_marks_ready() {
        let (ready, mut seen) = watch::channel(false);
        let sink = LineSink {
            prefix: None,
            tail: Tail::new(10),
            ready_line: Some(("serving".to_owned(), Arc::new(ready))),
        };
        let input: &[u8] = b"starting\r\n\x1b[1mserving\x1b[0m on 1\nlast";

        spawn_reader(input, sink.clone())
            .await
            .expect("reader task");

        assert!(*seen.borrow_and_update());
        assert_eq!(sink.tail.snapshot(), ["starting", "serving on 1", "last"]);
    }
}
