//! Reads the HTML sign-in form that mock-okta's authorize endpoint shows:
//! its `action` and its hidden fields. Only what a plain `<form>` with
//! quoted attributes needs; it is not a general HTML parser.

/// A form to post: its target and the fields it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlForm {
    /// The `action` attribute, unescaped.
    pub action: String,
    /// `name` and `value` of every `<input>` with a name, in order.
    pub fields: Vec<(String, String)>,
}

/// Returns the first `<form>` of `html`, or `None` when there is none.
pub fn first_form(html: &str) -> Option<HtmlForm> {
    let start = html.find("<form")?;
    let rest = &html[start..];
    let end = rest.find("</form>").unwrap_or(rest.len());
    let form = &rest[..end];

    let form_tag = &form[..form.find('>')?];
    let action = attribute(form_tag, "action")?;

    let mut fields = Vec::new();
    let mut remaining = form;
    while let Some(position) = remaining.find("<input") {
        let tag_start = &remaining[position..];
        let tag_end = tag_start.find('>').unwrap_or(tag_start.len());
        let tag = &tag_start[..tag_end];
        if let Some(name) = attribute(tag, "name") {
            fields.push((name, attribute(tag, "value").unwrap_or_default()));
        }
        remaining = &tag_start[tag_end..];
    }
    Some(HtmlForm { action, fields })
}

/// Returns the double-quoted attribute `name` of `tag`, unescaped.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let length = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + length]))
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<html><body><h1>Sign in</h1>
<form method="post" action="http://127.0.0.1:9400/login/signin?a=1&amp;b=2">
<input type="hidden" name="request_id" value="Nn2uYTsc">
<input id="username" name="username" value="" type="text" required autofocus>
<input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form></body></html>"#;

    #[test]
    fn form_action_unescaped() {
        let form = first_form(PAGE).expect("form found");

        assert_eq!(form.action, "http://127.0.0.1:9400/login/signin?a=1&b=2");
    }

    #[test]
    fn form_fields_in_order() {
        let form = first_form(PAGE).expect("form found");
        let names: Vec<&str> = form.fields.iter().map(|(name, _)| name.as_str()).collect();

        assert_eq!(names, ["request_id", "username", "password"]);
        assert_eq!(form.fields[0].1, "Nn2uYTsc");
    }

    #[test]
    fn form_missing() {
        assert_eq!(first_form("<html><p>Signed out</p></html>"), None);
    }
}
