//! Which value combinations a diff tries for the fields it varies. Fields are given by how
//! many values each has; a combination is a list of (field, value) positions, and a field it
//! does not name is left as the base cell has it.
//!
//! Each field is tried alone ([`one_at_a_time`]); the fields of one cone are tried in every
//! combination, each field either set or left as it is, while there are few
//! ([`EXHAUSTIVE_LIMIT`]), else in every combination of any [`STRENGTH`] of them with the others
//! left as they are ([`t_way`]). Leaving the others alone matters: a claim allowed only when two
//! fields agree (an attestation's nonce and the expected one) must meet them agreeing while
//! nothing else it needs was disturbed.

/// Most combinations tried for one cone's fields (each set or left as is): under it every
/// combination is tried, over it every combination of any [`STRENGTH`] fields.
pub const EXHAUSTIVE_LIMIT: usize = 256;

/// How many fields are set together when every combination is too many.
pub const STRENGTH: usize = 3;
/// [`STRENGTH`] as reports write it.
pub const STRENGTH_WORDS: &str = "every 3-way combination";

/// Most combinations of [`t_way`]: past it, fewer fields are set together.
const MAX_TUPLES: usize = 20_000;

/// A combination: (field, value) positions.
pub(super) type Combination = Vec<(usize, usize)>;

/// Each field set alone, the others left as the base cell has them.
pub(super) fn one_at_a_time(sizes: &[usize]) -> Vec<Combination> {
    sizes
        .iter()
        .enumerate()
        .flat_map(|(i, n)| (0..*n).map(move |v| vec![(i, v)]))
        .collect()
}

/// Every combination of the fields `which` (indices into `sizes`), each set to one of its
/// values or left as it is, or `None` when there are more than [`EXHAUSTIVE_LIMIT`].
pub(super) fn every_combination(sizes: &[usize], which: &[usize]) -> Option<Vec<Combination>> {
    // One more choice per field: left as it is.
    let choices: Vec<(usize, usize)> = which
        .iter()
        .filter_map(|i| Some((*i, sizes.get(*i)?.checked_add(1)?)))
        .collect();
    let total = choices
        .iter()
        .try_fold(1usize, |acc, (_, n)| acc.checked_mul(*n))?;
    (total <= EXHAUSTIVE_LIMIT).then(|| {
        (0..total)
            .map(|mut k| {
                choices
                    .iter()
                    .filter_map(|(i, n)| {
                        let v = k % n;
                        k /= n;
                        // The last choice leaves the field alone.
                        (v + 1 < *n).then_some((*i, v))
                    })
                    .collect()
            })
            .filter(|c: &Combination| !c.is_empty())
            .collect()
    })
}

/// Every combination of the values of any `t` (or fewer, down to two) of the fields `which`, the
/// others left as they are: for any `t` fields and any values of theirs, one combination sets
/// exactly those. When that is more than [`MAX_TUPLES`], fewer fields are set together; the
/// words say how many.
pub(super) fn t_way(
    sizes: &[usize],
    which: &[usize],
    t: usize,
) -> (Vec<Combination>, &'static str) {
    let of = |i: &usize| sizes.get(*i).copied().unwrap_or(0);
    // How many combinations setting `t` fields there are: the sum, over every `t` fields, of
    // the product of their value counts.
    let count = |t: usize| -> usize {
        let mut e = vec![0usize; t + 1];
        if let Some(first) = e.first_mut() {
            *first = 1;
        }
        for n in which.iter().map(of) {
            for k in (1..=t).rev() {
                let add = e.get(k - 1).and_then(|p| p.checked_mul(n));
                if let Some(slot) = e.get_mut(k) {
                    *slot = add.map_or(usize::MAX, |a| slot.saturating_add(a));
                }
            }
        }
        e.get(t).copied().unwrap_or(usize::MAX)
    };
    let mut t = t.min(which.len()).max(1);
    while t > 1 && (2..=t).map(count).fold(0usize, usize::saturating_add) > MAX_TUPLES {
        t -= 1;
    }
    let mut out = Vec::new();
    let mut pick: Vec<usize> = Vec::new();
    // Every `t`-subset of `which` (positions in it), then every value tuple of the subset.
    fn subsets(n: usize, t: usize, from: usize, pick: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if pick.len() == t {
            out.push(pick.clone());
            return;
        }
        for i in from..n {
            pick.push(i);
            subsets(n, t, i + 1, pick, out);
            pick.pop();
        }
    }
    // Fewer fields first, so the first combination showing a change sets as little as it can.
    let mut all = Vec::new();
    for k in 2.min(t)..=t {
        subsets(which.len(), k, 0, &mut pick, &mut all);
    }
    for sub in all {
        let fields: Vec<usize> = sub.iter().filter_map(|p| which.get(*p).copied()).collect();
        let n: usize = fields.iter().map(of).product();
        for mut k in 0..n {
            out.push(
                fields
                    .iter()
                    .map(|f| {
                        let m = of(f).max(1);
                        let v = k % m;
                        k /= m;
                        (*f, v)
                    })
                    .collect(),
            );
        }
    }
    let how = match t {
        3.. => STRENGTH_WORDS,
        2 => "every 2-way combination",
        _ => "one field at a time",
    };
    (out, how)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_combine_while_the_product_is_small() {
        let two = [4, 4];
        // Each field set (4 ways) or left alone, less the combination that sets nothing.
        let every = every_combination(&two, &[0, 1]).unwrap();
        assert_eq!(every.len(), 24);
        assert!(every.contains(&vec![(1, 3)]) && every.contains(&vec![(0, 2), (1, 3)]));
        assert_eq!(one_at_a_time(&two).len(), 8);
        let many = [4; 6];
        let all: Vec<usize> = (0..6).collect();
        assert_eq!(every_combination(&many, &all), None);
        // Over the limit: any three fields take each of their 64 value combinations in a
        // combination that sets nothing else (20 × 64), and any two their 16 (15 × 16).
        let (rows, how) = t_way(&many, &all, STRENGTH);
        assert_eq!(how, "every 3-way combination");
        assert_eq!(rows.len(), 20 * 64 + 15 * 16);
        assert_eq!(rows.first(), Some(&vec![(0, 0), (1, 0)]));
        for a in 0..6 {
            for b in a + 1..6 {
                for c in b + 1..6 {
                    for k in 0..64 {
                        let want = vec![(a, k % 4), (b, k / 4 % 4), (c, k / 16)];
                        assert!(rows.contains(&want), "{want:?} is in no row");
                    }
                }
            }
        }
        // Too many for three at a time: two.
        let wide = [20; 8];
        let all: Vec<usize> = (0..8).collect();
        assert_eq!(t_way(&wide, &all, STRENGTH).1, "every 2-way combination");
    }
}
