//! What the XML importers share: a strict streaming reader over a file, text
//! gathered from text, CDATA and entity events, errors with a position, and
//! [`walk`], which keeps the element stack and each field's text so that an
//! importer only says which elements it wants and what it does with them.

use std::io::BufReader;

use quick_xml::events::{BytesRef, Event};
use quick_xml::name::ResolveResult;

use super::ImportError;

/// An XML file read event by event, never whole.
pub struct XmlFile {
    reader: quick_xml::NsReader<BufReader<std::fs::File>>,
    buffer: Vec<u8>,
    /// Where the last event started: the position reported for problems in it.
    event_start: u64,
    pub size: u64,
}

/// One event, reduced to what the importers look at.
enum Node {
    /// An element opened (an empty element is reported opened, then closed).
    Open(Element),
    Close,
    Text(String),
    End,
}

/// An element as it opens.
pub struct Element {
    pub ns: Namespace,
    pub local: String,
    /// Attributes as (local name, value); prefixes are dropped.
    pub attributes: Vec<(String, String)>,
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
    fn next(&mut self) -> Result<Node, ImportError> {
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
                    Node::Open(Element {
                        ns: namespace,
                        local,
                        attributes,
                    })
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
fn truncated(opened_at: u64, name: &str) -> ImportError {
    ImportError::Syntax {
        offset: opened_at,
        message: format!(
            "the file ends before the <{name}> opened here is closed (is it truncated?)"
        ),
    }
}

/// What an importer makes of the elements [`walk`] meets: which ones it
/// wants, and what it does with their text and with each record it finishes.
pub trait Visitor {
    /// What an open element is to the importer. Each element is told apart
    /// by its parent's frame, so a frame it ignores makes all below it ignored.
    type Frame: Copy;
    /// A field: an element whose text is a value.
    type Field;

    /// An element opened at byte `at` inside one of frame `parent` (`None`
    /// for the root element): what it is. An error ends the walk.
    fn open(
        &mut self,
        parent: Option<Self::Frame>,
        element: &Element,
        at: u64,
    ) -> Result<Self::Frame, ImportError>;

    /// The field `frame` is, if it is one. A field's text is gathered from
    /// when it opens until it closes, leaving out the text of elements in it.
    fn field(frame: Self::Frame) -> Option<Self::Field>;

    /// A field closed, with its text.
    fn value(&mut self, field: Self::Field, text: String);

    /// An element that is not a field closed; `file` says how far it is read.
    fn close(&mut self, frame: Self::Frame, file: &XmlFile) -> Result<(), ImportError>;
}

/// Reads `file` to its end, telling `visitor` of each element that opens and
/// closes. An element still open when the file ends means it was cut short.
pub fn walk<V: Visitor>(file: &mut XmlFile, visitor: &mut V) -> Result<(), ImportError> {
    let mut stack: Vec<(V::Frame, u64, String)> = Vec::new();
    let mut text = String::new();
    loop {
        match file.next()? {
            Node::Open(element) => {
                let parent = stack.last().map(|(frame, _, _)| *frame);
                let frame = visitor.open(parent, &element, file.event_start)?;
                if V::field(frame).is_some() {
                    text.clear();
                }
                stack.push((frame, file.event_start, element.local));
            }
            Node::Text(chunk) => {
                if let Some((frame, _, _)) = stack.last()
                    && V::field(*frame).is_some()
                {
                    text.push_str(&chunk);
                }
            }
            Node::Close => {
                if let Some((frame, _, _)) = stack.pop() {
                    match V::field(frame) {
                        Some(field) => visitor.value(field, std::mem::take(&mut text)),
                        None => visitor.close(frame, file)?,
                    }
                }
            }
            Node::End => {
                return match stack.last() {
                    Some((_, opened_at, name)) => Err(truncated(*opened_at, name)),
                    None => Ok(()),
                };
            }
        }
    }
}
