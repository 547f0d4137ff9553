//! Near-miss suggestions ("did you mean ...?") for names: edit distance, case, underscores.

use std::cell::Cell;

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
        0
    } else {
        strsim::damerau_levenshtein(norm, cn)
    };
    (dist <= limit || abbreviation).then_some(dist.min(limit + 1))
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
    budget: Cell<usize>,
    exhausted: Cell<bool>,
}

/// Most abbreviation matches (`prod` for `production...`) one query looks at.
const MAX_PREFIX_MATCHES: usize = 64;

impl<'a> Index<'a> {
    /// `budget`: how many candidate comparisons all queries together may make.
    pub fn new(candidates: impl IntoIterator<Item = &'a str>, budget: usize) -> Self {
        let mut sorted: Vec<(String, &'a str)> =
            candidates.into_iter().map(|c| (normalize(c), c)).collect();
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
}
