//! Minimal descriptions of sets of cells: a few "cubes" (a set of values per feature) whose
//! union is exactly the set, found greedily. `attestation ∈ {stale,…} ∧ trace = matched`
//! reads better than ten thousand rows.

use crate::space::{Cell, Space, FEATURES};

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
pub fn describe(members: &[bool], space: &Space) -> Vec<String> {
    cover(members, space)
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

/// The positions (in `space`) of the cube's cells that lie in the space.
fn positions<'a>(cube: &'a Cube, space: &'a Space) -> Box<dyn Iterator<Item = usize> + 'a> {
    if cube.size() <= space.len() {
        Box::new(cube.cells().filter_map(|c| space.position(&c)))
    } else {
        // A sub-space smaller than the cube: test the space's cells rather than the cube's.
        Box::new((0..space.len()).filter(|p| {
            let c = space.cell(*p);
            c.0.iter().zip(&cube.0).all(|(v, vals)| vals.contains(v))
        }))
    }
}

/// Covers the cells marked in `members` (indexed like [`Space::cell`]) with cubes. Cells
/// outside the space constrain nothing: a cube is exact over the cells of the space.
pub fn cover(members: &[bool], space: &Space) -> Vec<Cube> {
    let inside = |p: usize| members.get(p).copied().unwrap_or(false);
    let mut covered = vec![false; members.len()];
    let mut cubes = Vec::new();
    for start in 0..members.len() {
        if !members.get(start).copied().unwrap_or(false)
            || covered.get(start).copied().unwrap_or(true)
        {
            continue;
        }
        let seed = space.cell(start);
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
                if positions(&wider, space).all(inside) {
                    cube = wider;
                }
            }
        }
        for p in positions(&cube, space) {
            if let Some(slot) = covered.get_mut(p) {
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
        let members: Vec<bool> = Space::full()
            .cells()
            .map(|c| c.get("trace") == "matched")
            .collect();
        let cubes = cover(&members, &Space::full());
        assert_eq!(cubes.len(), 1);
        assert_eq!(cubes[0].terms(), ["trace = matched"]);
    }

    #[test]
    fn a_union_is_covered_exactly() {
        let members: Vec<bool> = Space::full()
            .cells()
            .map(|c| {
                c.get("trace") == "matched"
                    || (c.get("storage") == "none" && c.get("key_release") == "released")
            })
            .collect();
        let cubes = cover(&members, &Space::full());
        let mut union = vec![false; members.len()];
        for cube in &cubes {
            for c in cube.cells() {
                union[c.index()] = true;
            }
        }
        assert_eq!(union, members);
        assert!(cubes.len() <= 3, "{}", cubes.len());
    }

    #[test]
    fn a_union_in_the_quick_space_is_covered_exactly_over_its_cells() {
        let q = Space::quick();
        let members: Vec<bool> = q
            .cells()
            .map(|c| {
                c.get("trace") == "matched"
                    || (c.get("storage") == "none" && c.get("key_release") == "released")
            })
            .collect();
        let cubes = cover(&members, &q);
        let mut union = vec![false; members.len()];
        for cube in &cubes {
            for p in positions(cube, &q) {
                union[p] = true;
            }
        }
        assert_eq!(union, members);
        assert!(cubes.len() <= 3, "{}", cubes.len());
    }
}
