//! What the read commands print of the events they fetch: the selection (stream prefix,
//! `--grep`, `--grepv`), context events around matches (`-B`, `-A`, `-C`), `--jmespath` and
//! `--pretty`, and `--limit`.

use std::collections::VecDeque;
use std::io;

use super::event::{Event, Printer};
use super::fetch::Select;

/// Events kept before a match and still owed after one.
#[derive(Debug, Default)]
struct Context {
    before: usize,
    after: usize,
    held: VecDeque<Event>,
    owed: usize,
}

impl Context {
    /// The events to print now that `e` came, matching or not.
    fn feed(&mut self, e: &Event, matched: bool) -> Vec<Event> {
        if matched {
            self.owed = self.after;
            let mut out: Vec<Event> = self.held.drain(..).collect();
            out.push(e.clone());
            out
        } else if self.owed > 0 {
            self.owed -= 1;
            vec![e.clone()]
        } else {
            if self.before > 0 {
                if self.held.len() == self.before {
                    self.held.pop_front();
                }
                self.held.push_back(e.clone());
            }
            Vec::new()
        }
    }
}

/// Prints the selected events, with context, up to the limit.
pub struct Emitter<'a> {
    pub printer: &'a mut Printer,
    select: &'a Select,
    remaining: Option<u64>,
    context: Context,
}

impl<'a> Emitter<'a> {
    pub fn new(
        printer: &'a mut Printer,
        select: &'a Select,
        limit: Option<u64>,
        (before, after): (usize, usize),
    ) -> Emitter<'a> {
        Emitter {
            printer,
            select,
            remaining: limit,
            context: Context {
                before,
                after,
                ..Context::default()
            },
        }
    }

    /// True once `--limit` events were printed.
    pub fn done(&self) -> bool {
        self.remaining == Some(0)
    }

    /// Takes one fetched event; false once the limit is reached.
    pub fn offer(&mut self, e: &Event) -> io::Result<bool> {
        if !self.select.in_scope(e) {
            return Ok(!self.done());
        }
        let matched = self.select.matches(e);
        for e in self.context.feed(e, matched) {
            if self.done() {
                break;
            }
            let Some(message) = self.select.render(&e.message) else {
                continue;
            };
            self.printer.event(&Event { message, ..e })?;
            if let Some(r) = &mut self.remaining {
                *r -= 1;
            }
        }
        Ok(!self.done())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(m: &str) -> Event {
        Event {
            group: "g".into(),
            timestamp: 0,
            message: m.into(),
            stream: None,
            event_id: None,
            ingestion_time: None,
        }
    }

    #[test]
    fn context_holds_before_and_owes_after() {
        let mut c = Context {
            before: 2,
            after: 1,
            ..Context::default()
        };
        let mut printed = Vec::new();
        for m in ["a", "b", "c", "MATCH", "d", "e", "f", "MATCH2", "g"] {
            let out = c.feed(&ev(m), m.starts_with("MATCH"));
            printed.extend(out.into_iter().map(|e| e.message));
        }
        assert_eq!(printed, ["b", "c", "MATCH", "d", "e", "f", "MATCH2", "g"]);
    }
}
