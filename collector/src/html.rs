//! A minimal HTML page frame and escaping, for the server-rendered pages.

use crate::i18n::Lang;

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Wraps `body` (already escaped HTML) in a page with the collector's style
/// sheet, optional same-origin `script`, and a language switch that links to
/// `path` in the other language.
pub fn page(lang: Lang, title: &str, path: &str, script: Option<&str>, body: &str) -> String {
    let other = lang.other();
    let separator = if path.contains('?') { '&' } else { '?' };
    let script = script
        .map(|src| {
            format!(
                "<script type=\"module\" src=\"{}\"></script>\n",
                escape(src)
            )
        })
        .unwrap_or_default();
    format!(
        "<!doctype html>\n<html lang=\"{lang_tag}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<link rel=\"stylesheet\" href=\"/assets/collector.css\">\n{script}</head>\n\
         <body>\n<nav class=\"language\"><a href=\"{switch_href}\" hreflang=\"{other_tag}\" lang=\"{other_tag}\">{other_name}</a></nav>\n\
         <main>\n{body}</main>\n</body>\n</html>\n",
        lang_tag = lang.tag(),
        title = escape(title),
        switch_href = escape(&format!("{path}{separator}lang={}", other.tag())),
        other_tag = other.tag(),
        other_name = other.native_name(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<script>alert(\"x\")</script> & 'y'"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn page_links_to_the_other_language() {
        let html = page(Lang::Pl, "Tytuł", "/org?days=7", None, "<p>treść</p>");

        assert!(html.contains("<html lang=\"pl\">"));
        assert!(html.contains("href=\"/org?days=7&amp;lang=en\""), "{html}");
        assert!(!html.contains("<script"));
    }
}
