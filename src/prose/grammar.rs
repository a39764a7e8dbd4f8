//! The completion grammar: which percentages in a sentence say how far an item has got, and
//! which completion words say it is done.
//!
//! Prose reports are full of percentages that are not completion: growth (`同比增长12%`),
//! shares (`占比30%`), coverage and other rates (`覆盖率达95%`, `失业率控制在3%以内`). Precision
//! first (DESIGN "Prose reports"): a percentage counts only when the words right before it, in
//! its own clause, are one of the completion phrases below; everything else is ignored. Two
//! different completion percentages in one item, or a range, make it [`Completion::Ambiguous`]:
//! the reader rejects such an item rather than pick one.
//!
//! | completion phrase before the number | example | value |
//! |---|---|---|
//! | `完成率(为/达/达到)X%` | `全县民生实事项目完成率达85%` | 85 |
//! | `完成(年度/全年)(目标/计划/任务/投资…)(的)X%` | `完成年度计划的60%` | 60 |
//! | `(已)完成X%`, `累计完成X%` | `目前已完成62.5%` | 62.5 |
//! | `(工程/形象)进度(达)X%` | `工程形象进度达80%` | 80 |
//! | `完成投资…，占(年度)(计划/目标/任务)(的)X%` | `完成投资1200万元，占年度计划的60%` | 60 |
//! | `完成…，为(年度)计划的X%` | `累计完成投资5.6亿元，为年度计划的112%` | 112 |
//!
//! Not completion (the number is ignored): `增长12%`, `同比`, `占比30%`, `覆盖率达95%`,
//! `失业率`, `满意度`, `合格率`, and a completion phrase said of the future or a plan
//! (`计划完成80%`, `预计完成`, `力争完成`, `确保年底前完成`).
//!
//! Completion words without a percentage mean the whole item is done (100): `已全部完成`,
//! `全面完成`, `已完成` / `已竣工` / `已投用` / `已建成` / `已完工` / `已投入使用`, when the word
//! ends its clause or is followed only by a whole-task object (`已完成年度目标任务`). Not: a step
//! (`已完成招标`, `已完成主体工程`, `已建成3所`), an attributive or future use (`已完成的`,
//! `完成后`, `将全面完成`), a clause whose subject is a part (`其中2所已竣工`), nor an item that
//! also says something is still under way (`正在`, `在建`, `尚未`, `其余`).
//!
//! A text that is only a percentage (`80%`, a table's progress-note cell) is that completion.
//! Full-width digits, `％` and `．` are read; whitespace inside the text is ignored. Values
//! above 100 are kept as written (`完成序时进度的112%` → 112). `百分之六十` is not read.

use regex::Regex;
use std::sync::LazyLock;

/// What an item's text says about its completion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Completion {
    /// One completion percentage (possibly written more than once).
    Percent(f64),
    /// Completion words for the whole item and no completion percentage: 100.
    Words,
    /// No completion signal.
    None,
    /// Two different completion percentages (`first`, `second`), or a range of them.
    Ambiguous { first: f64, second: f64 },
}

impl Completion {
    /// The completion percentage this signal gives: the percentage, 100 for words, else none.
    pub fn value(self) -> Option<f64> {
        match self {
            Completion::Percent(v) => Some(v),
            Completion::Words => Some(100.0),
            Completion::None | Completion::Ambiguous { .. } => None,
        }
    }
}

/// Reads the completion signal of `text` (one item, or one progress-note cell).
pub fn completion(text: &str) -> Completion {
    let folded = fold(text);
    if let Some(value) = BARE_PERCENT
        .captures(&folded)
        .and_then(|c| c.get(1)?.as_str().parse().ok())
    {
        return Completion::Percent(value); // a progress-note cell that is only `80%`
    }
    let mut values: Vec<f64> = Vec::new();
    for m in PERCENT.captures_iter(&folded) {
        let (Some(whole), Some(number)) = (m.get(0), m.get(1)) else {
            continue;
        };
        let Ok(value) = number.as_str().parse::<f64>() else {
            continue;
        };
        if !is_completion_percent(&folded[..whole.start()]) {
            continue;
        }
        if let Some(upper) = range_end(&folded[whole.end()..]) {
            return Completion::Ambiguous {
                first: value,
                second: upper,
            };
        }
        if let Some(&first) = values.first() {
            if (first - value).abs() > 1e-9 {
                return Completion::Ambiguous {
                    first,
                    second: value,
                };
            }
        }
        values.push(value);
    }
    if let Some(&value) = values.first() {
        return Completion::Percent(value);
    }
    if says_whole_item_done(&folded) {
        return Completion::Words;
    }
    Completion::None
}

/// Full-width ASCII forms (`０`–`９`, `％`, `．`, `，`, `；`, `：`, `（`) folded to ASCII, and all
/// whitespace removed: the grammar reads `完成 60 ％` as `完成60%`.
fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// A text that is nothing but one percentage: a table's progress-note cell `80%`.
static BARE_PERCENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d+(?:\.\d+)?)%[。.]?$").unwrap());

static PERCENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\d+(?:\.\d+)?)%").unwrap());

/// Clause boundaries (after folding): a percentage is judged by the words of its own clause;
/// an opening bracket starts one too (`新建幼儿园3所（已完成）`).
fn clause_start(text: &str) -> usize {
    text.rfind(['。', ',', ';', '!', '?', '、', '('])
        .map_or(0, |at| {
            at + text[at..].chars().next().map_or(1, char::len_utf8)
        })
}

/// The phrases that make the percentage right after them a completion percentage, each
/// anchored at the end of the text before the number (its own clause), with an example.
const COMPLETION_BEFORE: &[(&str, &str)] = &[
    // 完成率X%: "全县民生实事项目完成率达85%"
    (
        r"完成率(?:为|达到|达|是|约)?了?:?$",
        "全县民生实事项目完成率达85%",
    ),
    // 完成(年度)(目标|计划|任务)(的)X%, 已完成X%, 完成投资X%, 完成情况:X%
    (
        r"完成了?(?:全年|本年度|全年度|年度|年|总|计划|目标|任务|投资|工作量|工程量|建设|序时|进度|总量|情况)*的?(?:比例|进度)?(?:为|达到|达|约|是)?了?:?$",
        "累计完成投资800万元,完成年度计划的60%",
    ),
    // 进度(达)X%: "工程形象进度达80%"
    (
        r"进度(?:已)?(?:为|达到|达|约|是|完成)?了?:?$",
        "工程形象进度达80%",
    ),
];

static COMPLETION_RULES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    COMPLETION_BEFORE
        .iter()
        .map(|(pattern, _)| Regex::new(pattern).unwrap())
        .collect()
});

/// Investment (or any work) against plan: `占(年度)(计划|目标|任务)(的)X%`, a completion
/// percentage only when the same sentence says what was completed (`完成投资1200万元，占年度计划的60%`).
static SHARE_OF_PLAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:占|为|达到|达)(?:全年|本年度|全年度|年度|年)?(?:投资)?(?:计划|目标|任务)(?:投资|任务)?的?$",
    )
        .unwrap()
});

/// Words that put a completion phrase in the future or in a plan (`计划完成80%`, `将全面完成`).
/// `按计划` / `按期` say the opposite (on schedule) and are taken out first.
static FUTURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"计划|预计|将|力争|确保|争取|拟|有望|预期|要求|需要|应当|底前|目标是|未|没有|尚")
        .unwrap()
});

fn says_future(before: &str) -> bool {
    let plain = before.replace("按照计划", "").replace("按计划", "");
    FUTURE.is_match(&plain)
}

/// Whether the percentage right after `before` is a completion percentage.
fn is_completion_percent(before: &str) -> bool {
    // `完成年度计划（60%）`: a bracketed number is judged by the words before the bracket.
    let before = before.strip_suffix('(').unwrap_or(before);
    let clause = &before[clause_start(before)..];
    for rule in COMPLETION_RULES.iter() {
        if let Some(m) = rule.find(clause) {
            if clause[..m.start()].ends_with("序时") && m.as_str().starts_with("进度") {
                continue; // 超序时进度10%: ahead of schedule, not done
            }
            return !says_future(&clause[..m.start()]);
        }
    }
    if let Some(m) = SHARE_OF_PLAN.find(clause) {
        let sentence_start = before.rfind('。').map_or(0, |at| at + '。'.len_utf8());
        let sentence = &before[sentence_start..before.len() - clause.len() + m.start()];
        if let Some(at) = sentence.rfind("完成") {
            let done_clause = &sentence[clause_start(&sentence[..at])..at];
            return !says_future(done_clause);
        }
    }
    false
}

/// `60%-70%`, `60%～70%`, `60%至70%`: the upper end of a range that starts right here.
fn range_end(after: &str) -> Option<f64> {
    let rest = after.strip_prefix(['-', '~', '～', '至', '到', '—', '－'])?;
    let m = RANGE_END.captures(rest)?;
    m.get(1)?.as_str().parse().ok()
}

static RANGE_END: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d+(?:\.\d+)?)%?").unwrap());

/// Completion words for the whole item: a marker of the past or of wholeness, a verb of
/// completion, optional further verbs (`并投入使用`), an optional whole-task object, then the
/// end of the clause.
static WHOLE_DONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:已经|均已|现已|已)?(?:全部|全面|顺利|超额|提前)?",
        r"(?:完成|竣工|完工|建成|投用|投入使用|交付使用)",
        r"(?:[并且和及]?(?:投入使用|投入运营|投入运行|投用|交付使用|通车|开放|运营|运行|竣工验收|通过验收|验收))*",
        r"(?:全年|本年度|全年度|年度|全部)?(?:目标|计划|建设)?(?:任务)?",
        r"(?:[。,;!?)）]|$)",
    ))
    .unwrap()
});

/// Words that say part of the item is still under way: completion words then describe a part.
static UNDER_WAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"正在|在建|推进中|进行中|施工中|未完成|尚未|其余|剩余|余下|部分").unwrap()
});

/// A clause whose subject is a part: `其中…`, or a count (`3所已竣工`, `两个已完成`).
static PART_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"其中|(?:[0-9]+|[一二两三四五六七八九十]+)[个所家座条处项栋台辆户间]").unwrap()
});

fn says_whole_item_done(text: &str) -> bool {
    if UNDER_WAY.is_match(text) {
        return false;
    }
    WHOLE_DONE.find_iter(text).any(|m| {
        let word = m.as_str();
        let marked = word.contains('已')
            || word.contains("全部")
            || word.contains("全面")
            || word.contains("超额");
        let clause = &text[clause_start(&text[..m.start()])..m.start()];
        marked && !says_future(clause) && !PART_SUBJECT.is_match(clause)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Phrases that mean completion, each in a real-looking sentence, and what they give.
    const MEANS_COMPLETION: &[(&str, Completion)] = &[
        ("全县民生实事项目完成率达85%。", Completion::Percent(85.0)),
        ("完成率为100%。", Completion::Percent(100.0)),
        (
            "目前已完成主体工程，完成年度计划的60%。",
            Completion::Percent(60.0),
        ),
        ("累计完成年度目标任务的75%。", Completion::Percent(75.0)),
        ("已完成任务的45.5%，超序时进度。", Completion::Percent(45.5)),
        ("项目整体进度达80%。", Completion::Percent(80.0)),
        (
            "工程形象进度70%，正在进行内部装修。",
            Completion::Percent(70.0),
        ),
        ("目前已完成62.5%。", Completion::Percent(62.5)),
        ("完成30%，其余正在施工。", Completion::Percent(30.0)),
        (
            "完成投资1200万元，占年度计划的60%。",
            Completion::Percent(60.0),
        ),
        (
            "累计完成投资2.4亿元，占年度投资计划的48%。",
            Completion::Percent(48.0),
        ),
        ("完成序时进度的112%。", Completion::Percent(112.0)),
        ("完成年度计划的６０％。", Completion::Percent(60.0)),
        ("完成情况：55%。", Completion::Percent(55.0)),
        ("按计划完成年度任务的50%。", Completion::Percent(50.0)),
        (
            "累计完成投资5.6亿元，为年度计划的112%。",
            Completion::Percent(112.0),
        ),
        ("８０％", Completion::Percent(80.0)),
        (
            "已完成年度计划（60%），正在收尾。",
            Completion::Percent(60.0),
        ),
    ];

    /// Percentages that are not completion, each in a real-looking sentence.
    const NOT_COMPLETION: &[&str] = &[
        "新增城镇就业5200人，同比增长12%。",
        "城镇居民人均可支配收入同比增长6.1%。",
        "完成投资同比增长8.5%。",
        "其中农村公路占比30%。",
        "基本医疗保险参保覆盖率达95%。",
        "城镇调查失业率控制在5%以内。",
        "群众满意度达98.5%。",
        "饮用水水质合格率100%。",
        "计划完成80%，目前正在招标。",
        "预计年底前完成90%。",
        "实际到位资金800万元，占计划的80%。",
        "完成率较去年提高5%。",
        "超序时进度10%。",
    ];

    #[test]
    fn completion_phrases_give_their_percentage() {
        for (sentence, want) in MEANS_COMPLETION {
            assert_eq!(completion(sentence), *want, "{sentence}");
        }
    }

    #[test]
    fn other_percentages_are_not_completion() {
        for sentence in NOT_COMPLETION {
            assert_eq!(completion(sentence), Completion::None, "{sentence}");
        }
    }

    #[test]
    fn the_rule_table_examples_are_completion() {
        for (pattern, example) in COMPLETION_BEFORE {
            assert!(
                completion(example).value().is_some(),
                "{pattern}: {example}"
            );
        }
    }

    #[test]
    fn completion_percentage_beats_completion_words() {
        assert_eq!(
            completion("已全部完成，完成年度计划的105%。"),
            Completion::Percent(105.0)
        );
    }

    #[test]
    fn distractors_beside_a_completion_percentage_are_ignored() {
        assert_eq!(
            completion("新增就业1200人，同比增长12%，完成年度目标的80%。"),
            Completion::Percent(80.0)
        );
    }

    #[test]
    fn the_same_percentage_twice_is_one_value() {
        assert_eq!(
            completion("完成年度计划的60%，完成率60%。"),
            Completion::Percent(60.0)
        );
    }

    #[test]
    fn two_different_completion_percentages_are_ambiguous() {
        assert_eq!(
            completion("城区段完成80%，乡镇段完成50%。"),
            Completion::Ambiguous {
                first: 80.0,
                second: 50.0
            }
        );
    }

    #[test]
    fn a_range_is_ambiguous() {
        assert_eq!(
            completion("完成年度目标的60%-70%。"),
            Completion::Ambiguous {
                first: 60.0,
                second: 70.0
            }
        );
    }

    #[test]
    fn whole_item_completion_words_are_one_hundred() {
        for sentence in [
            "目前已全部完成。",
            "全面完成年度目标任务。",
            "该项目已完成。",
            "已竣工并投入使用。",
            "5月已投用。",
            "已完成年度目标任务，群众反映良好。",
            "已建成投用",
            "已全部建成并投入运营。",
            "新建幼儿园3所（已完成）",
            "新建城市书房3家(已完成)",
            "已提前完成全年任务。",
            "进展情况：已完成，1月起按新标准发放。",
        ] {
            assert_eq!(completion(sentence), Completion::Words, "{sentence}");
        }
    }

    #[test]
    fn steps_attributes_futures_and_parts_are_not_completion_words() {
        for sentence in [
            "已完成招标，正在施工。",
            "已完成主体工程。",
            "已建成3所。",
            "已完成的项目将组织验收。",
            "项目完成后将惠及群众2万人。",
            "计划年底前全面完成。",
            "将全部完成。",
            "确保全部完成。",
            "其中2所已竣工。",
            "3所已竣工，2所正在建设。",
            "尚未完成。",
            "已基本完成。",
            "力争提前完成。",
        ] {
            assert_eq!(completion(sentence), Completion::None, "{sentence}");
        }
    }

    #[test]
    fn value_of_each_signal() {
        assert_eq!(Completion::Percent(60.0).value(), Some(60.0));
        assert_eq!(Completion::Words.value(), Some(100.0));
        assert_eq!(Completion::None.value(), None);
        assert_eq!(
            Completion::Ambiguous {
                first: 1.0,
                second: 2.0
            }
            .value(),
            None
        );
    }
}
