//! The sub-folders a statistical folder gets, before their quotas are known: how many (the
//! fan-out law), their names (from the word lists, unique without regard to case), their
//! kinds and their weights.

use std::borrow::Cow;

use super::child_names::ChildNames;
use super::{DirContext, DirKind, DirSeed};
use crate::Model;
use crate::layout::Layout;
use crate::rng::Rng;
use crate::words;

/// A child before its quota is known.
pub(super) struct Spec {
    pub(super) name: Cow<'static, str>,
    pub(super) ctx: DirContext,
    /// Relative share of the directories.
    pub(super) weight: Weight,
    /// Relative density of files per directory.
    pub(super) density: f64,
    /// Multiplier by the name's kind.
    pub(super) kind: f64,
}

/// How many sub-directories a statistical directory gets; by attachment, `subtrees` also
/// receives each one's subtree in folders (itself included).
fn fan_out(m: &Model, s: &DirSeed, rng: &mut Rng, subtrees: &mut Option<Vec<u64>>) -> u64 {
    use crate::fanout::{self, FanoutLaw};
    if s.dirs == 0 {
        return 0;
    }
    if s.depth + 1 >= m.profile.max_depth {
        return s.dirs;
    }
    let t = &m.profile.template;
    match t.fanout_law {
        FanoutLaw::Power => fanout::power(s.dirs, t.fanout, t.fanout_cap, rng),
        FanoutLaw::Attachment => subtrees.insert(fanout::attachment(s.dirs, t.attachment_offset, rng)).len() as u64,
    }
}

/// A child's relative share of its parent's folders, where they are split by weight.
#[derive(Clone, Copy, Debug)]
pub(super) enum Weight {
    Of(f64),
    /// Heavy-tailed ([`skew`]), kept as the uniform it is drawn from until a split asks for
    /// it: a folder whose sub-trees come from attachment never does, and the power is most of
    /// the draw's cost (about a tenth of a 10^9-file tree's survey).
    Skew(f64),
}

impl Weight {
    pub(super) fn value(self) -> f64 {
        match self {
            Weight::Of(w) => w,
            Weight::Skew(u) => crate::rng::pareto_at(u, 1.0, 1.4).min(30.0),
        }
    }
}

/// Heavy-tailed weight for splitting directories among siblings: a Pareto deviate of shape
/// 1.4, at most 30 (the draw is `Rng::pareto`'s, its value made when asked).
fn skew(rng: &mut Rng) -> Weight {
    Weight::Skew(rng.unit_open())
}

/// Folders of pictures and videos: where the profile has a `photos` mix, their files are drawn from
/// it. (`Images` is not among them: in IT it holds disk images.)
const MEDIA_FOLDERS: [&str; 5] = ["Photos", "Pictures", "Videos", "Screenshots", "Camera Roll"];

/// The children being drawn: their specs so far and the names they took.
struct Drawn<'m> {
    out: Vec<Spec>,
    names: ChildNames,
    m: &'m Model,
    photos: Option<u16>,
}

impl Drawn<'_> {
    /// Room for `n` children, once their number is known.
    fn reserve(&mut self, n: u64) {
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        self.out.reserve(n);
        self.names.reserve(n);
    }

    /// A word from `list` (see [`ChildNames::fresh`]).
    fn fresh(&mut self, rng: &mut Rng, list: &'static [&'static str]) -> &'static str {
        self.names.fresh(rng, list)
    }

    /// The next child, under `name` made unique.
    fn push(&mut self, name: impl Into<Cow<'static, str>>, ctx: DirContext, weight: Weight, density: f64) {
        let out = &self.out;
        let unique = self.names.unique(name.into(), |i| &out[i].name);
        let kind = self.m.profile.files_per_folder.multiplier(&unique);
        // A folder of pictures holds what people keep there, where the profile says what that is.
        let ctx = match self.photos.filter(|_| MEDIA_FOLDERS.iter().any(|m| m.eq_ignore_ascii_case(&unique))) {
            Some(mix) => DirContext { mix, ..ctx },
            None => ctx,
        };
        self.out.push(Spec { name: unique, ctx, weight, density, kind });
    }
}

pub(super) fn child_specs(m: &Model, s: &DirSeed, rng: &mut Rng, subtrees: &mut Option<Vec<u64>>) -> Vec<Spec> {
    let p = &m.profile;
    let t = &p.template;
    let ctx = s.ctx;
    let inherit = |kind: DirKind| DirContext { kind, ..ctx };
    // Names unique without regard to case, a drawn word never the parent's own name (no
    // `Photos/Photos`) and rarely a repeat (`Budgets 2`): see `child_names.rs`.
    let mut kids = Drawn { out: Vec::new(), names: ChildNames::new(s.name_key), m, photos: m.find_mix("photos") };
    match ctx.kind {
        DirKind::Root if t.layout == Layout::Tree => {
            let n = fan_out(m, s, rng, subtrees);
            kids.reserve(n);
            let topics = words::topics(m.mix_name(ctx.mix));
            for _ in 0..n {
                let name = if rng.chance(0.5) { kids.fresh(rng, topics) } else { kids.fresh(rng, words::SUBFOLDERS) };
                kids.push(name, inherit(DirKind::Sub), skew(rng), 1.0);
            }
        }
        DirKind::Root => {
            let w = &t.weights;
            let nd: f64 = t.departments.iter().map(|d| d.weight).sum::<f64>().max(1e-9);
            for (i, d) in t.departments.iter().enumerate() {
                let c = DirContext {
                    kind: DirKind::Department,
                    mix: m.mix_index(&d.mix),
                    department: Some(i as u16),
                    ..ctx
                };
                kids.push(d.name.clone(), c, Weight::Of(w.departments / nd * d.weight * rng.lognormal(0.0, 0.35)), 1.0);
            }
            let users = DirContext { kind: DirKind::UsersRoot, mix: m.mix_index("home"), ..ctx };
            kids.push(t.users_folder.clone(), users, Weight::Of(w.users), 0.8);
            let projects = DirContext { kind: DirKind::ProjectsRoot, mix: m.mix_index("projects"), ..ctx };
            kids.push(t.projects_folder.clone(), projects, Weight::Of(w.projects), 1.0);
            let ns = t.shared.len().max(1) as f64;
            for name in &t.shared {
                let c = DirContext { kind: DirKind::Shared, mix: m.mix_index("shared"), ..ctx };
                kids.push(name.clone(), c, Weight::Of(w.shared / ns), 0.8);
            }
        }
        DirKind::UsersRoot => {
            let n = (m.identities.users.len() as u64).min(s.dirs);
            kids.reserve(n);
            for u in 0..n as u32 {
                let user = &m.identities.users[u as usize];
                let c = DirContext { kind: DirKind::Home, owner: Some(u), department: user.department, ..ctx };
                kids.push(user.account.clone(), c, Weight::Of(rng.lognormal(0.0, 0.5)), 1.0);
            }
        }
        DirKind::ProjectsRoot => {
            let n = u64::from(t.projects).min(s.dirs);
            kids.reserve(n);
            for k in 0..n {
                let name = project_name(rng, k);
                let dept = (!t.departments.is_empty()).then(|| rng.below(t.departments.len() as u64) as u16);
                let c = DirContext { kind: DirKind::Project, department: dept, ..ctx };
                kids.push(name, c, skew(rng), 1.0);
            }
        }
        DirKind::Home => {
            let n = fan_out(m, s, rng, subtrees);
            kids.reserve(n);
            let fixed = ["Documents", "Desktop", "Downloads", "Pictures"];
            for k in 0..n {
                let name = match fixed.get(k as usize) {
                    Some(f) => *f,
                    None => kids.fresh(rng, words::topics("home")),
                };
                kids.push(name, inherit(DirKind::Sub), skew(rng), 1.0);
            }
        }
        DirKind::Project => {
            let n = fan_out(m, s, rng, subtrees);
            kids.reserve(n);
            let phases = words::topics("projects");
            for k in 0..n {
                let name = match phases.get(k as usize) {
                    Some(f) => *f,
                    None => kids.fresh(rng, words::SUBFOLDERS),
                };
                kids.push(name, inherit(DirKind::Topic), skew(rng), 1.0);
            }
        }
        DirKind::Year => {
            let n = fan_out(m, s, rng, subtrees);
            kids.reserve(n);
            let year = ctx.year.unwrap_or(2020);
            let quarters = n <= 4 || rng.chance(0.5);
            // No period folder reaches past the reference date.
            let last_month = if year == m.as_of.year { m.as_of.month as u64 } else { 12 };
            let periods = if quarters { last_month.div_ceil(3) } else { last_month };
            for k in 0..n {
                if k < periods {
                    let (name, months) = if quarters {
                        let q = k as u8;
                        (format!("Q{} {year}", q + 1), (q * 3 + 1, q * 3 + 3))
                    } else {
                        let mo = k as usize;
                        (format!("{year}-{:02} {}", mo + 1, words::MONTHS[mo]), (mo as u8 + 1, mo as u8 + 1))
                    };
                    let c = DirContext { kind: DirKind::Period, months: Some(months), ..ctx };
                    kids.push(name, c, skew(rng), 1.0);
                } else {
                    let name = kids.fresh(rng, words::SUBFOLDERS);
                    kids.push(name, inherit(DirKind::Sub), skew(rng), 1.0);
                }
            }
        }
        DirKind::Batch | DirKind::Torture(_) | DirKind::Event(_) | DirKind::EventSub(_) => {}
        DirKind::Department | DirKind::Shared | DirKind::Topic | DirKind::Period | DirKind::Sub => {
            let n = fan_out(m, s, rng, subtrees);
            kids.reserve(n);
            let mix = m.mix_name(ctx.mix);
            let topics = words::topics(mix);
            let newest = m.as_of.year;
            let oldest = m.range_start_year();
            let mut next_year = newest;
            // Topics and shared areas get up to three year folders, none where the profile
            // wants none.
            let max_years =
                if ctx.kind == DirKind::Department { u64::from(t.years) } else { u64::from(t.years.min(3)) };
            let mut years_made = 0;
            let year_chance = match ctx.kind {
                DirKind::Department => 0.35,
                DirKind::Topic | DirKind::Shared => 0.15,
                _ => 0.0,
            };
            // A department's standing folders (`Board`, `Temp`) come first.
            let fixed: Vec<&String> = match (ctx.kind, ctx.department.and_then(|d| t.departments.get(d as usize))) {
                (DirKind::Department, Some(d)) => d.folders.iter().chain(&t.department_folders).collect(),
                _ => Vec::new(),
            };
            for k in 0..n {
                if let Some(name) = fixed.get(k as usize) {
                    kids.push((*name).clone(), inherit(DirKind::Topic), skew(rng), 1.0);
                    continue;
                }
                if ctx.year.is_none() && years_made < max_years && next_year >= oldest && rng.chance(year_chance) {
                    let c = DirContext { kind: DirKind::Year, year: Some(next_year), ..ctx };
                    kids.push(next_year.to_string(), c, skew(rng), 1.0);
                    next_year -= 1;
                    years_made += 1;
                    continue;
                }
                let name = if ctx.kind == DirKind::Department || ctx.kind == DirKind::Shared || rng.chance(0.35) {
                    kids.fresh(rng, topics)
                } else {
                    kids.fresh(rng, words::SUBFOLDERS)
                };
                let kind = if ctx.kind == DirKind::Department { DirKind::Topic } else { DirKind::Sub };
                kids.push(name, inherit(kind), skew(rng), 1.0);
            }
        }
    }
    kids.out
}

fn project_name(rng: &mut Rng, k: u64) -> String {
    let name = rng.pick(words::PROJECT_NAMES);
    let kind = rng.pick(words::PROJECT_KINDS);
    match rng.below(3) {
        0 => format!("PRJ-{} {name} {kind}", 1001 + k * 7 + rng.below(7)),
        1 => format!("{} - {name} {kind}", rng.pick(words::COMPANIES)),
        _ => format!("{name} {kind}"),
    }
}
