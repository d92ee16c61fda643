//! Unit tests of directory plans: names of repeated folders, exact splits.

use super::*;

/// In a folder of thousands of sub-folders named from a few dozen words, repeats take the
/// smallest free suffix (`Budgets`, `Budgets 2`, `Budgets 3`, ...), as trying every suffix
/// in turn gives, and names stay unique without regard to case.
#[test]
fn repeated_folder_names_take_the_smallest_free_suffix() {
    let mut p = crate::Profile::builtin("enterprise").unwrap();
    p.set_counts(Some(1_000_000_000), None);
    let tree = crate::Tree::new(p).unwrap();
    let root = tree.root();
    let widest = (0..root.children.len()).map(|k| tree.child_plan(root, k)).max_by_key(|c| c.children.len()).unwrap();
    assert!(widest.children.len() > 1_000, "{} sub-folders", widest.children.len());
    let names: Vec<String> = widest.children.iter().map(|c| c.name.to_lowercase()).collect();
    let all: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(all.len(), names.len(), "names are unique without regard to case");
    let mut suffixed = 0;
    for name in &names {
        let Some((base, k)) = name.rsplit_once(' ').and_then(|(b, k)| Some((b, k.parse::<u64>().ok()?))) else {
            continue;
        };
        if all.contains(base) {
            suffixed += 1;
            for j in 2..k {
                assert!(all.contains(format!("{base} {j}").as_str()), "{name} without {base} {j}");
            }
        }
    }
    assert!(suffixed > 500, "{suffixed} repeats");
}

#[test]
fn split_is_exact_and_proportional() {
    assert_eq!(split(10, &[1.0, 1.0]), vec![5, 5]);
    assert_eq!(split(7, &[0.0, 0.0, 0.0]).iter().sum::<u64>(), 7);
    assert_eq!(split(0, &[1.0, 2.0]), vec![0, 0]);
    assert_eq!(split(100, &[0.0, 1.0]), vec![0, 100]);
    assert_eq!(split(u64::MAX / 2, &[1.0, 3.0]).iter().sum::<u64>(), u64::MAX / 2);
    assert!(split(5, &[]).is_empty());
}
