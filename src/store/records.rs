//! Record versions: saving a page's records against the open versions, the history, what
//! export writes and what reparse reads.

use super::*;

impl Store {
    /// the records diffed against the open versions (`seen_at` closes and opens versions),
    /// the fetch state and the pages.json object replaced.
    pub fn save_article(
        &mut self,
        source: &str,
        publisher: Option<&str>,
        snap: &Snapshot,
        report: &PageReport,
        seen_at: &str,
    ) -> Result<RecordChanges, StoreError> {
        self.save_version(Some((source, publisher, snap)), report, seen_at)
    }

    /// A stored version extracted again (`minsheng reparse`): the records diffed and the
    /// pages.json object replaced; the fetch state stays as it is.
    pub fn save_reparsed(
        &mut self,
        report: &PageReport,
        seen_at: &str,
    ) -> Result<RecordChanges, StoreError> {
        self.save_version(None, report, seen_at)
    }

    pub(super) fn save_version(
        &mut self,
        fetched: Option<(&str, Option<&str>, &Snapshot)>,
        report: &PageReport,
        seen_at: &str,
    ) -> Result<RecordChanges, StoreError> {
        let url = report.source_url.clone();
        let context = format!("cannot save the article {url}");
        let fail = failing::<rusqlite::Error>(&self.path, &context);
        let report_json = serde_json::to_string(report)
            .map_err(failing::<serde_json::Error>(&self.path, &context))?;
        let rows = row_keys(report);
        let raw = match fetched {
            Some((_, _, snap)) => Some(
                compress(&mut self.deflate, &snap.bytes)
                    .map_err(failing::<std::io::Error>(&self.path, &context))?,
            ),
            None => None,
        };
        let tx = self.conn.savepoint().map_err(fail)?;
        if let (Some((source, publisher, snap)), Some(body)) = (fetched, raw) {
            // The pipeline hashed these bytes already (the report's content_sha256).
            let sha = match &report.content_sha256 {
                Some(sha) => sha.clone(),
                None => sha256_hex(&snap.bytes),
            };
            debug_assert_eq!(sha, sha256_hex(&snap.bytes), "the report is of these bytes");
            Self::insert_raw(&tx, snap, &sha, &body).map_err(fail)?;
            exec(
                &tx,
                "INSERT INTO pages (url, kind, source, publisher, etag, last_modified, sha256, status,
                                    checked_at, error, suspect, has_records)
                 VALUES (?1, 'article', ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, 0, ?9)
                 ON CONFLICT (url) DO UPDATE SET kind = 'article', source = ?2, publisher = ?3,
                   etag = ?4, last_modified = ?5, sha256 = ?6, status = ?7, checked_at = ?8,
                   error = NULL, suspect = 0, has_records = ?9",
                params![
                    url,
                    source,
                    publisher,
                    snap.etag,
                    snap.last_modified,
                    sha,
                    snap.status,
                    snap.fetched_at,
                    !rows.is_empty(),
                    ],
            )
            .map_err(fail)?;
        } else {
            exec(
                &tx,
                "UPDATE pages SET has_records = ?2 WHERE url = ?1",
                params![url, !rows.is_empty()],
            )
            .map_err(fail)?;
        }
        exec(
            &tx,
            "INSERT INTO reports (url, report) VALUES (?1, ?2)
             ON CONFLICT (url) DO UPDATE SET report = ?2",
            params![url, report_json],
        )
        .map_err(fail)?;

        let mut open: HashMap<(usize, String), (i64, String)> = HashMap::new();
        {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT id, table_index, row_key, content_hash FROM record_versions
                     WHERE url = ?1 AND valid_to IS NULL",
                )
                .map_err(fail)?;
            let found = stmt
                .query_map([&url], |r| {
                    Ok((
                        (r.get::<_, usize>(1)?, r.get::<_, String>(2)?),
                        (r.get::<_, i64>(0)?, r.get::<_, String>(3)?),
                    ))
                })
                .map_err(fail)?;
            for row in found {
                let (key, value) = row.map_err(fail)?;
                open.insert(key, value);
            }
        }
        let mut changes = RecordChanges::default();
        for (table_index, row_key, row_index, text, hash) in rows {
            match open.remove(&(table_index, row_key.clone())) {
                Some((id, old)) if old == hash => {
                    exec(
                        &tx,
                        "UPDATE record_versions SET record = ?2, row_index = ?3 WHERE id = ?1",
                        params![id, text, row_index],
                    )
                    .map_err(fail)?;
                    changes.unchanged += 1;
                }
                previous => {
                    if let Some((id, _)) = previous {
                        exec(
                            &tx,
                            "UPDATE record_versions SET valid_to = ?2 WHERE id = ?1",
                            params![id, seen_at],
                        )
                        .map_err(fail)?;
                        changes.changed += 1;
                    } else {
                        changes.new += 1;
                    }
                    exec(
                        &tx,
                        "INSERT INTO record_versions
                           (url, table_index, row_key, row_index, content_hash, record, valid_from)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![url, table_index, row_key, row_index, hash, text, seen_at],
                    )
                    .map_err(fail)?;
                }
            }
        }
        for (id, _) in open.into_values() {
            exec(
                &tx,
                "UPDATE record_versions SET valid_to = ?2 WHERE id = ?1",
                params![id, seen_at],
            )
            .map_err(fail)?;
            changes.removed += 1;
        }
        tx.commit().map_err(fail)?;
        Ok(changes)
    }

    /// Articles of `source` that must be asked again even when no list page links them
    /// any more: suspect fetches and failed attempts.
    pub fn retry_urls(&self, source: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT url FROM pages WHERE source = ?1 AND kind = 'article'
                   AND (suspect = 1 OR error IS NOT NULL) ORDER BY url",
            )
            .map_err(self.err("cannot list the pages to retry"))?;
        let urls = stmt
            .query_map([source], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(self.err("cannot list the pages to retry"));
        urls
    }

    /// [`Store::retry_urls`] of every source at once, in one pass over the pages: a run
    /// takes them at its start instead of scanning the table once per source.
    pub fn retry_urls_by_source(&self) -> Result<HashMap<String, Vec<String>>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source, url FROM pages WHERE kind = 'article'
                   AND (suspect = 1 OR error IS NOT NULL) ORDER BY source, url",
            )
            .map_err(self.err("cannot list the pages to retry"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(self.err("cannot list the pages to retry"))?;
        let mut by_source: HashMap<String, Vec<String>> = HashMap::new();
        for (source, url) in rows {
            by_source.entry(source).or_default().push(url);
        }
        Ok(by_source)
    }

    /// Every article, in URL order, with its stored report or its last error.
    pub fn articles(&self) -> Result<Vec<ArticleOut>, StoreError> {
        let mut all = Vec::new();
        self.each_article(|article| {
            all.push(article);
            Ok::<(), StoreError>(())
        })?;
        Ok(all)
    }

    /// [`Store::articles`] one at a time, as they are read: the outputs of a national crawl
    /// are written without holding every report at once (issue 16: 75,000 records read
    /// whole were the peak of a 3,000-host crawl, some 130 MB).
    pub fn each_article<E: From<StoreError>>(
        &self,
        mut each: impl FnMut(ArticleOut) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT pages.url, reports.report, pages.error FROM pages
                 LEFT JOIN reports ON reports.url = pages.url
                 WHERE pages.kind = 'article' ORDER BY pages.url",
            )
            .map_err(self.err("cannot list the articles"))?;
        let mut rows = stmt
            .query([])
            .map_err(self.err("cannot list the articles"))?;
        while let Some(row) = rows.next().map_err(self.err("cannot list the articles"))? {
            let (url, report, error): (String, Option<String>, Option<String>) = (
                row.get(0).map_err(self.err("cannot list the articles"))?,
                row.get(1).map_err(self.err("cannot list the articles"))?,
                row.get(2).map_err(self.err("cannot list the articles"))?,
            );
            let report = match report {
                Some(text) => Some(serde_json::from_str(&text).map_err(|e| {
                    StoreError::caused_by(
                        &self.path,
                        format!("cannot read the stored report of {url}"),
                        e,
                    )
                    .of_kind(StoreErrorKind::Corrupt)
                })?),
                None => None,
            };
            each(ArticleOut { url, report, error })?;
        }
        Ok(())
    }

    /// The generation of what `export` writes: it moves with every change to it.
    pub fn outputs_generation(&self) -> Result<i64, StoreError> {
        query_row(
            &self.conn,
            "SELECT generation FROM outputs WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .map_err(self.err("cannot read the outputs' generation"))
    }

    /// The generation last written to `folder`, if any.
    pub fn exported_generation(&self, folder: &str) -> Result<Option<i64>, StoreError> {
        query_row(
            &self.conn,
            "SELECT generation FROM exports WHERE folder = ?1",
            [folder],
            |r| r.get(0),
        )
        .optional()
        .map_err(self.err(format!("cannot read what was written to {folder}")))
    }

    /// Notes that `folder` now holds the outputs of `generation`.
    pub fn save_exported(&self, folder: &str, generation: i64, at: &str) -> Result<(), StoreError> {
        exec(
            &self.conn,
            "INSERT INTO exports (folder, generation, written_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (folder) DO UPDATE SET generation = ?2, written_at = ?3",
            params![folder, generation, at],
        )
        .map_err(self.err(format!("cannot note what was written to {folder}")))?;
        Ok(())
    }

    /// Every record version, by page URL, table, row, then time.
    pub fn history(&self) -> Result<Vec<RecordVersion>, StoreError> {
        self.versions("")
    }

    /// The open (current) record versions, in the same order.
    pub fn current_records(&self) -> Result<Vec<Record>, StoreError> {
        Ok(self
            .versions("WHERE valid_to IS NULL")?
            .into_iter()
            .map(|v| v.record)
            .collect())
    }

    pub(super) fn versions(&self, filter: &str) -> Result<Vec<RecordVersion>, StoreError> {
        let sql = format!(
            "SELECT record, valid_from, valid_to, id, url FROM record_versions {filter}
             ORDER BY url, table_index, row_index, valid_from, id"
        );
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(self.err("cannot read the record versions"))?;
        type Row = (String, String, Option<String>, i64, String);
        let rows: Vec<Row> = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .and_then(|rows| rows.collect())
            .map_err(self.err("cannot read the record versions"))?;
        rows.into_iter()
            .map(|(record, valid_from, valid_to, id, url)| {
                let record = serde_json::from_str(&record).map_err(|e| {
                    StoreError::caused_by(
                        &self.path,
                        format!("cannot read the stored record {id} of {url}"),
                        e,
                    )
                    .of_kind(StoreErrorKind::Corrupt)
                })?;
                Ok(RecordVersion {
                    record,
                    valid_from,
                    valid_to,
                })
            })
            .collect()
    }

    /// Every article with a stored raw version, in URL order.
    pub fn reparse_inputs(&self) -> Result<Vec<ReparseInput>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT url, publisher, sha256, source FROM pages
                 WHERE kind = 'article' AND sha256 IS NOT NULL ORDER BY url",
            )
            .map_err(self.err("cannot list the stored articles"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ReparseInput {
                    url: r.get(0)?,
                    publisher: r.get(1)?,
                    sha256: r.get(2)?,
                    source: r.get(3)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(self.err("cannot list the stored articles"));
        rows
    }
}
