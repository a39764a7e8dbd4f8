//! Records already written, read back for `minsheng report`: records.jsonl files, one JSON
//! object per line, as scrape, crawl and export write them (and any other JSONL of record
//! objects). Lines are taken as they are, so a file of an older schema reads too; the
//! timeline uses the keys it knows. A line that is not a JSON object is an error naming the
//! file and the line: a report over part of the records would mislead.

use serde_json::Value;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

/// Why records could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}:{line}: not a JSON record: {source}", path.display())]
    Json {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}:{line}: not a JSON record: a JSON object is expected, found {found}", path.display())]
    NotObject {
        path: PathBuf,
        line: usize,
        found: &'static str,
    },
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads every record of `paths`, in the order given; blank lines are skipped.
pub fn read_records(paths: &[PathBuf]) -> Result<Vec<Value>, InputError> {
    let mut records = Vec::new();
    for path in paths {
        read_into(path, &mut records)?;
    }
    Ok(records)
}

fn read_into(path: &Path, records: &mut Vec<Value>) -> Result<(), InputError> {
    let io = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io)?;
        // A file saved by an editor may start with a byte-order mark.
        let text = line.trim_start_matches('\u{feff}').trim();
        if text.is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(text).map_err(|source| InputError::Json {
            path: path.to_path_buf(),
            line: i + 1,
            source,
        })?;
        if !value.is_object() {
            return Err(InputError::NotObject {
                path: path.to_path_buf(),
                line: i + 1,
                found: kind(&value),
            });
        }
        records.push(value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn records_of_several_files_are_read_in_order_and_blank_lines_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
        fs::write(&a, "{\"seq\":1}\n\n{\"seq\":2}\n").unwrap();
        fs::write(&b, "\u{feff}{\"seq\":3}\n").unwrap();
        let seqs: Vec<Value> = read_records(&[a, b])
            .unwrap()
            .into_iter()
            .map(|r| r["seq"].clone())
            .collect();
        assert_eq!(seqs, [1, 2, 3]);
    }

    #[test]
    fn a_line_that_is_not_an_object_is_an_error_naming_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.jsonl");
        fs::write(&path, "{\"seq\":1}\n[1]\n").unwrap();
        let err = read_records(std::slice::from_ref(&path)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}:2: not a JSON record: a JSON object is expected, found an array",
                path.display()
            )
        );
        fs::write(&path, "{\"seq\":1\n").unwrap();
        let err = read_records(std::slice::from_ref(&path)).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("{}:1: not a JSON record: ", path.display())),
            "{err}"
        );
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let path = PathBuf::from("/nonexistent/records.jsonl");
        let err = read_records(std::slice::from_ref(&path)).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read /nonexistent/records.jsonl: "),
            "{err}"
        );
    }
}
