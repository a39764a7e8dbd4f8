//! The tree against html5ever's decisions, one behaviour a test.

use super::*;
use html5ever::local_name;

/// The tree under the document node in one line: `name[attr=value](children)`, text in
/// quotes, `#comment`, and `#contents` for a template's content.
fn outline(html: &str) -> String {
    let doc = Document::parse(html);
    let parts: Vec<String> = doc
        .children(NodeId::DOCUMENT)
        .map(|id| outline_of(&doc, id))
        .collect();
    parts.join(",")
}

fn outline_of(doc: &Document, id: NodeId) -> String {
    let mut out = match doc.data(id) {
        NodeData::Document => String::new(),
        NodeData::Element(el) => {
            let mut attrs: Vec<_> = el
                .attrs
                .iter()
                .map(|a| format!("{}={}", a.name.local, a.value))
                .collect();
            attrs.sort();
            if attrs.is_empty() {
                el.name().to_string()
            } else {
                format!("{}[{}]", el.name(), attrs.join(" "))
            }
        }
        NodeData::Text(t) => format!("{:?}", &**t),
        NodeData::Comment => "#comment".into(),
        NodeData::TemplateContents => "#contents".into(),
    };
    let children: Vec<String> = doc.children(id).map(|c| outline_of(doc, c)).collect();
    if !children.is_empty() {
        out.push_str(&format!("({})", children.join(",")));
    }
    out
}

#[test]
fn tbody_is_implied_between_table_and_rows() {
    assert_eq!(
        outline("<table><tr><td>1</td></tr></table>"),
        r#"html(head,body(table(tbody(tr(td("1"))))))"#
    );
}

#[test]
fn text_inside_a_table_but_outside_cells_is_fostered_before_the_table() {
    assert_eq!(
        outline("<table>续表<tr><td>1</td></tr></table>"),
        r#"html(head,body("续表",table(tbody(tr(td("1"))))))"#
    );
}

#[test]
fn misnested_inline_tags_are_closed_and_reopened() {
    assert_eq!(
        outline("<p><b><i>x</b>y</i></p>"),
        r#"html(head,body(p(b(i("x")),i("y"))))"#
    );
}

#[test]
fn adoption_agency_moves_a_block_out_of_a_formatting_element() {
    assert_eq!(
        outline("<b>1<p>2</b>3</p>"),
        r#"html(head,body(b("1"),p(b("2"),"3")))"#
    );
}

#[test]
fn template_content_hangs_under_a_contents_node() {
    assert_eq!(
        outline("<template><td>x</td></template><p>y"),
        r#"html(head(template(#contents(td("x")))),body(p("y")))"#
    );
}

#[test]
fn adjacent_text_is_one_node_but_a_comment_keeps_two() {
    assert_eq!(
        outline("<p>a&amp;b<!-- c -->d</p>"),
        r#"html(head,body(p("a&b",#comment,"d")))"#
    );
}

#[test]
fn fostered_text_merges_with_the_text_before_the_table() {
    assert_eq!(
        outline("<div>a<table>b<tr><td>1</td></tr></table></div>"),
        r#"html(head,body(div("ab",table(tbody(tr(td("1")))))))"#
    );
}

#[test]
fn a_second_body_tag_adds_only_missing_attributes() {
    assert_eq!(
        outline(r#"<body class="a"><p>x</p><body id="b" class="c">"#),
        r#"html(head,body[class=a id=b](p("x")))"#
    );
}

#[test]
fn attribute_lookup_finds_plain_attributes_only() {
    let doc = Document::parse(r#"<p class="x"><svg xlink:href="a"></svg>"#);
    let els: Vec<&Element> = doc
        .descendants(NodeId::DOCUMENT)
        .filter_map(|id| doc.element(id))
        .collect();
    let svg = els
        .iter()
        .find(|e| *e.name() == local_name!("svg"))
        .unwrap();
    assert_eq!(svg.attr(&local_name!("href")), None);
    assert_eq!(svg.attrs.len(), 1);
    let p = els.iter().find(|e| *e.name() == local_name!("p")).unwrap();
    assert_eq!(p.attr(&local_name!("class")), Some("x"));
}
