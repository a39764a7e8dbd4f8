//! Per URL: the fetch state, the raw versions, list pages' links, failures and suspect
//! fetches.

use super::*;

impl Store {
    /// What is known of `url`.
    pub fn page(&self, url: &str) -> Result<Option<PageState>, StoreError> {
        query_row(
            &self.conn,
            concat!(
                "SELECT ",
                page_state_columns!(),
                " FROM pages WHERE url = ?1"
            ),
            [url],
            page_state,
        )
        .optional()
        .map_err(self.err(format!("cannot read the state of {url}")))
    }

    /// What the store knows of every page last saved for `source`, by URL: one indexed read
    /// for a source's list pages and articles instead of one per page.
    pub fn pages_of(&self, source: &str) -> Result<HashMap<String, PageState>, StoreError> {
        let context = || format!("cannot read the page states of the source {source}");
        let mut stmt = self
            .conn
            .prepare_cached(concat!(
                "SELECT ",
                page_state_columns!(),
                " FROM pages WHERE source = ?1"
            ))
            .map_err(self.err(context()))?;
        let states = stmt
            .query_map([source], page_state)
            .and_then(|rows| {
                rows.map(|r| r.map(|state| (state.url.clone(), state)))
                    .collect()
            })
            .map_err(self.err(context()));
        states
    }

    /// The stored raw version of `url` with hash `sha256`.
    pub fn raw(&self, url: &str, sha256: &str) -> Result<Option<Snapshot>, StoreError> {
        let row = query_row(
            &self.conn,
            "SELECT fetched_at, final_url, status, content_type, etag, last_modified, body
                 FROM raw_versions WHERE url = ?1 AND sha256 = ?2",
            params![url, sha256],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u16>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Vec<u8>>(6)?,
                ))
            },
        )
        .optional()
        .map_err(self.err(format!("cannot read the raw version {sha256} of {url}")))?;
        let Some((fetched_at, final_url, status, content_type, etag, last_modified, body)) = row
        else {
            return Ok(None);
        };
        let bytes = decompress(&body).map_err(|e| {
            StoreError::caused_by(
                &self.path,
                format!("cannot decompress the raw version {sha256} of {url}"),
                e,
            )
            .of_kind(StoreErrorKind::Corrupt)
        })?;
        Ok(Some(Snapshot {
            not_modified: false,
            url: url.to_string(),
            final_url,
            status,
            content_type,
            etag,
            last_modified,
            bytes,
            fetched_at,
        }))
    }

    /// How many raw versions of `url` are stored.
    pub fn raw_version_count(&self, url: &str) -> Result<usize, StoreError> {
        query_row(
            &self.conn,
            "SELECT COUNT(*) FROM raw_versions WHERE url = ?1",
            [url],
            |r| r.get(0),
        )
        .map_err(self.err(format!("cannot count the raw versions of {url}")))
    }

    /// `body` is `snap.bytes` compressed (before the transaction, so that it stays short).
    pub(super) fn insert_raw(
        tx: &Connection,
        snap: &Snapshot,
        sha: &str,
        body: &[u8],
    ) -> rusqlite::Result<()> {
        exec(
            tx,
            "INSERT OR IGNORE INTO raw_versions
               (url, sha256, fetched_at, final_url, status, content_type, etag, last_modified, size, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                snap.url,
                sha,
                snap.fetched_at,
                snap.final_url,
                snap.status,
                snap.content_type,
                snap.etag,
                snap.last_modified,
                snap.bytes.len() as i64,
                body
            ],
        )?;
        Ok(())
    }

    /// A list page's new version: raw bytes kept, fetch state updated. One transaction.
    pub fn save_list(&mut self, source: &str, snap: &Snapshot) -> Result<(), StoreError> {
        let sha = sha256_hex(&snap.bytes);
        let context = format!("cannot save the list page {}", snap.url);
        let fail = failing::<rusqlite::Error>(&self.path, &context);
        let body = compress(&mut self.deflate, &snap.bytes)
            .map_err(failing::<std::io::Error>(&self.path, &context))?;
        let tx = self.conn.savepoint().map_err(fail)?;
        Self::insert_raw(&tx, snap, &sha, &body).map_err(fail)?;
        exec(
            &tx,
            "INSERT INTO pages (url, kind, source, etag, last_modified, sha256, status, checked_at, error, suspect)
             VALUES (?1, 'list', ?2, ?3, ?4, ?5, ?6, ?7, NULL, 0)
             ON CONFLICT (url) DO UPDATE SET kind = 'list', source = ?2, etag = ?3,
               last_modified = ?4, sha256 = ?5, status = ?6, checked_at = ?7, error = NULL, suspect = 0",
            params![snap.url, source, snap.etag, snap.last_modified, sha, snap.status, snap.fetched_at],
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)
    }

    /// The links read from the list page `url` when its body hashed as `sha256` and was
    /// served from `final_url` (see [`Store::save_listing`]).
    pub fn listing(
        &self,
        url: &str,
        sha256: &str,
        final_url: &str,
    ) -> Result<Option<String>, StoreError> {
        query_row(
            &self.conn,
            "SELECT listing FROM list_links WHERE url = ?1 AND sha256 = ?2 AND final_url = ?3",
            [url, sha256, final_url],
            |r| r.get(0),
        )
        .optional()
        .map_err(self.err(format!("cannot read the links of {url}")))
    }

    /// Keeps the links read from a list page's version (`listing`, JSON), replacing those
    /// of any earlier version.
    pub fn save_listing(
        &mut self,
        url: &str,
        sha256: &str,
        final_url: &str,
        listing: &str,
    ) -> Result<(), StoreError> {
        exec(
            &self.conn,
            "INSERT INTO list_links (url, sha256, final_url, listing) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (url) DO UPDATE SET sha256 = ?2, final_url = ?3, listing = ?4",
            params![url, sha256, final_url, listing],
        )
        .map_err(self.err(format!("cannot save the links of {url}")))?;
        Ok(())
    }

    /// A 304, or a 200 whose body hashes as the stored version: nothing to extract; the
    /// validators are refreshed and a suspect or failed state is cleared.
    pub fn save_unchanged(
        &mut self,
        url: &str,
        status: u16,
        checked_at: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<(), StoreError> {
        exec(
            &self.conn,
            "UPDATE pages SET status = ?2, checked_at = ?3, error = NULL, suspect = 0,
                   etag = COALESCE(?4, etag), last_modified = COALESCE(?5, last_modified)
                 WHERE url = ?1",
            params![url, status, checked_at, etag, last_modified],
        )
        .map_err(self.err(format!("cannot save the state of {url}")))?;
        Ok(())
    }

    /// A 304, or a 200 whose body hashes as the stored version, that says nothing new
    /// besides the time: the stored state is already that status, no error, not suspect,
    /// the same validators. Only `checked_at` is written (one column, no trigger to run).
    pub fn save_checked_at(&mut self, url: &str, checked_at: &str) -> Result<(), StoreError> {
        exec(
            &self.conn,
            "UPDATE pages SET checked_at = ?2 WHERE url = ?1",
            params![url, checked_at],
        )
        .map_err(self.err(format!("cannot save the state of {url}")))?;
        Ok(())
    }

    /// A failed attempt (HTTP error, timeout, refused): only the attempt is recorded; the
    /// stored version and its records stay as they were.
    pub fn save_failure(
        &mut self,
        source: &str,
        kind: PageKind,
        url: &str,
        status: Option<u16>,
        error: &str,
        checked_at: &str,
    ) -> Result<(), StoreError> {
        exec(
            &self.conn,
            "INSERT INTO pages (url, kind, source, status, checked_at, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (url) DO UPDATE SET status = ?4, checked_at = ?5, error = ?6",
            params![url, kind.as_str(), source, status, checked_at, error],
        )
        .map_err(self.err(format!("cannot save the failure of {url}")))?;
        Ok(())
    }

    /// A 200 that is not the article (the page had records, this body has none): kept aside
    /// with the reason; the stored version, its validators and its records are untouched, so
    /// the next run asks again.
    pub fn save_suspect(&mut self, snap: &Snapshot, reason: &str) -> Result<(), StoreError> {
        let sha = sha256_hex(&snap.bytes);
        let context = format!("cannot save the suspect fetch of {}", snap.url);
        let fail = failing::<rusqlite::Error>(&self.path, &context);
        let body = compress(&mut self.deflate, &snap.bytes)
            .map_err(failing::<std::io::Error>(&self.path, &context))?;
        let tx = self.conn.savepoint().map_err(fail)?;
        exec(
            &tx,
            "INSERT INTO suspect_fetches (url, sha256, first_seen, last_seen, times, status, reason, body)
             VALUES (?1, ?2, ?3, ?3, 1, ?4, ?5, ?6)
             ON CONFLICT (url, sha256) DO UPDATE SET last_seen = ?3, times = times + 1,
               status = ?4, reason = ?5",
            params![snap.url, sha, snap.fetched_at, snap.status, reason, body],
        )
        .map_err(fail)?;
        exec(
            &tx,
            "UPDATE pages SET suspect = 1, status = ?2, checked_at = ?3, error = ?4 WHERE url = ?1",
            params![snap.url, snap.status, snap.fetched_at, reason],
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)
    }

    /// How many distinct suspect bodies were seen for `url`, and how many times in all.
    pub fn suspect_count(&self, url: &str) -> Result<(usize, usize), StoreError> {
        query_row(
            &self.conn,
            "SELECT COUNT(*), COALESCE(SUM(times), 0) FROM suspect_fetches WHERE url = ?1",
            [url],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(self.err(format!("cannot count the suspect fetches of {url}")))
    }
}
