//! Minimal descriptions of sets of cells: a few "cubes" (a set of values per feature) whose
//! union is exactly the set, found greedily. `attestation ∈ {stale,…} ∧ trace = matched`
//! reads better than ten thousand rows.

use crate::space::{self, Cell, FEATURES};

/// A cube: for each feature, the values it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cube(pub Vec<Vec<u8>>);

impl Cube {
    fn cells(&self) -> impl Iterator<Item = Cell> + '_ {
        let total: usize = self.0.iter().map(Vec::len).product();
        (0..total).map(move |mut k| {
            let mut v = vec![0u8; self.0.len()];
            for (i, vals) in self.0.iter().enumerate().rev() {
                if let Some(slot) = v.get_mut(i) {
                    *slot = vals.get(k % vals.len()).copied().unwrap_or(0);
                }
                k /= vals.len().max(1);
            }
            Cell(v)
        })
    }

    /// Number of cells in the cube.
    pub fn size(&self) -> usize {
        self.0.iter().map(Vec::len).product()
    }

    /// `feature = value` / `feature ∈ {…}` terms for the constrained features.
    pub fn terms(&self) -> Vec<String> {
        FEATURES
            .iter()
            .zip(&self.0)
            .filter(|(f, vals)| vals.len() < f.values.len())
            .map(|(f, vals)| {
                let names: Vec<&str> = vals
                    .iter()
                    .filter_map(|v| f.values.get(usize::from(*v)).copied())
                    .collect();
                match names.as_slice() {
                    [one] => format!("{} = {one}", f.name),
                    many => format!("{} ∈ {{{}}}", f.name, many.join(" | ")),
                }
            })
            .collect()
    }
}

/// The cover of `members` as lines of text, one per cube (`every cell` for an empty one).
pub fn describe(members: &[bool]) -> Vec<String> {
    cover(members)
        .iter()
        .map(|c| {
            let t = c.terms();
            if t.is_empty() {
                "every cell".to_string()
            } else {
                t.join(" ∧ ")
            }
        })
        .collect()
}

/// Covers the cells marked in `members` (indexed like [`space::cells`]) with cubes.
pub fn cover(members: &[bool]) -> Vec<Cube> {
    let inside = |c: &Cell| members.get(c.index()).copied().unwrap_or(false);
    let mut covered = vec![false; members.len()];
    let mut cubes = Vec::new();
    for start in 0..members.len() {
        if !members.get(start).copied().unwrap_or(false)
            || covered.get(start).copied().unwrap_or(true)
        {
            continue;
        }
        let seed = space::cell(start);
        let mut cube = Cube(seed.0.iter().map(|v| vec![*v]).collect());
        // Widen one feature value at a time while every cell of the cube stays in the set.
        for (f, feature) in FEATURES.iter().enumerate() {
            for v in 0..u8::try_from(feature.values.len()).unwrap_or(0) {
                if cube.0.get(f).is_some_and(|vals| vals.contains(&v)) {
                    continue;
                }
                let mut wider = cube.clone();
                if let Some(vals) = wider.0.get_mut(f) {
                    vals.push(v);
                    vals.sort_unstable();
                }
                if wider.cells().all(|c| inside(&c)) {
                    cube = wider;
                }
            }
        }
        for c in cube.cells() {
            if let Some(slot) = covered.get_mut(c.index()) {
                *slot = true;
            }
        }
        cubes.push(cube);
    }
    cubes.sort_by_key(|c| std::cmp::Reverse(c.size()));
    cubes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_feature_set_is_one_cube() {
        let members: Vec<bool> = space::cells()
            .map(|c| c.get("trace") == "matched")
            .collect();
        let cubes = cover(&members);
        assert_eq!(cubes.len(), 1);
        assert_eq!(cubes[0].terms(), ["trace = matched"]);
    }

    #[test]
    fn a_union_is_covered_exactly() {
        let members: Vec<bool> = space::cells()
            .map(|c| {
                c.get("trace") == "matched"
                    || (c.get("storage") == "none" && c.get("key_release") == "released")
            })
            .collect();
        let cubes = cover(&members);
        let mut union = vec![false; members.len()];
        for cube in &cubes {
            for c in cube.cells() {
                union[c.index()] = true;
            }
        }
        assert_eq!(union, members);
        assert!(cubes.len() <= 3, "{}", cubes.len());
    }
}
