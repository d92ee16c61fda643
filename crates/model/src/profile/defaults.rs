//! The values a profile takes for keys it leaves out (serde's `default = "defaults::..."`).

use super::Size;

pub fn service_accounts() -> Vec<String> {
    [
        "svc_backup",
        "svc_sql",
        "svc_sharepoint",
        "svc_exchange",
        "svc_scanner",
        "svc_print",
        "svc_antivirus",
        "svc_deploy",
        "svc_monitor",
        "svc_etl",
    ]
    .map(String::from)
    .to_vec()
}
pub fn event_owner() -> String {
    "all-employees".into()
}
pub fn max_attachments() -> u8 {
    3
}
pub fn folder_std() -> f64 {
    8.0
}
pub fn seed() -> u64 {
    1
}
pub fn max_age_years() -> u32 {
    10
}
pub fn one() -> f64 {
    1.0
}
pub fn hot_days() -> u32 {
    30
}
pub fn recent_bias() -> f64 {
    0.7
}
pub fn deny_group() -> String {
    "contractors".into()
}

pub fn acl_gid_start() -> u32 {
    30_000
}
pub fn readonly_share() -> f64 {
    0.05
}
pub fn suffix_share() -> f64 {
    0.15
}
pub fn prefix_share() -> f64 {
    0.5
}
pub fn attachment_offset() -> f64 {
    2.0
}
pub fn fanout() -> f64 {
    0.42
}
pub fn fanout_cap() -> u32 {
    24
}
pub fn max_depth() -> u32 {
    24
}
pub fn mu() -> f64 {
    9.48
}
pub fn sigma() -> f64 {
    2.46
}
pub fn tail_share() -> f64 {
    0.00006
}
pub fn tail_min() -> Size {
    Size(1 << 29)
}
pub fn tail_alpha() -> f64 {
    0.91
}
pub fn max_size() -> Size {
    Size(64 << 30)
}
pub fn scale() -> f64 {
    1.0
}
pub fn folder_prefix() -> String {
    "folder_".into()
}
pub fn users_folder() -> String {
    "Users".into()
}
pub fn projects_folder() -> String {
    "Projects".into()
}
pub fn projects() -> u32 {
    20
}
pub fn years() -> u32 {
    6
}
pub fn loose_root_files() -> u32 {
    10
}
pub fn mix_name() -> String {
    "default".into()
}
pub fn w_departments() -> f64 {
    0.6
}
pub fn w_users() -> f64 {
    0.2
}
pub fn w_projects() -> f64 {
    0.15
}
pub fn w_shared() -> f64 {
    0.05
}
pub fn sparse_head() -> Size {
    Size(1 << 20)
}
pub fn sparse_hole() -> Size {
    Size(64 << 20)
}
pub fn sparse_data() -> Size {
    Size(1 << 20)
}
pub fn sparse_tail() -> Size {
    Size(64 << 10)
}
pub fn users() -> u32 {
    100
}
pub fn uid_start() -> u32 {
    10_000
}
pub fn gid_start() -> u32 {
    20_000
}
pub fn domain() -> String {
    "CORP".into()
}
pub fn source() -> String {
    "synthetic".into()
}
pub fn departed() -> u32 {
    8
}
pub fn departed_share() -> f64 {
    0.02
}
pub fn home_share() -> f64 {
    0.9
}
