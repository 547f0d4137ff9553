//! The JSON report (SPEC section 6): one object, field for field as documented there.

use super::Report;
use std::io::{self, Write};

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // `io::Error::from` keeps the write error's kind (a closed pipe stays `BrokenPipe`).
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::from)?;
    writeln!(out)
}
