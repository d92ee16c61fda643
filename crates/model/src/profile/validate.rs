//! Checking a profile: every value in range, every name Windows-safe; the error names the key.

use super::{Profile, ProfileError, invalid};
use crate::date::Date;
use crate::filetype::FileType;

impl Profile {
    /// Checks every value; the error names the key.
    pub fn validate(&self) -> Result<(), ProfileError> {
        self.classes.check().map_err(|(key, message)| invalid(key, message))?;
        if self.files == 0 {
            return Err(invalid("files", "must be at least 1"));
        }
        if self.files > 1 << 50 {
            return Err(invalid("files", "must be at most 2^50"));
        }
        if let Some(r) = self.files_per_dir {
            if !(r.is_finite() && r > 0.0) {
                return Err(invalid("files_per_dir", "must be a positive number"));
            }
        }
        if self.dirs == Some(0) {
            return Err(invalid("dirs", "must be at least 1 (the root)"));
        }
        if self.dirs.is_some_and(|d| d > 1 << 50) {
            return Err(invalid("dirs", "must be at most 2^50"));
        }
        if Date::parse(&self.as_of).is_none() {
            return Err(invalid("as_of", format!("`{}` is not a date of the form YYYY-MM-DD", self.as_of)));
        }
        if self.max_age_years == 0 || self.max_age_years > 60 {
            return Err(invalid("max_age_years", "must be between 1 and 60"));
        }
        let at = &self.attributes;
        let nm = &self.names;
        if nm.suffixes.as_ref().is_some_and(|s| s.is_empty()) {
            return Err(invalid("names.suffixes", "give at least one suffix, or set suffix_share = 0"));
        }
        let bad_char = |s: &String| s.contains(['/', '\\', ':', '*', '?', '"', '<', '>', '|', '\0']);
        let decorations =
            nm.suffixes.iter().flatten().chain(self.template.departments.iter().flat_map(|d| &d.prefixes));
        if let Some(bad) = decorations.clone().find(|s| bad_char(s)) {
            return Err(invalid("names", format!("`{bad}` has a character Windows names cannot hold")));
        }
        for (key, v) in [
            ("names.suffix_share", nm.suffix_share),
            ("names.prefix_share", nm.prefix_share),
            ("attributes.readonly_share", at.readonly_share),
            ("attributes.hidden_share", at.hidden_share),
            ("attributes.zone_share", at.zone_share),
            ("attributes.group_owner_share", at.group_owner_share),
            ("email.attachment_rate", self.email.attachment_rate),
        ] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return Err(invalid(key, "must be between 0 and 1"));
            }
        }
        let fpf = &self.files_per_folder;
        if !(fpf.std.is_finite() && fpf.std >= 0.0) {
            return Err(invalid("files_per_folder.std", "must be a non-negative number"));
        }
        if let (Some(lo), Some(hi)) = (fpf.min, fpf.max) {
            if lo > hi {
                return Err(invalid("files_per_folder", format!("min ({lo}) is above max ({hi})")));
            }
        }
        if let Some((k, _)) =
            fpf.kinds.iter().find(|(k, m)| k.trim().is_empty() || !(m.is_finite() && **m > 0.0 && **m <= 100.0))
        {
            return Err(invalid(
                "files_per_folder.kinds",
                format!("`{k}`: a non-empty word with a multiplier above 0 and at most 100"),
            ));
        }
        if !(1..=9).contains(&self.email.max_attachments) {
            return Err(invalid("email.max_attachments", "must be between 1 and 9"));
        }
        let d = &self.dates;
        if !(d.hot_share.is_finite() && (0.0..=1.0).contains(&d.hot_share)) {
            return Err(invalid("dates.hot_share", "must be between 0 and 1 (--hot-share takes a percentage)"));
        }
        if !(1..=3_650).contains(&d.hot_days) {
            return Err(invalid("dates.hot_days", "must be between 1 and 3650"));
        }
        if !(d.recent_bias.is_finite() && (0.0..=1.0).contains(&d.recent_bias)) {
            return Err(invalid("dates.recent_bias", "must be between 0 and 1 (--recent-bias takes a percentage)"));
        }
        for (key, value) in [("dates.min", &d.min), ("dates.max", &d.max)] {
            if let Some(v) = value.as_deref().filter(|v| Date::parse(v).is_none()) {
                return Err(invalid(key, format!("`{v}` is not a date of the form YYYY-MM-DD")));
            }
        }
        let (lo, hi) = self.date_range();
        if lo > hi {
            return Err(invalid("dates", format!("the range starts ({lo}) after it ends ({hi})")));
        }
        if lo.year < 1900 || hi.year > 2200 {
            return Err(invalid("dates", "the range must lie between 1900 and 2200"));
        }
        if !(4..=200).contains(&self.max_depth) {
            return Err(invalid("max_depth", "must be between 4 and 200"));
        }
        let s = &self.sizes;
        if !(s.mu.is_finite() && s.mu > 0.0 && s.mu < 40.0) {
            return Err(invalid("sizes.mu", "must be between 0 and 40 (natural log of bytes)"));
        }
        if !(s.sigma.is_finite() && s.sigma >= 0.0 && s.sigma < 10.0) {
            return Err(invalid("sizes.sigma", "must be between 0 and 10"));
        }
        check_rate("sizes.tail_share", s.tail_share)?;
        if !(s.tail_alpha.is_finite() && s.tail_alpha > 0.0) {
            return Err(invalid("sizes.tail_alpha", "must be positive"));
        }
        if s.tail_min.0 == 0 {
            return Err(invalid("sizes.tail_min", "must be positive"));
        }
        if s.max.0 < 4096 {
            return Err(invalid("sizes.max", "must be at least 4096"));
        }
        let mut last = (0u64, 0f64);
        for (i, &(size, share)) in s.histogram.iter().enumerate() {
            if !(share.is_finite() && share >= last.1 && share <= 1.0 + 1e-9) || (i > 0 && size <= last.0) {
                return Err(invalid(
                    format!("sizes.histogram[{i}]"),
                    "sizes must rise and shares must rise from 0 to 1",
                ));
            }
            last = (size, share);
        }
        if !s.histogram.is_empty() && (last.1 - 1.0).abs() > 1e-6 {
            return Err(invalid("sizes.histogram", "the last share must be 1"));
        }
        if s.by_depth.len() > 64 {
            return Err(invalid("sizes.by_depth", "takes at most 64 depths"));
        }
        if let Some(i) = s.by_depth.iter().position(|v| !(v.is_finite() && (0.0..=64.0).contains(v))) {
            return Err(invalid(format!("sizes.by_depth[{i}]"), "must be log2 of bytes, from 0 to 64"));
        }
        if !(s.scale > 0.0 && s.scale <= 1e9) {
            return Err(invalid("sizes.scale", "must be above 0 and at most 1e9"));
        }
        for (key, share) in
            [("torture.hostile_names", self.torture.hostile_names), ("torture.odd_metadata", self.torture.odd_metadata)]
        {
            if !(0.0..=1.0).contains(&share) {
                return Err(invalid(key, "must be a share from 0 to 1"));
            }
        }
        let at = &self.attributes;
        let owners = at.builtin_owner_share + at.service_owner_share;
        if at.builtin_owner_share < 0.0 || at.service_owner_share < 0.0 || owners > 1.0 {
            return Err(invalid(
                "attributes.builtin_owner_share",
                "owner shares must be from 0 and add up to 1 at most",
            ));
        }
        if at.service_accounts.len() > 255 || at.service_accounts.iter().any(|n| n.is_empty() || n.contains('\\')) {
            return Err(invalid("attributes.service_accounts", "at most 255 plain account names"));
        }
        let mut total = 0.0;
        let (first, last) = self.date_range();
        for (i, e) in self.events.iter().enumerate() {
            let key = |k: &str| format!("event[{i}].{k}");
            if !(e.share > 0.0 && e.share < 1.0) {
                return Err(invalid(key("share"), "must be above 0 and below 1"));
            }
            total += e.share;
            if e.year < first.year || e.year > last.year {
                return Err(invalid(
                    key("year"),
                    format!("{} is outside the tree's dates ({} to {})", e.year, first.year, last.year),
                ));
            }
            if e.name.is_empty() || !crate::names::is_windows_safe(&e.name) {
                return Err(invalid(key("name"), "must be a Windows-safe folder name"));
            }
            if e.owner != "all-employees" && !self.template.departments.iter().any(|d| d.name == e.owner) {
                return Err(invalid(key("owner"), "must be all-employees or a department's name"));
            }
        }
        if total >= 0.9 {
            return Err(invalid("event", "the events' shares must add up to less than 0.9"));
        }
        if !self.events.is_empty() && self.template.layout != crate::layout::Layout::Share {
            return Err(invalid("event", "events need the share layout"));
        }
        if self.template.layout == crate::layout::Layout::Torture {
            if !(1..=60).contains(&self.torture.deep_levels) {
                return Err(invalid("torture.deep_levels", "must be between 1 and 60"));
            }
            let fixed = self.torture.fixed_files();
            if self.files < fixed {
                return Err(invalid(
                    "files",
                    format!("the torture layout places {fixed} files before its huge folder: give at least that many"),
                ));
            }
        }
        if self.template.layout == crate::layout::Layout::Folders && self.dir_count() < 2 {
            return Err(invalid("dirs", "must be at least 2 (the root and one folder) with layout = \"folders\""));
        }
        for (ext, ts) in s
            .by_ext
            .iter()
            .map(|(e, t)| (format!("by_ext.{e}"), t))
            .chain(s.prefer.iter().map(|(e, t)| (format!("prefer.{e}"), t)))
        {
            let key = format!("sizes.{ext}");
            let ext = ext.split_once('.').map_or("", |x| x.1);
            if !FileType::valid_ext(ext) {
                return Err(invalid(key, "an extension is up to 16 letters, digits, `_`, `-` or `+` (\"\" for none)"));
            }
            if ts.median.0 == 0 || !(ts.sigma.is_finite() && ts.sigma >= 0.0 && ts.sigma < 10.0) {
                return Err(invalid(key, "median must be positive and sigma between 0 and 10"));
            }
        }
        let t = &self.template;
        let mut top: Vec<&str> = Vec::new();
        for (i, d) in t.departments.iter().enumerate() {
            check_folder_name(&format!("template.departments[{i}].name"), &d.name)?;
            if !self.mix.contains_key(&d.mix) && d.mix != "default" {
                return Err(invalid(
                    format!("template.departments[{i}].mix"),
                    format!("no [mix] entry named `{}`", d.mix),
                ));
            }
            if !(d.weight.is_finite() && d.weight > 0.0 && d.weight <= 1000.0) {
                return Err(invalid(format!("template.departments[{i}].weight"), "must be above 0 and at most 1000"));
            }
            for (k, f) in d.folders.iter().enumerate() {
                check_folder_name(&format!("template.departments[{i}].folders[{k}]"), f)?;
            }
            top.push(&d.name);
        }
        for (k, f) in t.department_folders.iter().enumerate() {
            check_folder_name(&format!("template.department_folders[{k}]"), f)?;
        }
        for (i, name) in t.shared.iter().enumerate() {
            check_folder_name(&format!("template.shared[{i}]"), name)?;
            top.push(name);
        }
        check_folder_name("template.users_folder", &t.users_folder)?;
        check_folder_name("template.projects_folder", &t.projects_folder)?;
        top.push(&t.users_folder);
        top.push(&t.projects_folder);
        // Events' folders sit beside the others (only in the share layout).
        if t.layout == crate::layout::Layout::Share {
            top.extend(self.events.iter().map(|e| e.name.as_str()));
        }
        let mut seen = std::collections::HashSet::new();
        for name in top {
            if !seen.insert(name.to_lowercase()) {
                return Err(invalid("template", format!("the top-level folder `{name}` appears twice")));
            }
        }
        if !(0.05..=0.95).contains(&t.fanout) {
            return Err(invalid("template.fanout", "must be between 0.05 and 0.95"));
        }
        if !(0.1..=1000.0).contains(&t.attachment_offset) {
            return Err(invalid("template.attachment_offset", "must be between 0.1 and 1000"));
        }
        self.acls.check()?;
        if !(t.loose_root_share.is_finite() && (0.0..=0.5).contains(&t.loose_root_share)) {
            return Err(invalid("template.loose_root_share", "must be between 0 and 0.5"));
        }
        if !(1..=100_000).contains(&t.fanout_cap) {
            return Err(invalid("template.fanout_cap", "must be between 1 and 100,000"));
        }
        if t.years > 100 {
            return Err(invalid("template.years", "must be at most 100"));
        }
        let w = &t.weights;
        for (k, v) in
            [("departments", w.departments), ("users", w.users), ("projects", w.projects), ("shared", w.shared)]
        {
            if !(v.is_finite() && v >= 0.0) {
                return Err(invalid(format!("template.weights.{k}"), "must be zero or positive"));
            }
        }
        for (mix, weights) in &self.mix {
            for ext in weights.keys() {
                if !FileType::valid_ext(ext) {
                    return Err(invalid(
                        format!("mix.{mix}.{ext}"),
                        "an extension is up to 16 letters, digits, `_`, `-` or `+` (\"\" for none)",
                    ));
                }
            }
            if weights.values().all(|w| *w == 0) {
                return Err(invalid(format!("mix.{mix}"), "needs at least one positive weight"));
            }
        }
        for (key, v) in self.churn.rates() {
            check_rate(key, v)?;
        }
        if self.churn.add > 1.0 {
            return Err(invalid("churn.add", "must be between 0 and 1"));
        }
        if !(self.churn.hot_factor.is_finite() && (1.0..=1000.0).contains(&self.churn.hot_factor)) {
            return Err(invalid("churn.hot_factor", "must be between 1 and 1000"));
        }
        if self.churn.days == 0 || self.churn.days > 366 {
            return Err(invalid("churn.days", "must be between 1 and 366"));
        }
        if self.epoch > crate::epoch::MAX_EPOCH {
            return Err(invalid("epoch", format!("must be at most {}", crate::epoch::MAX_EPOCH)));
        }
        check_rate("clutter.duplicate_rate", self.clutter.duplicate_rate)?;
        check_rate("clutter.temp_rate", self.clutter.temp_rate)?;
        check_rate("clutter.folder_junk_rate", self.clutter.folder_junk_rate)?;
        if self.clutter.duplicate_rate + self.clutter.temp_rate > 0.9 {
            return Err(invalid("clutter", "duplicate_rate + temp_rate must stay below 0.9"));
        }
        let sp = &self.sparse;
        check_rate("sparse.rate", sp.rate)?;
        for (i, ext) in sp.types.iter().enumerate() {
            if FileType::from_ext(ext).is_none() {
                return Err(invalid(
                    format!("sparse.types[{i}]"),
                    format!("unknown type `{ext}` (known: {})", known_exts()),
                ));
            }
        }
        for (k, v) in [("head", sp.head), ("hole", sp.hole), ("data", sp.data), ("tail", sp.tail)] {
            if v.0 == 0 || v.0 % 4096 != 0 {
                return Err(invalid(format!("sparse.{k}"), "must be a positive multiple of 4096"));
            }
        }
        if sp.head.0 < 64 << 10 {
            return Err(invalid("sparse.head", "must be at least 64KiB (headers live there)"));
        }
        let id = &self.identities;
        if id.users == 0 || id.users > 1_000_000 {
            return Err(invalid("identities.users", "must be between 1 and 1,000,000"));
        }
        if id.uid_start.checked_add(id.users).is_none() {
            return Err(invalid("identities.uid_start", "uid range overflows"));
        }
        if id.domain.is_empty() || !id.domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(invalid("identities.domain", "must be letters, digits or dashes"));
        }
        if id.departed > 100_000 {
            return Err(invalid("identities.departed", "must be at most 100,000"));
        }
        if !(0.0..=0.5).contains(&id.departed_share) || (id.departed == 0 && id.departed_share > 0.0) {
            return Err(invalid("identities.departed_share", "must be between 0 and 0.5 (and 0 when departed = 0)"));
        }
        if !(0.0..=1.0).contains(&id.home_share) {
            return Err(invalid("identities.home_share", "must be between 0 and 1"));
        }
        Ok(())
    }
}

fn check_rate(key: &str, v: f64) -> Result<(), ProfileError> {
    if v.is_finite() && (0.0..=1.0).contains(&v) { Ok(()) } else { Err(invalid(key, "must be between 0 and 1")) }
}

fn known_exts() -> String {
    FileType::MIXABLE.iter().map(|t| t.ext()).collect::<Vec<_>>().join(", ")
}

/// Folder names from a profile must be valid on Windows, since targets are often SMB shares.
pub(super) fn check_folder_name(key: &str, name: &str) -> Result<(), ProfileError> {
    if !crate::names::is_windows_safe(name) {
        return Err(invalid(key, format!("`{name}` is not a valid Windows folder name")));
    }
    Ok(())
}
