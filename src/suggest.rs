//! Near-miss suggestions ("did you mean ...?") for names: edit distance, case, underscores.

use std::cell::{Cell, OnceCell};

/// The candidate closest to `name`, if it is close enough to be a likely typo. For one
/// query; for many queries against the same candidates, build an [`Index`].
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    Index::new(candidates, usize::MAX).closest(name)
}

/// How close `candidate` (normalized `cn`) is to `name` (normalized `norm`), as a rank
/// (lower is better), or `None` when it is no likely typo.
fn rank(name: &str, norm: &str, candidate: &str, cn: &str) -> Option<usize> {
    if candidate == name {
        return None;
    }
    let limit = (name.len().max(candidate.len()) / 4).clamp(1, 3);
    // `prod` for `production`: an abbreviation is a likely intent too.
    let abbreviation = norm.len() >= 3 && cn.starts_with(norm);
    if cn.len().abs_diff(norm.len()) > limit && !abbreviation {
        return None;
    }
    let dist = if cn == norm {
        Some(0)
    } else {
        distance_within(norm, cn, limit)
    };
    match dist {
        Some(d) => Some(d),
        None => abbreviation.then_some(limit + 1),
    }
}

/// The edit distance between `a` and `b` (insertions, deletions, substitutions and swaps of
/// two neighbours, counted in characters) when it is at most `limit`, else `None`. Only a
/// band of `2 * limit + 1` cells per row is computed: a comparison costs `O(len * limit)`,
/// which is what lets one index answer thousands of queries.
pub fn distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    if a.is_ascii() && b.is_ascii() {
        banded_distance(a.as_bytes(), b.as_bytes(), limit)
    } else {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        banded_distance(&a, &b, limit)
    }
}

fn banded_distance<T: PartialEq>(a: &[T], b: &[T], limit: usize) -> Option<usize> {
    let (len_a, len_b) = (a.len(), b.len());
    if len_a.abs_diff(len_b) > limit {
        return None;
    }
    // Cells outside the band hold `big`, "more than the limit".
    let big = limit + 1;
    let mut before: Vec<usize> = vec![big; len_b + 1];
    let mut prev: Vec<usize> = (0..=len_b).map(|j| j.min(big)).collect();
    let mut cur: Vec<usize> = vec![big; len_b + 1];
    for i in 1..=len_a {
        let lo = i.saturating_sub(limit).max(1);
        let hi = (i + limit).min(len_b);
        cur[lo - 1] = if lo == 1 { i.min(big) } else { big };
        let mut row_min = cur[lo - 1];
        for j in lo..=hi {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut dist = (prev[j - 1] + cost).min(prev[j] + 1).min(cur[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                dist = dist.min(before[j - 2] + 1);
            }
            cur[j] = dist.min(big);
            row_min = row_min.min(cur[j]);
        }
        if hi < len_b {
            cur[hi + 1] = big;
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[len_b]).filter(|dist| *dist <= limit)
}

/// Candidates prepared once for many "did you mean" queries. Each is normalized once and
/// kept in order of its normalized form, so that a query compares only against those of a
/// near length and those it abbreviates. A budget of edit-distance comparisons, shared by
/// every query of the index, bounds the whole run (a hostile input can make thousands of
/// queries against tens of thousands of candidates): once it is spent, queries find
/// nothing and [`Index::exhausted`] says so, for the caller to report.
pub struct Index<'a> {
    /// `(normalized, candidate)`, sorted by normalized form.
    sorted: Vec<(String, &'a str)>,
    /// Positions in `sorted`, grouped by normalized length.
    by_len: Vec<Vec<u32>>,
    /// Positions in `sorted`, in order of the reversed normalized form (for suffixes);
    /// built by the first query that needs it.
    by_suffix: OnceCell<Vec<u32>>,
    budget: Cell<usize>,
    exhausted: Cell<bool>,
}

/// Most abbreviation matches (`prod` for `production...`) one query looks at.
const MAX_PREFIX_MATCHES: usize = 64;

impl<'a> Index<'a> {
    /// `budget`: how many candidate comparisons all queries together may make.
    pub fn new(candidates: impl IntoIterator<Item = &'a str>, budget: usize) -> Self {
        Self::with_keys(candidates.into_iter().map(|c| (c, c)), budget)
    }

    /// Like [`Index::new`], for candidates compared under another name: `(key, candidate)`,
    /// e.g. `("JWT_SECRET", "JWT_SECRET_FILE")`.
    pub fn with_keys(
        candidates: impl IntoIterator<Item = (&'a str, &'a str)>,
        budget: usize,
    ) -> Self {
        let mut sorted: Vec<(String, &'a str)> = candidates
            .into_iter()
            .map(|(key, c)| (normalize(key), c))
            .collect();
        sorted.sort_unstable();
        sorted.dedup_by(|a, b| a.1 == b.1);
        let mut by_len: Vec<Vec<u32>> = Vec::new();
        for (i, (norm, _)) in sorted.iter().enumerate() {
            let len = norm.len();
            if by_len.len() <= len {
                by_len.resize_with(len + 1, Vec::new);
            }
            by_len[len].push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        Self {
            sorted,
            by_len,
            by_suffix: OnceCell::new(),
            budget: Cell::new(budget),
            exhausted: Cell::new(false),
        }
    }

    /// Whether some query found nothing because the comparison budget was spent.
    pub fn exhausted(&self) -> bool {
        self.exhausted.get()
    }

    /// Takes one comparison from the budget; `false` when none is left.
    fn spend(&self) -> bool {
        match self.budget.get() {
            0 => {
                self.exhausted.set(true);
                false
            }
            n => {
                self.budget.set(n - 1);
                true
            }
        }
    }

    /// Candidates whose normalized length is within `max_diff` of `name`'s, and those whose
    /// normalized form starts with `name`'s (at most a few dozen), each as
    /// `(normalized, candidate)`. Each one yielded is charged to the budget.
    pub fn near(&self, name: &str, max_diff: usize) -> impl Iterator<Item = (&str, &'a str)> + '_ {
        let norm = normalize(name);
        let len = norm.len();
        let by_length = (len.saturating_sub(max_diff)..=len.saturating_add(max_diff))
            .filter_map(|l| self.by_len.get(l))
            .flatten()
            .filter_map(|&i| self.sorted.get(i as usize));
        let start = self
            .sorted
            .partition_point(|(n, _)| n.as_str() < norm.as_str());
        let prefixed = self.sorted[start..]
            .iter()
            .take_while(move |(n, _)| norm.len() >= 3 && n.starts_with(norm.as_str()))
            .filter(move |(n, _)| n.len() > len + max_diff)
            .take(MAX_PREFIX_MATCHES);
        by_length
            .chain(prefixed)
            .take_while(|_| self.spend())
            .map(|(n, c)| (n.as_str(), *c))
    }

    /// Candidates that `name` may be an affix of, or that may be affixes of `name`, each as
    /// `(normalized, candidate)`: those whose normalized form starts or ends with `name`'s
    /// (at most a few dozen each way, charged to the budget), and those whose normalized
    /// form equals a start or an end of `name`'s at least `min_len` long (found by lookup,
    /// free). The caller decides which of them are real affixes (whole words, say).
    pub fn affixes(&self, name: &str, min_len: usize) -> Vec<(&str, &'a str)> {
        let norm = normalize(name);
        let mut out = Vec::new();
        if norm.len() < min_len.max(1) {
            return out;
        }
        let start = self
            .sorted
            .partition_point(|(n, _)| n.as_str() < norm.as_str());
        out.extend(
            self.sorted[start..]
                .iter()
                .take_while(|(n, _)| n.starts_with(norm.as_str()))
                .filter(|(n, _)| n.len() > norm.len())
                .take(MAX_PREFIX_MATCHES)
                .take_while(|_| self.spend())
                .map(|(n, c)| (n.as_str(), *c)),
        );
        let by_suffix = self.by_suffix.get_or_init(|| {
            let mut order: Vec<u32> = (0..self.sorted.len())
                .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
                .collect();
            order.sort_unstable_by(|&x, &y| {
                let (x, y) = (&self.sorted[x as usize].0, &self.sorted[y as usize].0);
                x.bytes().rev().cmp(y.bytes().rev())
            });
            order
        });
        let reversed_at = |i: &u32| self.sorted[*i as usize].0.bytes().rev();
        let from = by_suffix.partition_point(|i| reversed_at(i).lt(norm.bytes().rev()));
        out.extend(
            by_suffix[from..]
                .iter()
                .map(|&i| &self.sorted[i as usize])
                .take_while(|(n, _)| n.ends_with(norm.as_str()))
                .filter(|(n, _)| n.len() > norm.len())
                .take(MAX_PREFIX_MATCHES)
                .take_while(|_| self.spend())
                .map(|(n, c)| (n.as_str(), *c)),
        );
        // Shorter candidates: every start and end of `name`, looked up exactly.
        for (cut, _) in norm.char_indices().skip(1) {
            if cut >= min_len {
                out.extend(self.exactly(&norm[..cut]));
            }
            if norm.len() - cut >= min_len {
                out.extend(self.exactly(&norm[cut..]));
            }
        }
        out
    }

    /// Candidates whose normalized form is `norm` (a lookup: not charged to the budget).
    pub fn exactly(&self, norm: &str) -> impl Iterator<Item = (&str, &'a str)> + '_ {
        let start = self.sorted.partition_point(|(n, _)| n.as_str() < norm);
        let end = self.sorted.partition_point(|(n, _)| n.as_str() <= norm);
        self.sorted[start..end.max(start)]
            .iter()
            .map(|(n, c)| (n.as_str(), *c))
    }

    /// The candidate closest to `name`, as [`closest`] finds it.
    pub fn closest(&self, name: &str) -> Option<&'a str> {
        let norm = normalize(name);
        self.near(name, 3)
            .filter_map(|(cn, c)| rank(name, &norm, c, cn).map(|r| (r, c)))
            .min_by_key(|(r, c)| (*r, c.len(), *c))
            .map(|(_, c)| c)
    }
}

/// Upper case without `_`, `-` and `.`: `jwtSecret` and `JWT_SECRET` compare equal.
pub fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_case() {
        assert_eq!(
            closest("min_lenght", ["min_length", "max_length"]),
            Some("min_length")
        );
        assert_eq!(
            closest("jwt_secret_key", ["JWT_SECRET_KEY"]),
            Some("JWT_SECRET_KEY")
        );
        assert_eq!(closest("PORT", ["DATABASE_URL"]), None);
        assert_eq!(
            closest("prod", ["development", "production"]),
            Some("production")
        );
    }

    #[test]
    fn an_index_answers_many_queries_within_its_budget() {
        let names: Vec<String> = (0..20_000).map(|i| format!("KEY_NUMBER_{i:05}")).collect();
        let index = Index::new(names.iter().map(String::as_str), 200_000);
        let start = std::time::Instant::now();
        for i in 0..2_000 {
            let _ = index.closest(&format!("REQUIRED_VAR_{i:05}"));
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        assert!(
            index.exhausted(),
            "20,000 x 2,000 comparisons exceed the budget"
        );
        let small = Index::new(["JWT_SECRET_KEY", "DATABASE_URL"], 100);
        assert_eq!(small.closest("JWT_SECERT_KEY"), Some("JWT_SECRET_KEY"));
        assert!(!small.exhausted());
    }

    #[test]
    fn bounded_distances() {
        assert_eq!(distance_within("JWTSECRET", "JWTSECRET", 1), Some(0));
        assert_eq!(distance_within("JWTSECRET", "JWTSECERT", 1), Some(1));
        assert_eq!(distance_within("JWTSECRET", "JWTSCRET", 1), Some(1));
        assert_eq!(distance_within("JWTSECRET", "JWTSECRETKEY", 2), None);
        assert_eq!(distance_within("JWTSECRET", "JWTSECRETKEY", 3), Some(3));
        assert_eq!(distance_within("ABCDEF", "UVWXYZ", 3), None);
        assert_eq!(distance_within("", "AB", 2), Some(2));
        assert_eq!(distance_within("ÄPFEL", "APFEL", 1), Some(1));
        // Against the full computation, over every pair of a few names.
        let names = [
            "KITTEN", "SITTING", "KITCHEN", "ITTEN", "KTITEN", "K", "", "NETTIK",
        ];
        for a in names {
            for b in names {
                let full = strsim::osa_distance(a, b);
                for limit in 0..5 {
                    assert_eq!(
                        distance_within(a, b, limit),
                        (full <= limit).then_some(full),
                        "{a} {b} {limit}"
                    );
                }
            }
        }
    }

    #[test]
    fn affixes_are_found_by_lookup_both_ways() {
        let names = [
            "JWT_SECRET",
            "JWT_SECRET_KEY",
            "APP_JWT_SECRET",
            "DATABASE_URL",
            "SECRET",
        ];
        let index = Index::new(names, 1_000);
        let mut found: Vec<&str> = index
            .affixes("JWT_SECRET", 4)
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        found.sort_unstable();
        assert_eq!(found, vec!["APP_JWT_SECRET", "JWT_SECRET_KEY", "SECRET"]);
        let shorter: Vec<&str> = index
            .affixes("JWT_SECRET_KEY_OLD", 4)
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        assert!(shorter.contains(&"JWT_SECRET") && shorter.contains(&"JWT_SECRET_KEY"));
    }
}
