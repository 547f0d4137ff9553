//! Near-miss suggestions ("did you mean ...?") for names: edit distance, case, underscores.

/// The candidate closest to `name`, if it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let norm = normalize(name);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .filter_map(|c| {
            let cn = normalize(c);
            if cn.len().abs_diff(norm.len()) > 3 && !cn.starts_with(&norm) {
                return None;
            }
            let dist = if cn == norm {
                0
            } else {
                strsim::damerau_levenshtein(&norm, &cn)
            };
            let limit = (name.len().max(c.len()) / 4).clamp(1, 3);
            // `prod` for `production`: an abbreviation is a likely intent too.
            let abbreviation = norm.len() >= 3 && cn.starts_with(&norm);
            (dist <= limit || abbreviation).then_some((dist.min(limit + 1), c))
        })
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
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
}
