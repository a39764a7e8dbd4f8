//! Decoding, one rule a test: BOM, header, meta, sniffing, and the fallbacks.

use super::*;

fn gbk(text: &str) -> Vec<u8> {
    GBK.encode(text).0.into_owned()
}

#[test]
fn utf8_bom_decides_and_is_stripped() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice("<p>民生</p>".as_bytes());
    let d = decode(&bytes, None);
    assert_eq!(
        (d.encoding, d.source, d.text.as_str()),
        (UTF_8, EncodingSource::Bom, "<p>民生</p>")
    );
}

#[test]
fn meta_gb2312_decodes_as_gbk() {
    let bytes = gbk(
        r#"<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>文成县</body></html>"#,
    );
    let d = decode(&bytes, None);
    assert_eq!((d.encoding, d.source), (GBK, EncodingSource::Meta));
    assert!(d.text.contains("文成县"));
    assert_eq!(d.replacement_chars, 0);
}

#[test]
fn meta_charset_attribute_is_found() {
    let bytes = gbk(r#"<meta charset="gb18030"><p>文成县</p>"#);
    assert_eq!(decode(&bytes, None).encoding, GB18030);
}

#[test]
fn charset_in_body_does_not_win() {
    let bytes = gbk(
        r#"<html><head><title>t</title></head><body><meta charset="utf-8"><p>文成县人民政府民生实事项目进度</p></body></html>"#,
    );
    let d = decode(&bytes, None);
    assert_eq!(d.source, EncodingSource::Sniff);
    assert!(d.text.contains("文成县人民政府"));
}

#[test]
fn commented_out_meta_is_ignored() {
    assert_eq!(
        prescan_meta_charset(b"<!-- <meta charset=gbk> --><meta charset=utf-8>"),
        Some(UTF_8)
    );
}

#[test]
fn gbk_without_declaration_is_sniffed() {
    let bytes = gbk("<html><body><p>公共服务七优享民生实事项目半年度进度表，为全县老年人免费接种流感疫苗。</p></body></html>");
    let d = decode(&bytes, None);
    assert_eq!((d.encoding, d.source), (GBK, EncodingSource::Sniff));
    assert!(d.text.contains("流感疫苗"));
}

#[test]
fn valid_utf8_wins_over_a_gbk_declaration() {
    let bytes = r#"<meta charset="gbk"><p>文成县</p>"#.as_bytes();
    let d = decode(bytes, None);
    assert_eq!((d.encoding, d.source), (UTF_8, EncodingSource::Fallback));
    assert!(d.note.unwrap().contains("GBK"));
}

#[test]
fn gbk_served_as_utf8_falls_back_to_detection() {
    let bytes = gbk("<html><body><p>公共服务七优享民生实事项目半年度进度表，为全县老年人免费接种流感疫苗。</p></body></html>");
    let d = decode(&bytes, Some("text/html; charset=utf-8"));
    assert_eq!((d.encoding, d.source), (GBK, EncodingSource::Fallback));
    assert_eq!(d.replacement_chars, 0);
    assert!(d.text.contains("流感疫苗"));
}

#[test]
fn header_charset_decides_before_meta() {
    let bytes = gbk(r#"<meta charset="big5"><p>文成县</p>"#);
    let d = decode(&bytes, Some("text/html; charset=GBK"));
    assert_eq!((d.encoding, d.source), (GBK, EncodingSource::Header));
}

#[test]
fn pure_ascii_without_declaration_is_default_utf8() {
    let d = decode(b"<p>hello</p>", None);
    assert_eq!((d.encoding, d.source), (UTF_8, EncodingSource::Default));
}

#[test]
fn occasional_malformed_bytes_are_counted_not_redecoded() {
    let mut bytes = br#"<meta charset="utf-8"><p>"#.to_vec();
    bytes.extend_from_slice("公共服务七优享民生实事项目".repeat(10).as_bytes());
    bytes.push(0xFF);
    let d = decode(&bytes, None);
    assert_eq!((d.encoding, d.source), (UTF_8, EncodingSource::Meta));
    assert_eq!(d.replacement_chars, 1);
    assert!(d.text.ends_with("项目\u{FFFD}"));
}

#[test]
fn utf8_validation_agrees_with_std() {
    let long = "民生实事进度表".repeat(40);
    let mut inputs: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"ascii only".to_vec(),
        long.as_bytes().to_vec(),
        b"\xE6\xB0".to_vec(),            // truncated CJK character
        b"\xED\xA0\x80".to_vec(),        // a surrogate
        b"\xC0\xAF".to_vec(),            // overlong
        b"\xF4\x90\x80\x80".to_vec(),    // above U+10FFFF
        b"\xF0\x9F\x98\x80 ok".to_vec(), // four bytes
    ];
    let mut cut = long.as_bytes().to_vec();
    cut.truncate(cut.len() - 1);
    inputs.push(cut);
    let mut gbk_in_utf8 = long.as_bytes().to_vec();
    gbk_in_utf8.extend_from_slice(&gbk("进度"));
    inputs.push(gbk_in_utf8);
    for bytes in inputs {
        let std_says = std::str::from_utf8(&bytes).is_ok();
        let decoded = decode(&bytes, None);
        let took_utf8 = decoded.encoding == UTF_8 && decoded.replacement_chars == 0;
        if std_says {
            assert!(took_utf8, "{bytes:?}");
            assert_eq!(decoded.text.as_bytes(), &bytes[..]);
        }
        assert_eq!(
            UTF_8
                .decode_without_bom_handling_and_without_replacement(&bytes)
                .is_some(),
            std_says,
            "{bytes:?}"
        );
    }
}

#[test]
fn content_type_charset_parsing() {
    assert_eq!(
        charset_from_content_type("text/html; charset=\"gb2312\""),
        Some(GBK)
    );
    assert_eq!(charset_from_content_type("text/html"), None);
    assert_eq!(
        charset_from_content_type("text/html; charset=nonsense"),
        None
    );
}

#[test]
fn counting_utf8_damage_without_decoding_gives_the_decoder_s_counts() {
    let seed = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/wencheng_2024_half_year.html"
    ))
    .unwrap();
    let seed_gbk = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/wencheng_2024_half_year_gbk.html"
    ))
    .unwrap();
    let mut damaged = seed.clone();
    for at in [1000, 5000, 9000] {
        damaged[at] = 0xFF;
    }
    let mut cut = "进度表".as_bytes().to_vec();
    cut.truncate(cut.len() - 1);
    // The GBK page is given up on before its end; the damaged UTF-8 one is counted whole.
    assert_eq!(utf8_damage(&seed_gbk), None);
    assert!(utf8_damage(&damaged).is_some());
    for bytes in [
        seed,
        seed_gbk,
        damaged,
        cut,
        b"\xF0\x9F\x98\xC0\xAF\xED\xA0\x80x\xE4\xBD".to_vec(),
    ] {
        let (text, replaced) = decode_with(UTF_8, &bytes);
        let non_ascii = text.chars().filter(|c| !c.is_ascii()).count();
        match utf8_damage(&bytes) {
            Some(counts) => assert_eq!(counts, (replaced, non_ascii)),
            // Given up early only when the whole count says the same.
            None => assert!(!is_mostly_valid((replaced, non_ascii))),
        }
    }
}
