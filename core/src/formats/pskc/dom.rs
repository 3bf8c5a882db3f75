//! A small element tree over quick-xml, matched by local name (namespace
//! prefixes vary between PSKC producers; python-pskc and privacyIDEA ignore
//! them too). Text is kept in wiping buffers: it holds the secrets.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use zeroize::Zeroizing;

use crate::formats::FormatError;

/// Deeper nesting than any PSKC file has is refused rather than recursed into.
const MAX_DEPTH: usize = 64;

#[derive(Debug)]
pub(super) struct Element {
    pub name: String,
    attrs: Vec<(String, String)>,
    pub text: Zeroizing<String>,
    pub children: Vec<Element>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Follows a `/`-separated path of child names.
    pub fn path(&self, path: &str) -> Option<&Element> {
        path.split('/').try_fold(self, |e, name| e.child(name))
    }

    /// Trimmed text of the element at `path`, if present and not blank.
    pub fn text_at(&self, path: &str) -> Option<&str> {
        self.path(path)
            .map(|e| e.text.trim())
            .filter(|t| !t.is_empty())
    }
}

fn local(name: &[u8]) -> String {
    let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
    String::from_utf8_lossy(local).into_owned()
}

/// An element name as a message shows it: a short XML name as it is, anything else (a
/// malformed file can put any text, even a seed, where a name should be) as "…".
fn shown_name(name: &str) -> &str {
    let name_like = name.chars().count() <= crate::echo::ECHO_CHARS
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ':' | '-' | '_' | '.'));
    if name_like {
        name
    } else {
        "…"
    }
}

/// quick-xml's message without the text it quotes from the file, except short names.
fn xml_message(e: &quick_xml::Error) -> String {
    use quick_xml::errors::IllFormedError as Ill;
    use quick_xml::escape::EscapeError;
    let ill = |m: String| format!("ill-formed document: {m}");
    match e {
        quick_xml::Error::IllFormed(Ill::MismatchedEndTag { expected, found }) => ill(format!(
            "expected `</{}>`, but `</{}>` was found",
            shown_name(expected),
            shown_name(found)
        )),
        quick_xml::Error::IllFormed(Ill::UnmatchedEndTag(tag)) => ill(format!(
            "close tag `</{}>` does not match any open tag",
            shown_name(tag)
        )),
        quick_xml::Error::IllFormed(Ill::MissingEndTag(tag)) => ill(format!(
            "start tag not closed: `</{}>` not found before end of input",
            shown_name(tag)
        )),
        quick_xml::Error::IllFormed(Ill::MissingDeclVersion(Some(_))) => {
            ill("an XML declaration must start with its `version` attribute".into())
        }
        quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, entity)) => {
            format!("unrecognized entity `{}`", shown_name(entity))
        }
        // quick-xml quotes the reference (`&#…;` digits, which may stand in a seed's value).
        quick_xml::Error::Escape(EscapeError::InvalidCharRef(_)) => {
            "a character reference (&#…;) that is not a valid character".into()
        }
        quick_xml::Error::Escape(_) => "a malformed character or entity reference".into(),
        other => other.to_string(),
    }
}

fn line_of(input: &str, pos: u64) -> u64 {
    let end = usize::try_from(pos).unwrap_or(usize::MAX).min(input.len());
    1 + input.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
}

fn open(start: &BytesStart<'_>, input: &str, pos: u64) -> Result<Element, FormatError> {
    let mut attrs = Vec::new();
    for a in start.attributes() {
        let a = a.map_err(|e| FormatError::Xml {
            line: line_of(input, pos),
            message: e.to_string(),
        })?;
        let key = local(a.key.as_ref());
        if key == "xmlns" || a.key.as_ref().starts_with(b"xmlns:") {
            continue;
        }
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| FormatError::Xml {
                line: line_of(input, pos),
                message: xml_message(&e),
            })?;
        attrs.push((key, value.into_owned()));
    }
    Ok(Element {
        name: local(start.name().as_ref()),
        attrs,
        text: Zeroizing::new(String::new()),
        children: Vec::new(),
    })
}

pub(super) fn parse(input: &str) -> Result<Element, FormatError> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut reader = Reader::from_str(input);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let pos = reader.buffer_position();
        let xml_error = |message: String| FormatError::Xml {
            line: line_of(input, pos),
            message,
        };
        let event = reader.read_event().map_err(|e| FormatError::Xml {
            line: line_of(input, reader.error_position()),
            message: xml_message(&e),
        })?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(xml_error("elements nest too deeply for a PSKC file".into()));
                }
                stack.push(open(&start, input, pos)?);
            }
            Event::Empty(start) => {
                let element = open(&start, input, pos)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let element = stack
                    .pop()
                    .ok_or_else(|| xml_error("a closing tag without an opening one".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(t) => {
                let text = t.xml10_content().map_err(|e| xml_error(e.to_string()))?;
                if let Some(e) = stack.last_mut() {
                    e.text.push_str(&text);
                }
            }
            Event::CData(t) => {
                let text = t.xml10_content().map_err(|e| xml_error(e.to_string()))?;
                if let Some(e) = stack.last_mut() {
                    e.text.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|e| xml_error(xml_message(&e)))?
                        .map(String::from)
                } else {
                    let name = r.decode().map_err(|e| xml_error(e.to_string()))?;
                    quick_xml::escape::resolve_xml_entity(&name).map(str::to_string)
                };
                let resolved = resolved
                    .ok_or_else(|| xml_error("an entity reference XML does not define".into()))?;
                if let Some(e) = stack.last_mut() {
                    e.text.push_str(&resolved);
                }
            }
            Event::DocType(_) => {
                return Err(xml_error(
                    "the file declares a DOCTYPE; PSKC files have none, and entity declarations are refused".into(),
                ))
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(FormatError::Xml {
            line: line_of(input, input.len() as u64),
            message: format!(
                "the file ends inside <{}>",
                stack.last().map_or("", |e| shown_name(&e.name))
            ),
        });
    }
    root.ok_or(FormatError::Empty("it contains no XML element"))
}
