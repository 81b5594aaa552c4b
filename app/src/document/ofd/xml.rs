//! What every XML file of an OFD package starts with, and text made safe
//! for it. The files are small and fixed in shape, so they are written as
//! text; the verifier reads them back with a parser (`quick-xml`).

/// The declaration each file starts with.
pub(crate) const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
/// The OFD namespace, on every root element with the `ofd:` prefix.
pub(crate) const NAMESPACE: &str = "xmlns:ofd=\"http://www.ofdspec.org/2016\"";

/// `text` as XML character data or an attribute value.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
