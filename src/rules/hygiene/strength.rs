//! A compact password-strength estimate, in the manner of zxcvbn: the cheapest way to build
//! the value from dictionary words, repeats of what came before, alphabet or keyboard
//! sequences, and single characters guessed by brute force. A value whose cheapest
//! construction costs less than half of what its length in random characters would is made
//! of guessable structure (`secret-key-for-development-only!`), however long it is.
//!
//! The zxcvbn crate itself was not used (README, "Dependencies"): it rates the word-based
//! development secrets "very strong" (its guess count saturates at 2^64 on long values), and
//! its word lists add about 3 MB and 11,000 start-up relocations to the binary.

/// Common words, development-secret vocabulary and password favourites, lower case, one
/// string (no table of pointers: nothing to relocate at start-up), scanned linearly.
const WORDS: &str = "\
secret secrets key keys token tokens password passwords passwd pass pwd passphrase \
dev develop development developer devel local localhost test testing tests tester \
prod production staging stage default defaults change changed changeme please only \
demo example examples sample dummy fake mock temp temporary insecure unsafe secure \
security not use used for the and this that with your you my our app apps application \
api service services server client web site project company django rails laravel flask \
spring node jwt auth oauth session sessions cookie cookies signing sign signature \
encryption encrypt crypt crypto cipher hash salt pepper private public master root admin \
administrator user users username login logout database postgres postgresql mysql redis \
mongo mongodb rabbit rabbitmq kafka cache queue mail email smtp aws azure google github \
gitlab slack stripe access refresh bearer basic url uri host hostname port name value \
config settings setting env environment file path data base long random string super \
very really strong hard good new old must should replace update rotate here there put \
set get enter insert generate generated some something anything nothing any all none null \
true false yes one two three four five six seven eight nine ten first second last next \
welcome monkey dragon shadow sunshine princess football baseball iloveyou trustno letmein \
hello freedom whatever superman batman qwerty abc123 love money magic summer winter \
autumn flower coffee guest info system internal external backend \
frontend cloud docker compose kube kubernetes cluster vault account id db ssl tls cert \
certificate webhook hook bot about after again also always another because before \
best better big black blue book both bring call can car cat come could day did does dog \
done down each end even every fire find fish food from game give going great green hand \
happy have head help her his home house how just keep kind know large left life light \
like line little live look made make man many may more most move much music need never \
night now off open other out over own part people place play point power read red right \
run said same say see she show side small sound start still stop story sun take tell than \
them then these they thing think time too tree try turn under want water way well went \
were what when where which while white who why will word work world would write year was \
are but had has its let lot sec tmp key1 pass1 admin1 test1 demo1 qwe asd zxc";

/// The characters words are made of: `a`-`z`, `0`-`9`, `_`.
const SLOTS: usize = 37;

const fn slot(b: u8) -> Option<usize> {
    match b {
        b'a'..=b'z' => Some((b - b'a') as usize),
        b'0'..=b'9' => Some(26 + (b - b'0') as usize),
        b'_' => Some(36),
        _ => None,
    }
}

#[cfg(test)]
fn start_slot(word: &[u8]) -> Option<usize> {
    Some(slot(*word.first()?)? * SLOTS + slot(*word.get(1)?)?)
}

/// The classes a brute-force guesser draws characters from (bits of one `u8`).
const LOWER: u8 = 1;
const UPPER: u8 = 2;
const DIGIT: u8 = 4;
/// ASCII punctuation and the space.
const PUNCT: u8 = 8;
/// Any character that is not ASCII (ASCII control characters are in no class).
const OTHER: u8 = 16;

/// The class of each ASCII character (0: none).
#[allow(clippy::cast_possible_truncation)] // `b` < 128
const CLASS_OF: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = if c.is_ascii_lowercase() {
            LOWER
        } else if c.is_ascii_uppercase() {
            UPPER
        } else if c.is_ascii_digit() {
            DIGIT
        } else if c.is_ascii_punctuation() || c == b' ' {
            PUNCT
        } else {
            0
        };
        b += 1;
    }
    table
};

/// [`slot`] of every byte, looked up rather than worked out at each position of a value
/// (`NO_SLOT`: none).
#[allow(clippy::cast_possible_truncation)] // `b` < 256, a slot < 37
const SLOT_OF: [u8; 256] = {
    let mut table = [NO_SLOT; 256];
    let mut b = 0;
    while b < 256 {
        if let Some(s) = slot(b as u8) {
            table[b] = s as u8;
        }
        b += 1;
    }
    table
};
const NO_SLOT: u8 = u8::MAX;

/// The words of [`WORDS`] of at least [`MIN_MATCH`] characters, indexed by their first two
/// characters, all worked out at compile time (nothing to build when the process starts):
/// at each position of a value only the words that start there are compared, and most
/// positions of a random value start none.
struct WordIndex {
    /// `(offset in WORDS, length)` of each word, grouped by start slot.
    words: [(u16, u8); WORD_COUNT],
    /// The words of start slot `s` are `words[first[s]..first[s + 1]]`.
    first: [u16; SLOTS * SLOTS + 1],
    /// Bit `len` of `[s]`: a word of `len` characters has start slot `s`.
    lengths_by_start: [u64; SLOTS * SLOTS],
}

/// Calls `f(offset, length)` for each word of [`WORDS`] that is indexed.
macro_rules! for_each_word {
    (|$offset:ident, $len:ident| $body:block) => {{
        let bytes = WORDS.as_bytes();
        let mut start = 0;
        let mut i = 0;
        while i <= bytes.len() {
            if i == bytes.len() || bytes[i] == b' ' {
                let ($offset, $len) = (start, i - start);
                if $len >= MIN_MATCH {
                    $body
                }
                start = i + 1;
            }
            i += 1;
        }
    }};
}

const WORD_COUNT: usize = {
    let mut n = 0;
    for_each_word!(|_offset, _len| {
        n += 1;
    });
    n
};

const fn start_slot_at(offset: usize) -> usize {
    let bytes = WORDS.as_bytes();
    match (slot(bytes[offset]), slot(bytes[offset + 1])) {
        (Some(a), Some(b)) => a * SLOTS + b,
        _ => panic!("WORDS holds only a-z, 0-9 and _"),
    }
}

// Offsets fit `u16` and lengths `u8` (and a `u64` bit): asserted at compile time.
#[allow(clippy::cast_possible_truncation)]
const WORD_INDEX: WordIndex = {
    assert!(WORDS.len() < u16::MAX as usize);
    let mut first = [0u16; SLOTS * SLOTS + 1];
    let mut lengths_by_start = [0u64; SLOTS * SLOTS];
    // Count per slot, then place each word after the words of the slots before its own.
    for_each_word!(|offset, len| {
        assert!(len < 64);
        let s = start_slot_at(offset);
        first[s + 1] += 1;
        lengths_by_start[s] |= 1 << len;
    });
    let mut s = 0;
    while s < SLOTS * SLOTS {
        first[s + 1] += first[s];
        s += 1;
    }
    let mut next = first;
    let mut words = [(0u16, 0u8); WORD_COUNT];
    for_each_word!(|offset, len| {
        let s = start_slot_at(offset);
        words[next[s] as usize] = (offset as u16, len as u8);
        next[s] += 1;
    });
    WordIndex {
        words,
        first,
        lengths_by_start,
    }
};

/// Whether the word list holds `candidate` (lower case, starting in start slot `s`).
fn is_listed(s: usize, candidate: &[u8]) -> bool {
    let index = &WORD_INDEX;
    let (from, to) = (usize::from(index.first[s]), usize::from(index.first[s + 1]));
    index.words[from..to].iter().any(|&(offset, len)| {
        let offset = usize::from(offset);
        usize::from(len) == candidate.len()
            && WORDS.as_bytes()[offset..offset + candidate.len()] == *candidate
    })
}

pub fn is_word(word: &str) -> bool {
    WORDS.split(' ').any(|w| w == word)
}

/// The estimate looks at this many characters: enough for any generated secret, and it
/// bounds the work (the repeat search is quadratic in it).
pub const ANALYSED_CHARS: usize = 256;
const _: () = assert!(ANALYSED_CHARS < u16::MAX as usize);

const MIN_MATCH: usize = 3;
/// Bits to name one word of the list (about log2 of its size).
const WORD_BITS: f64 = 9.0;
/// Bits for a separator between words (`-`, `_`, `.`, a space).
const SEPARATOR_BITS: f64 = 2.0;
/// Bits to say "repeat what came before", plus log2 of the repeat's length.
const REPEAT_BITS: f64 = 6.0;
/// Bits to name a sequence's start and direction, plus log2 of its length.
const SEQUENCE_BITS: f64 = 5.0;

fn bits(n: usize) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

/// [`estimate_counted`] without the count.
#[cfg(test)]
pub fn estimate(text: &str) -> (f64, f64) {
    let (estimate, brute, _) = estimate_counted(text);
    (estimate, brute)
}

/// Estimated bits of guessing work for `text` (its first [`ANALYSED_CHARS`] characters),
/// what the same number of random characters of its classes would take, and how many
/// characters were analysed. Its tables are on the stack: [`ANALYSED_CHARS`] bounds them.
fn estimate_counted(text: &str) -> (f64, f64, usize) {
    // An ASCII value (every generated secret) is analysed byte by byte: the same figures,
    // without decoding characters.
    if text.is_ascii() {
        analyse(text.bytes().take(ANALYSED_CHARS))
    } else {
        analyse(text.chars().take(ANALYSED_CHARS))
    }
}

/// A character of an analysed value: a byte of an ASCII value, else a `char`.
trait Unit: Copy + Eq + Default + Into<u64> {
    fn char(self) -> char;
    fn to_ascii_lowercase(self) -> Self;
}

impl Unit for u8 {
    fn char(self) -> char {
        char::from(self)
    }
    fn to_ascii_lowercase(self) -> Self {
        u8::to_ascii_lowercase(&self)
    }
}

impl Unit for char {
    fn char(self) -> char {
        self
    }
    fn to_ascii_lowercase(self) -> Self {
        char::to_ascii_lowercase(&self)
    }
}

/// [`estimate_counted`] of the characters `units` (at most [`ANALYSED_CHARS`]).
fn analyse<C: Unit>(units: impl Iterator<Item = C>) -> (f64, f64, usize) {
    // The characters lower-cased; in `ascii`, each character is one byte (non-ASCII ones a
    // byte no word holds), so byte offsets are character offsets.
    let mut low = [C::default(); ANALYSED_CHARS];
    let mut ascii = [0u8; ANALYSED_CHARS];
    let mut capital = [false; ANALYSED_CHARS];
    // The character classes present, as `CLASS_OF` bits.
    let mut classes = 0u8;
    let mut n = 0;
    for (i, c) in units.take(ANALYSED_CHARS).enumerate() {
        let class = CLASS_OF.get(c.char() as usize).copied().unwrap_or(OTHER);
        classes |= class;
        capital[i] = class == UPPER;
        let l = c.to_ascii_lowercase();
        low[i] = l;
        ascii[i] = u8::try_from(l.char())
            .ok()
            .filter(u8::is_ascii)
            .unwrap_or(1);
        n = i + 1;
    }
    let (low, ascii, capital) = (&low[..n], &ascii[..n], &capital[..n]);
    let mut cardinality = 0u32;
    for (class, size) in [
        (LOWER, 26),
        (UPPER, 26),
        (DIGIT, 10),
        (PUNCT, 33),
        (OTHER, 100),
    ] {
        if classes & class != 0 {
            cardinality += size;
        }
    }
    let per_char = f64::from(cardinality.max(2)).log2();
    let brute = bits(n) * per_char;

    // Every occurrence of every word, found in one pass over the list: (start, length).
    // Looked up by the first two characters at each position, not searched word by word.
    let mut words: Vec<(usize, usize)> = Vec::new();
    for at in 0..n.saturating_sub(1) {
        let (a, b) = (
            SLOT_OF[usize::from(ascii[at])],
            SLOT_OF[usize::from(ascii[at + 1])],
        );
        if a == NO_SLOT || b == NO_SLOT {
            continue;
        }
        let s = usize::from(a) * SLOTS + usize::from(b);
        let mut lengths = WORD_INDEX.lengths_by_start[s];
        while lengths != 0 {
            let len = lengths.trailing_zeros() as usize;
            lengths &= lengths - 1;
            if ascii.get(at..at + len).is_some_and(|w| is_listed(s, w)) {
                words.push((at, len));
            }
        }
    }
    let mut next_word = 0;

    // same_start_before[i]: the nearest earlier position whose first MIN_MATCH characters
    // are those at i (a chain through every such position), so that the repeat search
    // visits only starts that can repeat: linear for a random value.
    const NONE: u16 = u16::MAX;
    let mut same_start_before = [NONE; ANALYSED_CHARS];
    {
        // The last position of each start seen so far, in an open-addressing table of twice
        // as many slots as there are positions: no hasher to seed.
        let mut last_start = [NONE; 2 * ANALYSED_CHARS];
        let slots = (2 * n).next_power_of_two().clamp(8, last_start.len());
        for (i, head) in low.windows(MIN_MATCH).enumerate() {
            let key = head
                .iter()
                .fold(0u64, |k, &c| k.wrapping_mul(0x0100_0000_01b3) ^ c.into());
            let mut slot = usize::try_from(key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40)
                .unwrap_or(0)
                & (slots - 1);
            loop {
                let j = last_start[slot];
                if j == NONE {
                    last_start[slot] = position(i);
                    break;
                }
                let j = usize::from(j);
                if low[j..j + MIN_MATCH] == *head {
                    same_start_before[i] = position(j);
                    last_start[slot] = position(i);
                    break;
                }
                slot = (slot + 1) & (slots - 1);
            }
        }
    }

    // run[i]: the length of the alphabet or keyboard sequence that starts at i (1: none).
    let mut run = [1u16; ANALYSED_CHARS];
    for i in (0..n.saturating_sub(1)).rev() {
        if super::is_sequence_step(low[i].char(), low[i + 1].char()) {
            run[i] = run[i + 1] + 1;
        }
    }

    // cost[i]: the cheapest construction of the first i characters.
    let mut cost = [f64::INFINITY; ANALYSED_CHARS + 1];
    cost[0] = 0.0;
    for i in 0..n {
        let here = cost[i];
        let single = if matches!(low[i].char(), '-' | '_' | '.' | ' ') {
            SEPARATOR_BITS
        } else {
            per_char
        };
        cost[i + 1] = cost[i + 1].min(here + single);
        while let Some(&(at, len)) = words.get(next_word).filter(|(at, _)| *at == i) {
            next_word += 1;
            let capitals = if capital[at..at + len].contains(&true) {
                1.0
            } else {
                0.0
            };
            cost[at + len] = cost[at + len].min(here + WORD_BITS + capitals);
        }
        // The longest repeat of earlier text starting here (the source may overlap).
        // Only repeats of at least MIN_MATCH characters count: the earlier starts with the
        // same first MIN_MATCH characters are all that is compared.
        let mut repeat = 0;
        let mut j = same_start_before[i];
        while j != NONE {
            let from = usize::from(j);
            let len = low[i..]
                .iter()
                .zip(&low[from..])
                .take_while(|(a, b)| a == b)
                .count();
            repeat = repeat.max(len);
            j = same_start_before[from];
        }
        for len in MIN_MATCH..=repeat {
            cost[i + len] = cost[i + len].min(here + REPEAT_BITS + bits(len).log2());
        }
        for len in MIN_MATCH..=usize::from(run[i]) {
            cost[i + len] = cost[i + len].min(here + SEQUENCE_BITS + bits(len).log2());
        }
    }
    (cost[n], brute, n)
}

/// A position among the [`ANALYSED_CHARS`] analysed characters, as the tables hold it.
fn position(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX - 1)
}

/// Whether the value is mostly guessable structure: its estimate is under half of what
/// random characters of the same length and classes would take.
pub fn is_guessable(text: &str) -> bool {
    if text.len() < 8 {
        return false;
    }
    // Fewer than 8 characters counted means fewer than 8 in all (at most 256 are counted).
    let (estimate, brute, counted) = estimate_counted(text);
    counted >= 8 && estimate * 2.0 < brute
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_based_secrets_are_guessable() {
        for w in [
            "secret-key-for-development-only!",
            "default-secret-key-please-change",
            "test-secret-test-secret-test-sec",
            "secretsecretsecretsecretsecret12",
            "MySuperSecretPassword2024",
            "jwt_signing_key_for_local_testing",
        ] {
            assert!(is_guessable(w), "{w}: {:?}", estimate(w));
        }
    }

    #[test]
    fn random_values_are_not() {
        for r in [
            "509f9a26761db82039a9115203f731539164d2128e6a8394a4f8c5e881bdba86",
            "eQq0lYgG7egvJJaPyli2ovVK2JWX5L/Yn2LWk/zGJCk=",
            "jRLRwCOg5B2VitqU77oi6HAcGTo6dSB15bZPFqXS0Fg",
            "e20b85b2-63d9-458b-a54b-d7688c28d719",
            "q8Zr2LmX0vTn4bYw",
        ] {
            assert!(!is_guessable(r), "{r}: {:?}", estimate(r));
        }
    }

    /// The estimate as first written (every table a `Vec`, each sequence run counted from
    /// its start): the estimate on stack tables must give exactly its figures.
    fn reference_estimate(text: &str) -> (f64, f64) {
        let mut original: Vec<char> = Vec::with_capacity(text.len().min(ANALYSED_CHARS));
        original.extend(text.chars().take(ANALYSED_CHARS));
        let low: Vec<char> = original.iter().map(char::to_ascii_lowercase).collect();
        let n = low.len();
        let mut cardinality = 0u32;
        for (present, size) in [
            (original.iter().any(char::is_ascii_lowercase), 26),
            (original.iter().any(char::is_ascii_uppercase), 26),
            (original.iter().any(char::is_ascii_digit), 10),
            (
                original
                    .iter()
                    .any(|c| c.is_ascii_punctuation() || *c == ' '),
                33,
            ),
            (original.iter().any(|c| !c.is_ascii()), 100),
        ] {
            if present {
                cardinality += size;
            }
        }
        let per_char = f64::from(cardinality.max(2)).log2();
        let brute = bits(n) * per_char;

        // Every occurrence of every word, found in one pass over the list: (start, length).
        // In `ascii`, each character is one byte (non-ASCII ones a byte no word holds), so byte
        // offsets are character offsets.
        let ascii: Vec<u8> = low
            .iter()
            .map(|&c| u8::try_from(c).ok().filter(u8::is_ascii).unwrap_or(1))
            .collect();
        // Looked up by the first two characters at each position, not searched word by word.
        let mut words: Vec<(usize, usize)> = Vec::with_capacity(16);
        let bytes = ascii.as_slice();
        for at in 0..bytes.len() {
            let Some(s) = start_slot(&bytes[at..]) else {
                continue;
            };
            let mut lengths = WORD_INDEX.lengths_by_start[s];
            while lengths != 0 {
                let len = lengths.trailing_zeros() as usize;
                lengths &= lengths - 1;
                if bytes.get(at..at + len).is_some_and(|w| is_listed(s, w)) {
                    words.push((at, len));
                }
            }
        }
        let mut next_word = 0;

        // same_start_before[i]: the nearest earlier position whose first MIN_MATCH characters
        // are those at i (a chain through every such position), so that the repeat search
        // visits only starts that can repeat: linear for a random value.
        const NONE: usize = usize::MAX;
        let mut same_start_before = vec![NONE; n];
        {
            // The last position of each start seen so far, in an open-addressing table of twice
            // as many slots as there are positions (at most ANALYSED_CHARS): no hasher to seed.
            let slots = (2 * n).next_power_of_two().max(8);
            let mut last_start: Vec<usize> = vec![NONE; slots];
            for (i, head) in low.windows(MIN_MATCH).enumerate() {
                let key = head.iter().fold(0u64, |k, c| {
                    k.wrapping_mul(0x0100_0000_01b3) ^ u64::from(*c)
                });
                let mut slot = usize::try_from(key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40)
                    .unwrap_or(0)
                    & (slots - 1);
                loop {
                    let j = last_start[slot];
                    if j == NONE {
                        last_start[slot] = i;
                        break;
                    }
                    if low[j..j + MIN_MATCH] == *head {
                        same_start_before[i] = j;
                        last_start[slot] = i;
                        break;
                    }
                    slot = (slot + 1) & (slots - 1);
                }
            }
        }

        // cost[i]: the cheapest construction of the first i characters.
        let mut cost = vec![f64::INFINITY; n + 1];
        cost[0] = 0.0;
        for i in 0..n {
            let here = cost[i];
            let single = if matches!(low[i], '-' | '_' | '.' | ' ') {
                SEPARATOR_BITS
            } else {
                per_char
            };
            cost[i + 1] = cost[i + 1].min(here + single);
            while let Some(&(at, len)) = words.get(next_word).filter(|(at, _)| *at == i) {
                next_word += 1;
                let capitals = if original[at..at + len].iter().any(char::is_ascii_uppercase) {
                    1.0
                } else {
                    0.0
                };
                cost[at + len] = cost[at + len].min(here + WORD_BITS + capitals);
            }
            // The longest repeat of earlier text starting here (the source may overlap).
            // Only repeats of at least MIN_MATCH characters count: the earlier starts with the
            // same first MIN_MATCH characters are all that is compared.
            let mut repeat = 0;
            let mut j = same_start_before[i];
            while j != NONE {
                let len = low[i..]
                    .iter()
                    .zip(&low[j..])
                    .take_while(|(a, b)| a == b)
                    .count();
                repeat = repeat.max(len);
                j = same_start_before[j];
            }
            for len in MIN_MATCH..=repeat {
                cost[i + len] = cost[i + len].min(here + REPEAT_BITS + bits(len).log2());
            }
            let run = 1 + low[i..]
                .windows(2)
                .take_while(|w| super::super::is_sequence_step(w[0], w[1]))
                .count();
            for len in MIN_MATCH..=run.min(n - i) {
                cost[i + len] = cost[i + len].min(here + SEQUENCE_BITS + bits(len).log2());
            }
        }
        (cost[n], brute)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        #[test]
        fn the_estimate_is_the_reference_estimate(
            text in "([a-z0-9_.-]|secret|pass|abc|123|qwe|zyx|AB|é|\\PC){0,80}",
        ) {
            let (estimate, brute) = estimate(&text);
            let (want_estimate, want_brute) = reference_estimate(&text);
            proptest::prop_assert_eq!(estimate.to_bits(), want_estimate.to_bits());
            proptest::prop_assert_eq!(brute.to_bits(), want_brute.to_bits());
            let want_guessable = text.chars().count() >= 8 && want_estimate * 2.0 < want_brute;
            proptest::prop_assert_eq!(is_guessable(&text), want_guessable);
        }
    }

    #[test]
    fn long_values_are_estimated_on_their_first_characters_as_before() {
        let long = "password".repeat(100);
        assert_eq!(estimate(&long), reference_estimate(&long));
        let random: String = (0..300u32)
            .map(|i| char::from(b'a' + u8::try_from(i * 7919 % 26).unwrap()))
            .collect();
        assert_eq!(estimate(&random), reference_estimate(&random));
    }

    #[test]
    fn words_in_the_list() {
        assert!(is_word("token") && is_word("password") && !is_word("zxcvbnm"));
        assert!(WORDS.split(' ').all(|w| !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')));
    }
}
