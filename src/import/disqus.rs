//! `replydesk import disqus FILE.xml`.

use std::path::Path;

use super::{ImportError, Progress, Sink};

pub fn read(
    _path: &Path,
    _sink: &mut Sink<'_>,
    _progress: &mut dyn Progress,
) -> Result<(), ImportError> {
    Err(ImportError::Format(
        "this format is not supported yet".into(),
    ))
}
