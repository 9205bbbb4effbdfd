//! What the XML importers share: a strict streaming reader over a file, text
//! gathered from text, CDATA and entity events, and errors with a position.

use std::io::BufReader;

use quick_xml::events::{BytesRef, Event};
use quick_xml::name::ResolveResult;

use super::ImportError;

/// An XML file read event by event, never whole.
pub struct XmlFile {
    reader: quick_xml::NsReader<BufReader<std::fs::File>>,
    buffer: Vec<u8>,
    /// Where the last event started: the position reported for problems in it.
    pub event_start: u64,
    pub size: u64,
}

/// One event, reduced to what the importers look at.
pub enum Node {
    /// An element opened (an empty element is reported opened, then closed).
    Open {
        ns: Namespace,
        local: String,
        /// Attributes as (local name, value); prefixes are dropped.
        attributes: Vec<(String, String)>,
    },
    Close,
    Text(String),
    End,
}

/// Which namespace an element is in, as far as the importers care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Namespace {
    /// No namespace (RSS's own elements).
    None,
    /// A namespace URI.
    Uri(String),
    /// A prefix that was never declared, such as `wp:` in a fragment.
    UnknownPrefix(String),
}

impl XmlFile {
    pub fn open(path: &std::path::Path) -> Result<Self, ImportError> {
        let (file, size) = super::open(path)?;
        let mut reader =
            quick_xml::NsReader::from_reader(BufReader::with_capacity(256 * 1024, file));
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.check_comments = true;
        Ok(XmlFile {
            reader,
            buffer: Vec::with_capacity(64 * 1024),
            event_start: 0,
            size,
        })
    }

    /// How far into the file the reader is, in bytes.
    pub fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    /// The next event that matters; comments, declarations and processing
    /// instructions are passed over.
    pub fn next(&mut self) -> Result<Node, ImportError> {
        loop {
            self.buffer.clear();
            self.event_start = self.reader.buffer_position();
            let (ns, event) = match self.reader.read_resolved_event_into(&mut self.buffer) {
                Ok(read) => read,
                Err(e) => {
                    // Every syntax error is something left open when the input ended.
                    let hint = match e {
                        quick_xml::Error::Syntax(_) => " (is the file truncated?)",
                        _ => "",
                    };
                    return Err(ImportError::Syntax {
                        offset: self.reader.error_position(),
                        message: format!("{e}{hint}"),
                    });
                }
            };
            let at = self.event_start;
            return Ok(match event {
                Event::Start(start) => {
                    let namespace = match ns {
                        ResolveResult::Unbound => Namespace::None,
                        ResolveResult::Bound(uri) => Namespace::Uri(uri.as_ref().to_owned()),
                        ResolveResult::Unknown(prefix) => Namespace::UnknownPrefix(prefix),
                    };
                    let local = start.local_name().as_ref().to_owned();
                    let mut attributes = Vec::new();
                    for attribute in start.attributes() {
                        let attribute = attribute.map_err(|e| ImportError::Syntax {
                            offset: at,
                            message: format!("in <{local}>: {e}"),
                        })?;
                        let value = attribute
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|e| ImportError::Syntax {
                                offset: at,
                                message: format!("in <{local}>: {e}"),
                            })?;
                        attributes.push((
                            attribute.key.local_name().as_ref().to_owned(),
                            value.into_owned(),
                        ));
                    }
                    Node::Open {
                        ns: namespace,
                        local,
                        attributes,
                    }
                }
                Event::End(_) => Node::Close,
                Event::Text(text) => Node::Text(text.xml10_content().into_owned()),
                Event::CData(data) => Node::Text(data.xml10_content().into_owned()),
                Event::GeneralRef(reference) => Node::Text(resolve(&reference)),
                Event::Eof => Node::End,
                Event::Empty(_)
                | Event::Comment(_)
                | Event::Decl(_)
                | Event::PI(_)
                | Event::DocType(_) => continue,
            });
        }
    }
}

/// An entity as text: the five XML ones and character references resolved,
/// anything else (`&nbsp;` from a sloppy exporter) kept as written, since the
/// body is HTML that the renderer sanitizes anyway.
fn resolve(reference: &BytesRef<'_>) -> String {
    if let Ok(Some(c)) = reference.resolve_char_ref() {
        return c.to_string();
    }
    let name = reference.xml10_content();
    match name.as_ref() {
        "lt" => "<".into(),
        "gt" => ">".into(),
        "amp" => "&".into(),
        "apos" => "'".into(),
        "quot" => "\"".into(),
        other => format!("&{other};"),
    }
}

/// The error for a file that ends inside an element.
pub fn truncated(opened_at: u64, name: &str) -> ImportError {
    ImportError::Syntax {
        offset: opened_at,
        message: format!(
            "the file ends before the <{name}> opened here is closed (is it truncated?)"
        ),
    }
}
