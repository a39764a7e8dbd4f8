//! `extract::dom` builds the same tree as `scraper::Html::parse_document` (which the crawler's
//! list pages still use): the same html5ever tree builder decides both, and this checks the
//! sink carries its decisions out the same way, on every fixture, every fuzz input (corpus and
//! past crashes) and a few hand-written misnestings. Comment text and the doctype are not
//! compared: the light tree does not keep them.

use crate::extract::dom::{Document, NodeData, NodeId};
use ego_tree::NodeRef;
use std::fs;
use std::path::Path;

fn ours(doc: &Document, id: NodeId) -> String {
    let mut out = match doc.data(id) {
        NodeData::Document => "#document".to_string(),
        NodeData::Element(el) => {
            let mut attrs: Vec<_> = el
                .attrs
                .iter()
                .map(|a| format!("{:?}:{}={:?}", a.name.prefix, a.name.local, &*a.value))
                .collect();
            attrs.sort();
            format!("{:?}:{}[{}]", el.name.ns, el.name.local, attrs.join(" "))
        }
        NodeData::Text(t) => format!("{:?}", &**t),
        NodeData::Comment => "#comment".into(),
        NodeData::TemplateContents => "#contents".into(),
    };
    let children: Vec<String> = doc.children(id).map(|c| ours(doc, c)).collect();
    out.push_str(&format!("({})", children.join(",")));
    out
}

fn theirs(node: NodeRef<'_, scraper::Node>) -> Option<String> {
    use scraper::Node;
    let mut out = match node.value() {
        Node::Document => "#document".to_string(),
        Node::Doctype(_) => return None,
        Node::Element(el) => {
            let mut attrs: Vec<_> = el
                .attrs
                .iter()
                .map(|(name, value)| format!("{:?}:{}={:?}", name.prefix, name.local, &**value))
                .collect();
            attrs.sort();
            format!("{:?}:{}[{}]", el.name.ns, el.name.local, attrs.join(" "))
        }
        Node::Text(t) => format!("{:?}", &**t),
        Node::Comment(_) | Node::ProcessingInstruction(_) => "#comment".into(),
        Node::Fragment => "#contents".into(),
    };
    let children: Vec<String> = node.children().filter_map(theirs).collect();
    out.push_str(&format!("({})", children.join(",")));
    Some(out)
}

fn assert_same_tree(name: &str, html: &str) {
    let doc = Document::parse(html);
    assert_eq!(doc.flattened(), Default::default(), "{name}");
    let expected = theirs(scraper::Html::parse_document(html).tree.root());
    assert_eq!(Some(ours(&doc, NodeId::DOCUMENT)), expected, "{name}");
}

fn files(dir: &str, ext: Option<&str>) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && ext.is_none_or(|ext| p.extension().is_some_and(|e| e == ext)))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| (p.display().to_string(), fs::read(&p).unwrap()))
        .collect()
}

#[test]
fn fixtures_give_the_same_tree() {
    let pages: Vec<_> = ["fixtures", "fixtures/variants"]
        .iter()
        .flat_map(|dir| files(dir, Some("html")))
        .collect();
    assert!(pages.len() >= 20);
    for (name, bytes) in pages {
        assert_same_tree(&name, &crate::decode::decode(&bytes, None).text);
    }
}

#[test]
fn fuzz_inputs_give_the_same_tree() {
    let inputs: Vec<_> = ["fuzz/corpus/pipeline", "fuzz/regressions"]
        .iter()
        .flat_map(|dir| files(dir, None))
        .collect();
    assert!(inputs.len() >= 20, "{} fuzz inputs", inputs.len());
    for (name, bytes) in inputs {
        assert_same_tree(&name, &crate::decode::decode(&bytes, None).text);
    }
}

#[test]
fn misnested_markup_gives_the_same_tree() {
    for html in [
        "<table>续表<tr><td>1</td></tr>x</table>",
        "<div>a<table>b<tr><td>1<table>c<tr><td>2</table></td>d</tr></table>e</div>",
        "<b>1<p>2</b>3</p>",
        "<a><b><p><i>1</a>2</i>3</b>",
        "<b><b><b><b><p>x</b></b></b></b>",
        "<table><b><tr><td>1</b>2</td></tr></table>",
        "<template><td>x</td></template><p>y<template>z<table>w</table></template>",
        "<p>a<!--c-->b</p><!--after--></html><!--end-->",
        "<body class=a><body id=b class=c><html lang=zh>",
        "<svg><title>t</title><foreignObject><p>x</p></foreignObject></svg><math><mi>y",
        "<select><option>1<table><tr><td>2</select>",
        "<frameset><frame></frameset>text",
        "<table><caption>c<tr><td>1</caption></table>",
        "<noscript><p>a</p></noscript><script>b</script><style>c</style>",
    ] {
        assert_same_tree(html, html);
    }
}

/// The guard against hostile nesting (src/extract/guard.rs) leaves a tree alone up to its
/// limits: 254 nested elements under `<body>` (256 levels), and 8 nested formatting elements
/// (each on the stack and in the list of active formatting elements: 16).
#[test]
fn markup_up_to_the_parser_guards_limits_gives_the_same_tree() {
    assert_eq!(crate::extract::MAX_DEPTH, 256);
    assert_eq!(crate::extract::MAX_FORMATTING, 16);
    let divs = format!("{}x{}", "<div>".repeat(254), "</div>".repeat(254));
    let tables = format!("{}x", "<table><tr><td>".repeat(63));
    let formatting =
        "<font><b><i><u><em><strong><s><a>x</a></s></strong></em></u></i></b></font><p>y";
    let reopened = "<p><font color=1><font color=2><font color=3><b><i><u><em><s>x<p>y";
    for html in [divs.as_str(), &tables, formatting, reopened] {
        assert_same_tree(&html[..40.min(html.len())], html);
    }
}
