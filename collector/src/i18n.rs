//! Page language: Polish or English, chosen by `?lang=` when given, otherwise by
//! the browser's `Accept-Language`, otherwise Polish.

use axum::http::{header, HeaderMap};

/// A language every page and message exists in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Pl,
    En,
}

impl Lang {
    /// Returns the BCP 47 tag, for `<html lang>` and links.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Pl => "pl",
            Lang::En => "en",
        }
    }

    /// Returns the other language, for the language switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::Pl => Lang::En,
            Lang::En => Lang::Pl,
        }
    }

    /// Name of the language in itself.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Pl => "Polski",
            Lang::En => "English",
        }
    }

    /// Picks the text in this language.
    pub fn pick<'a>(self, polish: &'a str, english: &'a str) -> &'a str {
        match self {
            Lang::Pl => polish,
            Lang::En => english,
        }
    }

    /// Chooses the language from an explicit `lang` query value, then
    /// `Accept-Language`. Among the browser's languages the one with the highest
    /// quality value that is Polish or English wins; ties go to the first listed.
    pub fn negotiate(query: Option<&str>, headers: &HeaderMap) -> Lang {
        if let Some(lang) = query.and_then(Lang::from_tag) {
            return lang;
        }
        let Some(accept) = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
        else {
            return Lang::Pl;
        };

        let mut best: Option<(Lang, f32)> = None;
        for entry in accept.split(',') {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let quality = parts
                .find_map(|parameter| parameter.trim().strip_prefix("q="))
                .and_then(|value| value.parse::<f32>().ok())
                .unwrap_or(1.0);
            let Some(lang) = Lang::from_tag(tag) else {
                continue;
            };
            if quality > 0.0 && best.is_none_or(|(_, best_quality)| quality > best_quality) {
                best = Some((lang, quality));
            }
        }
        best.map_or(Lang::Pl, |(lang, _)| lang)
    }

    fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split('-').next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("pl") {
            Some(Lang::Pl)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
}

/// Formats an amount in grosz as złoty with two decimals, such as `12,34 zł`
/// (Polish) or `PLN 12.34` (English).
pub fn format_grosz(lang: Lang, grosz: i64) -> String {
    let sign = if grosz < 0 { "-" } else { "" };
    let whole = grosz.unsigned_abs() / 100;
    let fraction = grosz.unsigned_abs() % 100;
    match lang {
        Lang::Pl => format!("{sign}{whole},{fraction:02} zł"),
        Lang::En => format!("{sign}PLN {whole}.{fraction:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn polish_is_chosen_when_preferred() {
        assert_eq!(
            Lang::negotiate(None, &accept("pl-PL,pl;q=0.9,en;q=0.8")),
            Lang::Pl
        );
        assert_eq!(
            Lang::negotiate(None, &accept("en;q=0.5, pl;q=0.7")),
            Lang::Pl
        );
    }

    #[test]
    fn english_is_chosen_when_preferred() {
        assert_eq!(
            Lang::negotiate(None, &accept("en-GB,en;q=0.9,pl;q=0.3")),
            Lang::En
        );
        assert_eq!(Lang::negotiate(None, &accept("de-DE,en;q=0.5")), Lang::En);
    }

    #[test]
    fn polish_is_the_default() {
        assert_eq!(Lang::negotiate(None, &HeaderMap::new()), Lang::Pl);
        assert_eq!(Lang::negotiate(None, &accept("de,fr")), Lang::Pl);
    }

    #[test]
    fn query_overrides_the_header() {
        assert_eq!(Lang::negotiate(Some("en"), &accept("pl")), Lang::En);
        assert_eq!(Lang::negotiate(Some("xx"), &accept("en")), Lang::En);
    }

    #[test]
    fn grosz_are_formatted_per_language() {
        assert_eq!(format_grosz(Lang::Pl, 1234), "12,34 zł");
        assert_eq!(format_grosz(Lang::En, 5), "PLN 0.05");
    }
}
