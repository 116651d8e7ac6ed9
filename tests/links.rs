//! Share links (`hoplab::classroom::link`): a whole world in a URL
//! fragment, read back as a "whole state" file is, and every broken link
//! refused with a message.

use hoplab::classroom::link::{
    decode, encode, is_link, pack, payload, ShareError, LINK_VERSION, MAX_LINK_CHARS,
};
use hoplab::classroom::{Journal, SavedLesson, SavedState};
use hoplab::sim::script::{run_step, Script, Step};
use hoplab::sim::world::DEFAULT_URL;
use hoplab::sim::{Request, World};
use hoplab::view::request::Method;

fn steps(json: &str) -> Vec<Step> {
    Script::from_json(&format!("{{\"steps\": {json}}}"))
        .expect("test steps read")
        .steps
}

/// A journal on `base` after `json`'s actions, and the world they made.
fn acted(base: Option<hoplab::sim::scenario::Scenario>, json: &str) -> (World, Journal) {
    let mut journal = Journal {
        scenario: base.clone(),
        ..Journal::default()
    };
    let mut world = journal.world().expect("the base world builds");
    for s in steps(json) {
        run_step(&mut world, &s, journal.steps.len() + 1).expect("the action is carried out");
        journal.record(s);
    }
    (world, journal)
}

fn state(journal: &Journal) -> SavedState {
    SavedState::new(journal, "client-eu", Method::Post, DEFAULT_URL, None)
}

fn next_trace(world: &mut World) -> String {
    world
        .send(&Request::get("client-eu", DEFAULT_URL))
        .render_text()
}

/// Three edits a teacher makes to break the default world.
const THREE_EDITS: &str = r#"[
    { "edit": { "kind": "remove_nacl_rule", "nacl": "acl-public-a", "direction": "inbound", "number": 100 } },
    { "edit": { "kind": "add_sg_rule", "sg": "sg-alb-a", "direction": "inbound", "protocol": "tcp", "ports": "8443", "peer": "198.51.100.0/24" } },
    { "edit": { "kind": "set_subnet_cidr", "subnet": "subnet-app-a1", "cidr": "10.0.10.0/27" } }
]"#;

#[test]
fn a_shared_world_opens_as_the_same_world_and_gives_the_same_trace() {
    let (mut world, journal) = acted(
        None,
        &THREE_EDITS.replacen(
            '[',
            r#"[ { "fault": { "kind": "pod_down", "pod": "pod-a-1" } }, { "advance": 30000 },"#,
            1,
        ),
    );
    let mut shared = state(&journal);
    shared.lesson = Some(SavedLesson {
        id: "nacl".into(),
        steps_done: 2,
    });
    let fragment = encode(&shared).expect("a small world fits a link");
    assert!(is_link(&format!("#{fragment}")));
    assert!(fragment.starts_with(&format!("world={LINK_VERSION}.")));
    assert!(
        fragment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"=.-_".contains(&b)),
        "a fragment needs no escaping: {fragment}"
    );
    let back = decode(&format!("#{fragment}")).expect("the link reads back");
    assert_eq!(back, shared, "client, method, URL, lesson and journal");
    let mut restored = back.restore().expect("the journal replays");
    assert!(restored == world, "the same world");
    assert_eq!(next_trace(&mut restored), next_trace(&mut world));
}

#[test]
fn the_default_world_with_three_edits_makes_a_link_of_a_few_hundred_characters() {
    let (_, journal) = acted(None, THREE_EDITS);
    let fragment = encode(&state(&journal)).unwrap();
    let json = serde_json::to_string(&payload(&state(&journal))).unwrap();
    println!(
        "share link: default world + 3 edits: fragment {} characters (payload JSON {} bytes); limit {MAX_LINK_CHARS}",
        fragment.len(),
        json.len()
    );
    assert!(fragment.len() < 600, "{} characters", fragment.len());
    let (_, none) = acted(None, "[]");
    let bare = encode(&state(&none)).unwrap();
    println!("share link: default world: {} characters", bare.len());
    assert!(bare.len() < fragment.len());
}

#[test]
fn an_imported_scenario_travels_as_its_changes_against_the_default() {
    let mut base = hoplab::sim::defaults::default_scenario();
    base.name = "Broken on purpose".into();
    base.regions[0]
        .vpc
        .nacls
        .iter_mut()
        .find(|n| n.id == "acl-public-a")
        .unwrap()
        .inbound
        .retain(|r| r.number != 100);
    let (mut world, journal) = acted(Some(base.clone()), "[]");
    let shared = state(&journal);
    let p = payload(&shared);
    assert!(p.get("scenario").is_none(), "not the whole scenario");
    let patch = p.get("scenario_patch").expect("the changes");
    assert_eq!(patch["name"], "Broken on purpose");
    let whole = serde_json::to_string(&base).unwrap().len();
    let carried = serde_json::to_string(patch).unwrap().len();
    assert!(
        carried * 5 < whole,
        "the patch ({carried} bytes) is a fraction of the scenario ({whole} bytes)"
    );
    let back = decode(&encode(&shared).unwrap()).unwrap();
    assert_eq!(back.scenario.as_ref(), Some(&base));
    let mut restored = back.restore().unwrap();
    assert_eq!(next_trace(&mut restored), next_trace(&mut world));
}

fn good_link() -> String {
    let (_, journal) = acted(None, THREE_EDITS);
    encode(&state(&journal)).unwrap()
}

#[test]
fn a_tampered_link_is_refused_with_a_message() {
    let link = good_link();
    let data_start = link.find('.').unwrap() + 1;
    // Every single-character change inside the data is refused: the zlib
    // stream's checksum, or base64's unused bits in the last character.
    for i in data_start..link.len() {
        let mut bytes = link.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        let e = decode(&tampered).expect_err(&format!("character {i} changed"));
        assert!(e.starts_with("share link: "), "{e}");
    }
    let e = decode(&link.replacen('A', "*", 1)).unwrap_err();
    assert!(e.contains("'*' cannot appear"), "{e}");
}

#[test]
fn a_truncated_link_is_refused_as_cut_short() {
    let link = good_link();
    for cut in [1, 2, 5, link.len() / 2] {
        let e = decode(&link[..link.len() - cut]).unwrap_err();
        assert!(
            e.contains("cut short") || e.contains("damaged"),
            "cut {cut}: {e}"
        );
    }
    assert!(decode("world=1").unwrap_err().contains("no version"));
}

#[test]
fn an_oversized_link_is_refused_before_it_is_read() {
    let long = format!("world=1.{}", "A".repeat(MAX_LINK_CHARS));
    let e = decode(&long).unwrap_err();
    assert_eq!(
        e,
        format!(
            "share link: {} characters is more than the {MAX_LINK_CHARS} a link may have",
            long.len()
        )
    );
    // A small link that unpacks into a huge text is refused too.
    let bomb = pack(&vec![b' '; 5 << 20]);
    assert!(bomb.len() < MAX_LINK_CHARS, "{}", bomb.len());
    assert!(decode(&bomb).unwrap_err().contains("unpacks to more than"));
}

#[test]
fn a_link_of_another_version_is_refused_for_its_version() {
    let link = good_link();
    let newer = link.replacen("world=1.", "world=2.", 1);
    assert_eq!(
        decode(&newer).unwrap_err(),
        "share link: version 2 is not one this Hoplab reads (it reads version 1)"
    );
    assert!(decode("world=x.AAAA")
        .unwrap_err()
        .contains("not a version number"));
}

#[test]
fn a_link_whose_world_is_wrong_names_the_field_or_the_step() {
    let mut p = payload(&state(&Journal::default()));
    p["stepz"] = serde_json::json!([]);
    let e = decode(&pack(p.to_string().as_bytes())).unwrap_err();
    assert!(
        e.starts_with("share link field stepz: unknown field"),
        "{e}"
    );
    let (_, journal) = acted(None, THREE_EDITS);
    let mut p = payload(&state(&journal));
    p["steps"][0]["edit"]["nacl"] = "acl-nope".into();
    let s = decode(&pack(p.to_string().as_bytes())).expect("it reads");
    let e = s.restore().unwrap_err();
    assert!(e.starts_with("step 1: "), "{e}");
    let mut p = payload(&state(&journal));
    p["scenario_patch"] = serde_json::json!({ "regions": { "9": { "id": "x" } } });
    let e = decode(&pack(p.to_string().as_bytes())).unwrap_err();
    assert!(
        e.starts_with("share link field scenario_patch: regions.[9]: no such element"),
        "{e}"
    );
}

#[test]
fn a_world_too_big_for_a_link_says_to_share_the_file() {
    let mut s = state(&Journal::default());
    // A long URL of text that does not compress.
    let mut x: u64 = 7;
    s.url = (0..MAX_LINK_CHARS * 2)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            char::from(b'a' + (x >> 59) as u8 % 26)
        })
        .collect();
    let e = encode(&s).unwrap_err();
    let ShareError::TooLong { chars } = e.clone();
    assert!(chars > MAX_LINK_CHARS);
    assert!(e.to_string().contains("download the whole state"), "{e}");
}
